"""The labelled destructive-operations corpus, run through codeguard: confusion matrices.

Each case is written to a file named by its language and scanned as a wholly added file;
shell cases are also scanned as one agent command. Used by the test suite (the bars) and
by `python bench/corpus.py` (the report).
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
CORPUS = ROOT / "tests" / "data" / "destructive"
FILE_NAMES = {
    "sh": "script.sh",
    "py": "snippet.py",
    "sql": "migration.sql",
    "tf": "main.tf",
    "gha": ".github/workflows/ci.yml",
    "gitlab": ".gitlab-ci.yml",
    "dockerfile": "Dockerfile",
    "makefile": "Makefile",
    "packagejson": "package.json",
}


@dataclass(frozen=True)
class Case:
    id: str
    lang: str
    label: str
    why: str
    code: str
    file: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    case: Case
    path: str  # "file" | "command"
    blocked: bool
    rules: tuple[str, ...]
    error: str = ""

    @property
    def correct(self) -> bool:
        return self.blocked == (self.case.label == "destructive")


def load_cases(directory: Path = CORPUS) -> list[Case]:
    cases = []
    for path in sorted(directory.glob("*.yaml")):
        for raw in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            cases.append(
                Case(
                    id=raw["id"],
                    lang=raw["lang"],
                    label=raw["label"],
                    why=raw.get("why", ""),
                    code=raw["code"],
                    file=path.stem,
                    tags=tuple(raw.get("tags", [])),
                )
            )
    return cases


def run_in_process(cases: list[Case], bandit: bool = True) -> list[Outcome]:
    """The pipeline `codeguard scan` runs, without a process per case (for the tests).

    `bandit=False` skips the bandit worker (a process per Python case): the tests hold the
    destructive stage to its bars quickly; the benchmark runs everything."""
    from codeguard import pipeline
    from codeguard.config import Config
    from codeguard.ruleset import builtin_rules_dir
    from codeguard.ruleset import load_rules
    from codeguard.sources.command import from_command
    from codeguard.sources.files import from_paths
    from codeguard.stages import STAGES

    rules = load_rules([builtin_rules_dir()])
    outcomes = []
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        for case in cases:
            work = base / case.id
            target = work / FILE_NAMES[case.lang]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(case.code, encoding="utf-8")
            changes = from_paths([str(target)], work, work)
            config = Config(root=str(work), bandit=bandit)
            outcomes.append(_outcome(case, "file", pipeline.run(config, changes, rules, STAGES)))
            if case.lang == "sh":
                report = pipeline.run(Config(), from_command(case.code), rules, STAGES)
                outcomes.append(_outcome(case, "command", report))
    return outcomes


def _outcome(case: Case, path: str, report: object) -> Outcome:
    verdict = getattr(report, "verdict", "error")
    findings = getattr(report, "findings", ())
    rules = tuple(sorted({f.rule_id for f in findings if f.blocking}))
    failures = "; ".join(f"{x.stage}: {x.message}" for x in getattr(report, "failures", ()))
    return Outcome(case, path, verdict in ("block", "error"), rules, failures)


def matrix(outcomes: list[Outcome], path: str) -> dict[str, int]:
    m = Counter()
    for o in outcomes:
        if o.path != path:
            continue
        destructive = o.case.label == "destructive"
        m[
            "tp"
            if destructive and o.blocked
            else "fn"
            if destructive
            else "fp"
            if o.blocked
            else "tn"
        ] += 1
    return dict(m)


def rates(m: dict[str, int]) -> tuple[float, float]:
    """(share of destructive cases blocked, share of benign cases blocked)."""
    pos = m.get("tp", 0) + m.get("fn", 0)
    neg = m.get("tn", 0) + m.get("fp", 0)
    return (m.get("tp", 0) / pos if pos else 1.0, m.get("fp", 0) / neg if neg else 0.0)


def report(outcomes: list[Outcome]) -> str:
    lines = [
        "| path | cases | blocked destructive | blocked benign | TP | FN | FP | TN |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for path in ("file", "command"):
        m = matrix(outcomes, path)
        recall, fpr = rates(m)
        total = sum(m.values())
        counts = " | ".join(str(m.get(k, 0)) for k in ("tp", "fn", "fp", "tn"))
        lines.append(f"| {path} | {total} | {recall:.1%} | {fpr:.1%} | {counts} |")
    by_lang: dict[str, Counter[str]] = defaultdict(Counter)
    for o in outcomes:
        if o.path == "file":
            by_lang[o.case.lang]["ok" if o.correct else "wrong"] += 1
    lines += ["", "| lang | correct | wrong |", "|---|---:|---:|"]
    lines += [f"| {lang} | {c['ok']} | {c['wrong']} |" for lang, c in sorted(by_lang.items())]
    wrong = [o for o in outcomes if not o.correct]
    if wrong:
        lines += ["", "Misjudged cases:", ""]
        for o in wrong:
            kind = "missed" if o.case.label == "destructive" else "false block"
            rules = ",".join(o.rules) or "-"
            lines.append(f"- {o.case.id} ({o.path}, {kind}, {rules}): {o.case.why}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="print the matrices as JSON")
    args = parser.parse_args(argv)
    outcomes = run_in_process(load_cases())
    if args.json:
        print(json.dumps({p: matrix(outcomes, p) for p in ("file", "command")}))
    else:
        sys.stdout.write(report(outcomes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
