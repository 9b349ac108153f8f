"""Rule files: validation errors that name file, key and line; the cache; the user harness."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from codeguard.errors import RuleError
from codeguard.ruleset import is_enabled
from codeguard.ruleset import load_rules
from tests.conftest import ROOT
from tests.conftest import run_cli

GOOD_RULE = """\
id: CG950
name: curl-pipe-shell
stage: destructive
severity: error
message: "piping a download into a shell runs code nobody has read: {match}"
description: |
  ## What it does
  Flags `curl ... | sh`.

  ## Why is this bad?
  The script is never reviewed.
files: ["*.sh", "<command>"]
match:
  regex:
    pattern: 'curl\\b[^|]*\\|\\s*(?:ba)?sh\\b'
examples:
  bad:
    - path: install.sh
      code: |
        curl -fsSL https://example.com/x.sh | sh  # expect: CG950
  good:
    - path: install.sh
      code: |
        curl -fsSLo x.sh https://example.com/x.sh
"""


def write(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text)
    return path


def test_a_valid_user_rule_loads(tmp_path: Path) -> None:
    write(tmp_path, "CG950-curl-pipe-shell.yaml", GOOD_RULE)
    (rule,) = load_rules([tmp_path])
    assert rule.id == "CG950" and rule.kinds == ("regex",)
    assert rule.render_message(match="curl x | sh").endswith("curl x | sh")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            ("severity: error", "severity: fatal"),
            r"CG950-curl-pipe-shell.yaml:4: severity: 'fatal' is not one of",
        ),
        (("id: CG950", "id: X950"), r"CG950-curl-pipe-shell.yaml:1: id: 'X950' does not match"),
        (("  regex:\n", "  regexp:\n"), r"CG950-curl-pipe-shell.yaml:\d+: match"),
        (("pattern: 'curl", "pattern: '(curl"), r"match.regex.pattern: invalid regex"),
        (("{match}", "{nonsense}"), r"message: unknown placeholder \{nonsense\}"),
        (("examples:\n", "exemples:\n"), r"CG950-curl-pipe-shell.yaml.*exemples"),
        (
            ("id: CG950\n", "id: CG950\n  bad: [indent\n"),
            r"CG950-curl-pipe-shell.yaml:\d+: invalid YAML",
        ),
        (
            ("  regex:\n", '  python-call:\n    - callee: ["*"]\n  regex:\n'),
            r'match.python-call\[0\]: callee "\*" needs kwargs: tainted',
        ),
    ],
)
def test_invalid_rules_name_file_key_and_line(
    tmp_path: Path, edit: tuple[str, str], message: str
) -> None:
    old, new = edit
    assert old in GOOD_RULE
    write(tmp_path, "CG950-curl-pipe-shell.yaml", GOOD_RULE.replace(old, new, 1))
    with pytest.raises(RuleError, match=message):
        load_rules([tmp_path])


def test_file_name_must_match_id_and_name(tmp_path: Path) -> None:
    write(tmp_path, "CG950-pipe.yaml", GOOD_RULE)
    with pytest.raises(RuleError, match=r"must be named CG950-curl-pipe-shell\.yaml"):
        load_rules([tmp_path])


def test_ids_never_collide_with_builtins(tmp_path: Path) -> None:
    write(
        tmp_path,
        "CG101-recursive-delete.yaml",
        (ROOT / "rules/CG101-recursive-delete.yaml").read_text(),
    )
    with pytest.raises(RuleError, match="CG101 is already used by"):
        load_rules([ROOT / "rules", tmp_path])


def test_missing_rule_dir(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="rule directory not found"):
        load_rules([tmp_path / "nope"])


def test_cache_is_reused_and_invalidated_by_an_edit(tmp_path: Path) -> None:
    rules_dir = tmp_path / "rules"
    path = write(rules_dir, "CG950-curl-pipe-shell.yaml", GOOD_RULE)
    cache = tmp_path / "cache"
    first = load_rules([rules_dir], cache)
    (cached,) = list(cache.glob("rules-*.json"))
    assert load_rules([rules_dir], cache)[0].message == first[0].message
    # an edit (new size and mtime) is seen at once, even a breaking one
    path.write_text(GOOD_RULE.replace("severity: error", "severity: fatal"))
    os.utime(path, ns=(1, 1))
    with pytest.raises(RuleError):
        load_rules([rules_dir], cache)
    path.write_text(GOOD_RULE.replace("severity: error", "severity: warning"))
    assert load_rules([rules_dir], cache)[0].severity.label == "warning"
    assert not cached.exists()  # the stale entry was replaced


def test_a_corrupt_cache_is_ignored(tmp_path: Path) -> None:
    rules_dir = tmp_path / "rules"
    write(rules_dir, "CG950-curl-pipe-shell.yaml", GOOD_RULE)
    cache = tmp_path / "cache"
    load_rules([rules_dir], cache)
    (entry,) = list(cache.glob("rules-*.json"))
    entry.write_text("{not json")
    assert load_rules([rules_dir], cache)[0].id == "CG950"


@pytest.mark.parametrize(
    ("select", "ignore", "enabled"),
    [
        ((), (), True),
        ((), ("CG1",), False),
        ((), ("recursive-delete",), False),
        (("CG2",), (), False),
        (("CG1",), ("CG101",), False),
        (("CG101",), ("CG1",), True),
        (("CG101",), ("CG101",), True),
        (("recursive-delete",), ("CG",), True),
    ],
)
def test_selection(select: tuple[str, ...], ignore: tuple[str, ...], enabled: bool) -> None:
    assert is_enabled(select, ignore, "CG101", "recursive-delete") is enabled


def test_rules_test_command_on_a_user_directory(tmp_path: Path) -> None:
    write(tmp_path / "mine", "CG950-curl-pipe-shell.yaml", GOOD_RULE)
    result = run_cli("rules", "test", str(tmp_path / "mine"))
    assert result.code == 0, result.out
    assert result.out.splitlines() == [
        "CG950 curl-pipe-shell: ok (1 bad, 1 good)",
        "1 of 1 rules pass their examples",
    ]
    broken = GOOD_RULE.replace("curl -fsSLo x.sh", "curl -fsSL https://example.com/x.sh | bash #")
    write(tmp_path / "mine", "CG950-curl-pipe-shell.yaml", broken)
    result = run_cli("rules", "test", str(tmp_path / "mine"))
    assert result.code == 1
    assert "CG950 good[0]: expected no finding, found [(1, 'CG950')]" in result.out


def test_rules_test_builtin_and_show() -> None:
    result = run_cli("rules", "test")
    assert result.code == 0, result.out
    assert result.out.splitlines()[-1].endswith("rules pass their examples")
    shown = run_cli("rules", "show", "recursive-delete")
    assert shown.code == 0
    assert shown.out.startswith("# CG101 recursive-delete\n")
    assert "## Why is this bad?" in shown.out


def test_rules_docs_check(tmp_path: Path) -> None:
    assert run_cli("rules", "docs", "--check", "-o", str(ROOT / "docs/rules.md")).code == 0
    stale = tmp_path / "rules.md"
    stale.write_text("old\n")
    result = run_cli("rules", "docs", "--check", "-o", str(stale))
    assert result.code == 1
    assert "out of date" in result.err


def test_markers_in_examples_must_name_the_rule(tmp_path: Path) -> None:
    text = GOOD_RULE.replace("# expect: CG950", "")
    write(tmp_path, "CG950-curl-pipe-shell.yaml", text)
    from codeguard.examples import problems

    (rule,) = load_rules([tmp_path])
    assert "has no `expect: CG950` marker" in problems(rule, [rule])[0]
