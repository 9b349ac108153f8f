"""`codeguard apply`: scan an agent's patch, `git apply` it only when nothing blocks."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import commit_all
from tests.conftest import git
from tests.conftest import run_cli

ROUTINE = """\
--- a/app.py
+++ b/app.py
@@ -1,2 +1,3 @@
 def run():
-    return 1
+    value = 2
+    return value
"""
DESTRUCTIVE = """\
--- a/app.py
+++ b/app.py
@@ -1,2 +1,4 @@
 def run():
-    return 1
+    import shutil
+    shutil.rmtree("/var/lib/postgresql")
+    return 0
"""


def _repo(repo: Path) -> Path:
    (repo / "app.py").write_text("def run():\n    return 1\n", encoding="utf-8")
    commit_all(repo, "start")
    return repo


def test_a_passing_patch_is_applied(repo: Path) -> None:
    _repo(repo)
    result = run_cli("apply", "-", cwd=repo, stdin=ROUTINE.encode())
    assert result.code == 0, result.err
    assert "applied (1 file(s))" in result.err
    assert "value = 2" in (repo / "app.py").read_text()


def test_a_blocked_patch_is_not_applied(repo: Path) -> None:
    _repo(repo)
    (repo / "fix.diff").write_text(DESTRUCTIVE, encoding="utf-8")
    result = run_cli("apply", "fix.diff", cwd=repo)
    assert result.code == 1
    assert "CG101" in result.out and "fix.diff was not applied" in result.err
    assert git(repo, "status", "--porcelain").strip() == "?? fix.diff"


def test_check_scans_without_applying(repo: Path) -> None:
    _repo(repo)
    result = run_cli("apply", "--check", "-", cwd=repo, stdin=ROUTINE.encode())
    assert result.code == 0
    assert (repo / "app.py").read_text() == "def run():\n    return 1\n"


def test_a_patch_git_cannot_apply_is_a_clear_error(repo: Path) -> None:
    _repo(repo)
    stale = ROUTINE.replace("return 1", "return 7")
    result = run_cli("apply", "-", cwd=repo, stdin=stale.encode())
    assert result.code == 2
    assert "does not apply to the file on disk" in result.err
    assert result.err.splitlines()[-1].startswith(
        "codeguard: error: git apply: error: patch failed"
    )
    assert (repo / "app.py").read_text() == "def run():\n    return 1\n"
