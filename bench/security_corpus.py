"""The labelled insecure-code corpus (tests/data/security) run through codeguard.

Snippets are scanned as wholly added files named snippet.py; diffs with `--diff` from a
directory where their files do not exist (only the hunks are visible). A case is
"flagged" when codeguard reports an unsuppressed finding of severity warning or error.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "security"


@dataclass(frozen=True)
class Case:
    id: str
    cwe: str
    label: str  # vulnerable | safe
    why: str
    kind: str  # snippet | diff
    tags: tuple[str, ...]
    code: str  # the snippet, or the diff text
    lines: tuple[int, ...]
    context_flaw: bool = False  # a diff whose only flaw sits in unchanged context lines


@dataclass(frozen=True)
class Outcome:
    case: Case
    flagged: bool
    rules: tuple[str, ...]
    on_context: bool  # flagged a line that the diff did not add
    error: str = ""

    @property
    def correct(self) -> bool:
        return self.flagged == (self.case.label == "vulnerable")


def load_cases(directory: Path = CORPUS) -> list[Case]:
    cases: list[Case] = []
    for path in sorted((directory / "snippets").glob("*.yaml")):
        for raw in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            cases.append(
                Case(
                    id=raw["id"], cwe=raw["cwe"], label=raw["label"], why=raw.get("why", ""),
                    kind="snippet", tags=tuple(raw.get("tags", [])), code=raw["code"],
                    lines=tuple(raw.get("lines", [])),
                )
            )  # fmt: skip
    meta = yaml.safe_load((directory / "diffs" / "cases.yaml").read_text(encoding="utf-8"))
    for raw in meta or []:
        text = (directory / "diffs" / f"{raw['id']}.diff").read_text(encoding="utf-8")
        cases.append(
            Case(
                id=raw["id"], cwe=raw.get("cwe", ""), label=raw["label"], why=raw.get("why", ""),
                kind="diff", tags=tuple(raw.get("tags", [])), code=text,
                lines=tuple(raw.get("expected_lines", [])),
                context_flaw=raw.get("kind") == "context_flaw",
            )
        )  # fmt: skip
    return cases


def run_in_process(cases: list[Case], bandit: bool = True) -> list[Outcome]:
    from codeguard import pipeline
    from codeguard.config import Config
    from codeguard.finding import Severity
    from codeguard.ruleset import builtin_rules_dir
    from codeguard.ruleset import load_rules
    from codeguard.sources.files import from_paths
    from codeguard.sources.patch import from_diff
    from codeguard.stages import STAGES

    rules = load_rules([builtin_rules_dir()])
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        for case in cases:
            work = base / case.id
            work.mkdir()
            config = Config(root=str(work), bandit=bandit)
            if case.kind == "snippet":
                (work / "snippet.py").write_text(case.code, encoding="utf-8")
                changes = from_paths([str(work / "snippet.py")], work, work)
            else:
                changes = from_diff(case.code.encode(), origin=case.id, cwd=work)
            report = pipeline.run(config, changes, rules, STAGES)
            bad = [
                f for f in report.findings if not f.suppressed and f.severity >= Severity.WARNING
            ]
            added = {n for c in changes for n in c.added_lines}
            on_context = case.kind == "diff" and any(f.start.line not in added for f in bad)
            failures = "; ".join(f"{x.stage}: {x.message}" for x in report.failures)
            outcomes.append(
                Outcome(
                    case, bool(bad), tuple(sorted({f.rule_id for f in bad})), on_context, failures
                )
            )
    return outcomes


def rates(outcomes: list[Outcome]) -> tuple[float, float]:
    """(recall on vulnerable cases, share of safe cases flagged)."""
    vuln = [o for o in outcomes if o.case.label == "vulnerable"]
    safe = [o for o in outcomes if o.case.label == "safe"]
    recall = sum(o.flagged for o in vuln) / len(vuln) if vuln else 1.0
    false_flags = sum(o.flagged for o in safe) / len(safe) if safe else 0.0
    return recall, false_flags


def report(outcomes: list[Outcome]) -> str:
    lines = ["| cases | n | recall | safe flagged |", "|---|---:|---:|---:|"]
    for title, group in (
        ("snippets", [o for o in outcomes if o.case.kind == "snippet"]),
        ("diffs (--diff, files absent)", [o for o in outcomes if o.case.kind == "diff"]),
        ("all", outcomes),
    ):
        recall, flags = rates(group)
        lines.append(f"| {title} | {len(group)} | {recall:.1%} | {flags:.1%} |")
    context = [o for o in outcomes if o.case.kind == "diff" and o.case.label == "safe"]
    blamed = [o for o in context if o.on_context]
    lines += [
        "",
        f"Findings on unchanged context lines: {len(blamed)} of {len(context)} safe diffs.",
    ]
    per_cwe: dict[str, Counter[str]] = defaultdict(Counter)
    for o in outcomes:
        per_cwe[o.case.cwe]["ok" if o.correct else "wrong"] += 1
    lines += ["", "| CWE | correct | wrong |", "|---|---:|---:|"]
    lines += [f"| {cwe} | {c['ok']} | {c['wrong']} |" for cwe, c in sorted(per_cwe.items())]
    wrong = [o for o in outcomes if not o.correct]
    if wrong:
        lines += ["", "Misjudged cases:", ""]
        for o in wrong:
            kind = "missed" if o.case.label == "vulnerable" else "false flag"
            lines.append(
                f"- {o.case.id} ({o.case.kind}, {kind}, {','.join(o.rules) or '-'}): {o.case.why}"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-bandit", action="store_true", help="codeguard's own rules only")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    outcomes = run_in_process(load_cases(), bandit=not args.no_bandit)
    if args.json:
        recall, flags = rates(outcomes)
        print(json.dumps({"recall": recall, "safe_flagged": flags}))
    else:
        sys.stdout.write(report(outcomes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
