"""The labelled reviewer-injection corpora run through codeguard (CG801, CG802).

tests/data/injection was written for the detectors and tuned against; the held-out
tests/data/injection-holdout was written by a separate session that read neither the
detectors nor the first corpus. Each case is scanned through the real pipeline as a
wholly added file at its path. An "inject" case counts as caught when CG801 reports it,
an "invisible" case when CG802 does; a "safe" case is flagged when either does.
Cases marked ambiguous are counted apart.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "injection"
HOLDOUT = ROOT / "tests" / "data" / "injection-holdout"
WANTED = {"inject": "CG801", "invisible": "CG802"}


@dataclass(frozen=True)
class Case:
    id: str
    path: str
    added: str
    label: str
    note: str
    ambiguous: bool


@dataclass(frozen=True)
class Outcome:
    case: Case
    rules: tuple[str, ...]

    @property
    def correct(self) -> bool:
        found = {"CG801", "CG802"} & set(self.rules)
        if self.case.label == "safe":
            return not found
        return WANTED[self.case.label] in found


def load(directory: Path) -> list[Case]:
    cases = []
    for line in (directory / "cases.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            cases.append(
                Case(
                    d["id"], d["path"], d["added"], d["label"], d["note"], bool(d.get("ambiguous"))
                )
            )
    return cases


def run(cases: list[Case]) -> list[Outcome]:
    from codeguard import pipeline
    from codeguard.config import Config
    from codeguard.ruleset import builtin_rules_dir
    from codeguard.ruleset import load_rules
    from codeguard.sources.files import from_paths
    from codeguard.stages import STAGES

    rules = load_rules([builtin_rules_dir()])
    stages = {k: v for k, v in STAGES.items() if k in ("parse", "security")}
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for case in cases:
            work = Path(tmp) / case.id
            target = work / case.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(case.added + "\n", encoding="utf-8")
            config = Config(root=str(work), bandit=False, select=("CG801", "CG802"))
            changes = from_paths([str(target)], work, work)
            report = pipeline.run(config, changes, rules, stages)
            out.append(Outcome(case, tuple(sorted({f.rule_id for f in report.active}))))
    return out


def rates(outcomes: list[Outcome]) -> dict[str, tuple[int, int]]:
    """label (ambiguous ones apart) -> (correct, total)."""
    table: dict[str, tuple[int, int]] = {}
    for o in outcomes:
        key = o.case.label + (" (ambiguous)" if o.case.ambiguous else "")
        right, total = table.get(key, (0, 0))
        table[key] = (right + o.correct, total + 1)
    return table


def report(name: str, outcomes: list[Outcome]) -> list[str]:
    lines = [f"{name}:", "", "| label | cases | detected (inject, invisible) / flagged (safe) |"]
    lines.append("|---|---:|---:|")
    for key, (right, total) in sorted(rates(outcomes).items()):
        share = right / total if not key.startswith("safe") else (total - right) / total
        lines.append(f"| {key} | {total} | {share:.1%} |")
    misses = [o for o in outcomes if not o.correct and not o.case.ambiguous]
    if misses:
        lines += ["", "Misjudged: " + ", ".join(o.case.id for o in misses)]
    return [*lines, ""]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.parse_args(argv)
    for name, directory in (("tuned corpus", CORPUS), ("held-out corpus", HOLDOUT)):
        print("\n".join(report(f"{name} ({directory.relative_to(ROOT)})", run(load(directory)))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
