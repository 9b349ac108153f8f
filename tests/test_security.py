"""The security stage: bandit on changed Python only, mapped, and its own rules."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from codeguard import pipeline
from codeguard.changes import ChangeSet
from codeguard.changes import FileChange
from codeguard.config import Config
from codeguard.diff import parse_diff
from codeguard.finding import Severity
from codeguard.ruleset import load_rules
from codeguard.stages import STAGES
from codeguard.stages.security import _sparse
from tests.conftest import ROOT
from tests.conftest import run_cli

RULES = load_rules([ROOT / "rules"])

POST = """import subprocess
import yaml


def old(cmd):
    subprocess.call(cmd, shell=True)  # already there


def new(data):
    return yaml.load(data)
"""
# (context lines of blank source lines are a single space)
DIFF = (
    "--- a/app.py\n+++ b/app.py\n@@ -8,2 +8,4 @@ def old(cmd):\n \n \n"
    "+def new(data):\n+    return yaml.load(data)\n"
)


def report(post: str | None, diff: str, **config: object) -> pipeline.Report:  # type: ignore[name-defined]
    """Only bandit's findings (codeguard's own rules would cover the same lines)."""
    (change,) = parse_diff(diff)
    if post is not None:
        change = FileChange(path="app.py", status="modified", hunks=change.hunks, post_image=post)
    # every bandit test on, so the mechanics are tested whatever the default skip list
    settings = Config(select=("B",), bandit_skip=()).replace(**config)
    return pipeline.run(settings, ChangeSet((change,)), RULES, STAGES)


def test_bandit_reports_only_what_the_change_adds() -> None:
    found = [(f.rule_id, f.start.line) for f in report(POST, DIFF).findings]
    assert ("B506", 10) in found
    assert not [f for f in found if f[1] == 6], "the pre-existing shell=True is not the change's"


def test_bandit_findings_map_severity_and_keep_bandit_ids() -> None:
    finding = next(f for f in report(POST, DIFF).findings if f.rule_id == "B506")
    assert finding.stage == "security"
    assert finding.severity == Severity.WARNING  # MEDIUM/HIGH
    assert "bandit medium/high" in finding.message
    assert finding.start.column == 12


def test_bandit_sees_hunks_of_a_patch_scanned_away_from_its_repo() -> None:
    diff = """--- a/svc.py
+++ b/svc.py
@@ -40,3 +40,4 @@ class Worker:
     def run(self, cmd):
         log(cmd)
+        subprocess.Popen(cmd, shell=True)
         return 0
"""
    found = [(f.rule_id, f.start.line, f.start.column) for f in report(None, diff).findings]
    assert ("B602", 42, 9) in found


def test_nosec_does_not_silence_bandit() -> None:
    post = POST.replace("yaml.load(data)", "yaml.load(data)  # nosec")
    diff = DIFF.replace("yaml.load(data)", "yaml.load(data)  # nosec")
    assert "B506" in {f.rule_id for f in report(post, diff).findings}


def test_bandit_can_be_turned_off_or_narrowed() -> None:
    assert "B506" not in {f.rule_id for f in report(POST, DIFF, bandit=False).findings}
    assert "B506" not in {f.rule_id for f in report(POST, DIFF, bandit_skip=("B506",)).findings}


def test_sparse_copy_keeps_imports_and_touched_statements_on_their_lines() -> None:
    tree = ast.parse(POST)
    sparse = _sparse(POST, tree, frozenset({10}))
    lines = sparse.split("\n")
    assert lines[0] == "import subprocess"
    assert lines[5] == ""  # old() is untouched: blanked
    assert lines[9] == "    return yaml.load(data)"
    assert len(lines) == len(POST.split("\n"))


def test_bandit_is_quiet_where_codeguard_already_reported_the_line() -> None:
    (change,) = parse_diff(DIFF)
    change = FileChange(path="app.py", status="modified", hunks=change.hunks, post_image=POST)
    found = pipeline.run(Config(), ChangeSet((change,)), RULES, STAGES).findings
    assert [(f.rule_id, f.start.line) for f in found if f.start.line == 10] == [("CG509", 10)]


def test_the_cli_starts_bandit_before_reading_the_change(tmp_path: Path) -> None:
    """The worker is started as soon as the configuration is known (its import overlaps
    rule loading and parsing) and still gets the change it must scan."""
    (tmp_path / "legacy.py").write_text("import ftplib\nftplib.FTP('files.internal')\n")
    (tmp_path / "deploy.sh").write_text("echo deploying\n")
    result = run_cli("scan", "legacy.py", "--format", "json", cwd=tmp_path)
    assert {f["rule_id"] for f in json.loads(result.out)["findings"]} >= {"B402", "B321"}
    # a change without Python: the early worker is stopped, the scan passes
    result = run_cli("scan", "deploy.sh", "--format", "json", cwd=tmp_path)
    assert result.code == 0 and json.loads(result.out)["failures"] == []
