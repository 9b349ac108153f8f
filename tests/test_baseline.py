"""Baselines: an existing codebase adopts codeguard and only new findings block."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import commit_all
from tests.conftest import run_cli

OLD = "import pickle\n\n\ndef load(blob):\n    return pickle.loads(blob)\n"


def test_create_then_check_blocks_only_new_findings(repo: Path) -> None:
    (repo / "app.py").write_text(OLD)
    commit_all(repo)
    created = run_cli("baseline", "create", cwd=repo)
    assert created.code == 0
    assert "recorded 1 findings" in created.out
    doc = json.loads((repo / ".codeguard-baseline.json").read_text())
    assert doc["schema"] == "codeguard.baseline/1"
    assert [e["rule_id"] for e in doc["findings"]] == ["CG509"]
    assert "pickle" not in (repo / ".codeguard-baseline.json").read_text()  # no source text

    assert run_cli("baseline", "check", cwd=repo).code == 0
    # the old finding moves down; a new one arrives
    (repo / "app.py").write_text(
        "# header\n\n" + OLD + "\n\ndef again(b):\n    return pickle.loads(b[1:])\n"
    )
    result = run_cli("baseline", "check", "--format", "json", cwd=repo)
    assert result.code == 1
    findings = json.loads(result.out)["findings"]
    assert [(f["start"]["line"], f["suppressed"]) for f in findings] == [(7, True), (11, False)]


def test_scan_honours_a_baseline_from_config_or_flag(repo: Path) -> None:
    (repo / "app.py").write_text(OLD)
    commit_all(repo)
    run_cli("baseline", "create", "-o", "ci/baseline.json", cwd=repo)
    assert run_cli("scan", "app.py", cwd=repo).code == 1
    assert run_cli("scan", "app.py", "--baseline", "ci/baseline.json", cwd=repo).code == 0
    (repo / ".codeguard.toml").write_text('baseline = "ci/baseline.json"\n')
    assert run_cli("scan", "app.py", cwd=repo).code == 0


def test_a_missing_or_broken_baseline_is_exit_2(repo: Path) -> None:
    missing = run_cli("baseline", "check", "-b", "nope.json", cwd=repo)
    assert missing.code == 2
    assert "no such baseline" in missing.err
    (repo / "bad.json").write_text("{}")
    broken = run_cli("scan", "--command", "ls", "--baseline", "bad.json", cwd=repo)
    assert broken.code == 2
    assert "not a codeguard baseline" in broken.err
