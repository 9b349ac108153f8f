"""Rule examples as tests: every `bad` example must fire exactly where it is marked."""

from __future__ import annotations

import dataclasses

from codeguard.changes import COMMAND_PATH
from codeguard.changes import ChangeSet
from codeguard.changes import FileChange
from codeguard.config import Config
from codeguard.finding import Finding
from codeguard.ruleset import Example
from codeguard.ruleset import Rule
from codeguard.ruleset import split_markers


def example_changes(example: Example) -> ChangeSet:
    """An example as the pipeline sees it: a wholly added file, or a command."""
    code, _ = split_markers(example.code)
    change = FileChange(
        path=example.path,
        status="added",
        post_image=code,
        wholly_added=True,
        is_command=example.path == COMMAND_PATH,
    )
    return ChangeSet((change,), source="example")


def check_example(
    rule: Rule, example: Example, rules: list[Rule], config: Config | None = None
) -> list[Finding]:
    """Findings of the whole pipeline on one example scanned as a wholly added file."""
    from codeguard import pipeline
    from codeguard.stages import STAGES

    base = config or Config()
    # examples test codeguard's own rules; bandit's findings are not theirs to expect
    base = dataclasses.replace(
        base, select=(), ignore=(), per_file_ignores=(), preview=True, bandit=False
    )
    report = pipeline.run(base, example_changes(example), rules, STAGES)
    failures = "; ".join(f"{x.stage}: {x.message}" for x in report.failures)
    if failures:
        raise AssertionError(f"{rule.id} example: stage failed: {failures}")
    return list(report.findings)


def problems(rule: Rule, rules: list[Rule], config: Config | None = None) -> list[str]:
    """What is wrong with a rule's examples; empty when every example behaves."""
    out: list[str] = []
    for i, example in enumerate(rule.bad):
        _, expected = split_markers(example.code)
        found = {(f.start.line, f.rule_id) for f in check_example(rule, example, rules, config)}
        mine = {e for e in expected if e[1] == rule.id}
        if not mine:
            out.append(f"{rule.id} bad[{i}]: has no `expect: {rule.id}` marker")
        got = {e for e in found if e[1] == rule.id}
        if got != mine:
            out.append(f"{rule.id} bad[{i}]: expected {sorted(mine)}, found {sorted(got)}")
        missing = {e for e in expected if e[1] != rule.id} - found
        if missing:
            out.append(f"{rule.id} bad[{i}]: expected other findings {sorted(missing)}")
    for i, example in enumerate(rule.good):
        found_ids = [
            (f.start.line, f.rule_id)
            for f in check_example(rule, example, rules, config)
            if f.rule_id == rule.id
        ]
        if found_ids:
            out.append(f"{rule.id} good[{i}]: expected no finding, found {sorted(found_ids)}")
    return out
