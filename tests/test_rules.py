"""Every rule's examples are tests; rule files follow the conventions; docs are current."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from codeguard import rulesdoc
from codeguard.examples import check_example
from codeguard.examples import problems
from codeguard.ruleset import Rule
from codeguard.ruleset import builtin_rules_dir
from codeguard.ruleset import load_rules
from codeguard.ruleset import split_markers
from codeguard.stages import STAGES
from tests.conftest import ROOT

RULES = load_rules([ROOT / "rules"])
BY_ID = {r.id: r for r in RULES}


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_examples_behave(rule: Rule) -> None:
    assert problems(rule, RULES) == []


@pytest.mark.parametrize(
    ("rule", "index"),
    [(r, i) for r in RULES for i in range(len(r.bad))],
    ids=[f"{r.id}-bad-{i}" for r in RULES for i in range(len(r.bad))],
)
def test_bad_example_fires_exactly_on_marked_lines(rule: Rule, index: int) -> None:
    example = rule.bad[index]
    _, expected = split_markers(example.code)
    found = {(f.start.line, f.rule_id) for f in check_example(rule, example, RULES)}
    assert {e for e in expected if e[1] == rule.id} == {e for e in found if e[1] == rule.id}


@pytest.mark.parametrize(
    ("rule", "index"),
    [(r, i) for r in RULES for i in range(len(r.good))],
    ids=[f"{r.id}-good-{i}" for r in RULES for i in range(len(r.good))],
)
def test_good_example_is_clean(rule: Rule, index: int) -> None:
    findings = check_example(rule, rule.good[index], RULES)
    assert [f for f in findings if f.rule_id == rule.id] == []


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_file_conventions(rule: Rule) -> None:
    path = Path(rule.source)
    assert path.name == f"{rule.id}-{rule.name}.yaml"
    assert "## What it does" in rule.description
    assert "## Why is this bad?" in rule.description
    assert not rule.message.endswith(".")
    assert rule.stage in STAGES or rule.stage == "pipeline"
    assert not rule.name.startswith(("no-", "disallow-", "ban-"))
    assert rule.bad and rule.good


def test_ids_and_names_are_unique() -> None:
    assert len({r.id for r in RULES}) == len(RULES)
    assert len({r.name for r in RULES}) == len(RULES)


def test_builtin_rules_dir_is_the_checkout() -> None:
    assert builtin_rules_dir().resolve() == (ROOT / "rules").resolve()


def test_docs_are_current() -> None:
    expected = rulesdoc.render(RULES)
    current = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert current == expected, "docs/rules.md is stale: run `make docs`"


def test_rule_spans(snapshot: SnapshotAssertion) -> None:
    """Exact columns, ends and messages of every bad example (review changes like code)."""
    spans = {
        rule.id: [
            f"{f.path}:{f.start.line}:{f.start.column}-"
            f"{f.end.line if f.end else ''}:{f.end.column if f.end else ''} {f.rule_id} {f.message}"
            for ex in rule.bad
            for f in check_example(rule, ex, RULES)
            if f.rule_id == rule.id
        ]
        for rule in RULES
    }
    assert spans == snapshot


def test_markers_are_stripped_before_matching() -> None:
    code, expected = split_markers("rm -rf /  # expect: CG102\nls -- expect: CG1, CG2\n")
    assert code == "rm -rf /\nls\n"
    assert expected == {(1, "CG102"), (2, "CG1"), (2, "CG2")}
    assert not re.search("expect", code)
