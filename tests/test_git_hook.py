"""The plain git hook: `codeguard install --git-hook`, and real `git commit`s through it."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from codeguard.install import git_hook
from tests.conftest import ROOT
from tests.conftest import commit_all
from tests.conftest import git
from tests.conftest import run_cli

CODEGUARD = str(Path(sys.executable).with_name("codeguard"))
DESTRUCTIVE = "#!/bin/sh\nrm -rf /var/lib/postgresql\n"
# someone's own hook: no newline at the end, non-ASCII, a CRLF, an unusual mode
THEIRS = "#!/bin/sh\r\n# vérifie le message\necho theirs ran >&2\nexit 0".encode()


def commit(repo: Path, message: str = "change", **env: str) -> subprocess.CompletedProcess[str]:
    """A real `git commit`, hooks and all; git sends a hook's output to stderr."""
    return subprocess.run(
        ["git", "commit", "-q", "-m", message],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **env},
    )


def stage(repo: Path, name: str, text: str) -> None:
    path = repo / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    git(repo, "add", name)


def listing(directory: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.name: (p.read_bytes(), stat.S_IMODE(p.lstat().st_mode))
        for p in sorted(directory.iterdir())
    }


def test_the_shipped_hook_is_the_one_installed() -> None:
    # hooks/pre-commit is for copying by hand; the installer ships its own copy
    shipped = ROOT / "hooks" / "pre-commit"
    packaged = ROOT / "codeguard" / "install" / "git-hook.sh"
    assert shipped.read_bytes() == packaged.read_bytes()
    assert shipped.stat().st_mode & 0o111 == 0o111
    assert b"CODEGUARD=''\n" in shipped.read_bytes()


def test_install_bakes_in_this_codeguard_and_is_idempotent(repo: Path) -> None:
    first = run_cli("install", "--git-hook", cwd=repo)
    assert first.code == 0, first
    assert first.err == "codeguard: installed .git/hooks/pre-commit\n"
    hook = repo / ".git" / "hooks" / "pre-commit"
    assert f"CODEGUARD='{CODEGUARD}'\n" in hook.read_text()
    assert stat.S_IMODE(hook.stat().st_mode) == 0o755
    before = listing(hook.parent)
    again = run_cli("install", "--git-hook", cwd=repo)
    assert again.err == "codeguard: already installed: .git/hooks/pre-commit\n"
    assert listing(hook.parent) == before


def test_a_real_commit_is_refused_with_a_readable_report(repo: Path) -> None:
    assert run_cli("install", "--git-hook", cwd=repo).code == 0
    stage(repo, "scripts/reset.sh", DESTRUCTIVE)
    refused = commit(repo, "reset the database")
    assert refused.returncode == 1
    assert "scripts/reset.sh:2:1 CG102 [shell-recursive-delete]" in refused.stderr
    assert "rm -rf /var/lib/postgresql" in refused.stderr
    assert "codeguard: block: 1 blocking finding" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert git(repo, "rev-list", "--all") == ""  # nothing was committed

    git(repo, "rm", "-q", "--cached", "scripts/reset.sh")
    stage(repo, "app.py", "print('hello')\n")
    routine = commit(repo, "routine")
    assert routine.returncode == 0, routine.stderr
    assert "codeguard: pass" in routine.stderr
    assert git(repo, "log", "--format=%s") == "routine\n"


def test_commit_all_is_scanned_through_gits_temporary_index(repo: Path) -> None:
    (repo / "run.sh").write_text("echo hi\n")
    commit_all(repo, "base")
    assert run_cli("install", "--git-hook", cwd=repo).code == 0
    (repo / "run.sh").write_text("echo hi\n" + DESTRUCTIVE.split("\n", 1)[1])
    # `commit -a` and `commit PATH` stage into a temporary index (GIT_INDEX_FILE)
    for args in (["-a"], ["--", "run.sh"]):
        result = subprocess.run(
            ["git", "commit", "-q", "-m", "x", *args], cwd=repo, capture_output=True, text=True
        )
        assert result.returncode == 1
        assert "run.sh:2:1 CG102" in result.stderr
    assert git(repo, "rev-list", "--count", "HEAD") == "1\n"


def test_uninstall_puts_the_existing_hook_back_byte_for_byte(repo: Path) -> None:
    hooks = repo / ".git" / "hooks"
    theirs = hooks / "pre-commit"
    theirs.write_bytes(THEIRS)
    theirs.chmod(0o750)
    before = listing(hooks)

    installed = run_cli("install", "--git-hook", cwd=repo)
    assert installed.err == (
        "codeguard: installed .git/hooks/pre-commit; your hook runs first,"
        " kept as pre-commit.codeguard-chained\n"
    )
    assert (hooks / "pre-commit.codeguard-chained").read_bytes() == THEIRS
    assert run_cli("install", "--git-hook", cwd=repo).code == 0  # twice: still one chain
    assert (hooks / "pre-commit.codeguard-chained").read_bytes() == THEIRS

    removed = run_cli("uninstall", "--git-hook", cwd=repo)
    assert (
        removed.err
        == "codeguard: removed codeguard from .git/hooks/pre-commit; your hook is back\n"
    )
    assert listing(hooks) == before
    again = run_cli("uninstall", "--git-hook", cwd=repo)
    assert again.code == 0
    assert again.err == "codeguard: .git/hooks/pre-commit is not codeguard's; nothing removed\n"
    assert listing(hooks) == before


def test_uninstall_without_an_earlier_hook_removes_only_ours(repo: Path) -> None:
    hooks = repo / ".git" / "hooks"
    before = listing(hooks)
    assert run_cli("install", "--git-hook", cwd=repo).code == 0
    removed = run_cli("uninstall", "--git-hook", cwd=repo)
    assert removed.err == "codeguard: removed .git/hooks/pre-commit\n"
    assert listing(hooks) == before
    nothing = run_cli("uninstall", "--git-hook", cwd=repo)
    assert nothing.err == "codeguard: no codeguard hook at .git/hooks/pre-commit; nothing removed\n"


def test_an_earlier_hook_that_fails_still_fails_the_commit(repo: Path) -> None:
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'lint: trailing whitespace' >&2\nexit 3\n")
    hook.chmod(0o755)
    assert run_cli("install", "--git-hook", cwd=repo).code == 0
    stage(repo, "app.py", "print('hello')\n")
    result = commit(repo)
    assert result.returncode == 1
    assert "lint: trailing whitespace" in result.stderr
    assert git(repo, "rev-list", "--all") == ""


def test_an_earlier_hook_that_passes_leaves_the_decision_to_codeguard(repo: Path) -> None:
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text(f"#!/bin/sh\necho ran >> '{repo.parent / 'ran.log'}'\n")
    hook.chmod(0o755)
    assert run_cli("install", "--git-hook", cwd=repo).code == 0
    stage(repo, "reset.sh", DESTRUCTIVE)
    refused = commit(repo)
    assert refused.returncode == 1
    assert "CG102" in refused.stderr
    git(repo, "rm", "-q", "--cached", "reset.sh")
    stage(repo, "app.py", "print('hello')\n")
    assert commit(repo).returncode == 0
    assert (repo.parent / "ran.log").read_text() == "ran\nran\n"


def test_core_hooks_path_is_respected_from_a_subdirectory(repo: Path) -> None:
    git(repo, "config", "core.hooksPath", ".githooks")
    (repo / "src").mkdir()
    result = run_cli("install", "--git-hook", cwd=repo / "src")
    assert result.err == "codeguard: installed .githooks/pre-commit\n"
    assert (repo / ".githooks" / "pre-commit").is_file()
    assert not (repo / ".git" / "hooks" / "pre-commit").exists()
    stage(repo, "src/reset.sh", DESTRUCTIVE)
    assert commit(repo).returncode == 1


def test_a_hooks_path_outside_the_work_tree_is_shown_absolute(repo: Path, tmp_path: Path) -> None:
    shared = tmp_path / "shared hooks"  # a space, and a directory git has not made yet
    git(repo, "config", "core.hooksPath", str(shared))
    result = run_cli("install", "--git-hook", cwd=repo)
    assert result.err == f"codeguard: installed {shared / 'pre-commit'}\n"
    stage(repo, "reset.sh", DESTRUCTIVE)
    assert commit(repo).returncode == 1


def test_a_linked_worktree_installs_into_the_shared_hooks(repo: Path, tmp_path: Path) -> None:
    (repo / "README").write_text("x\n")
    commit_all(repo, "base")
    linked = tmp_path / "linked"
    git(repo, "worktree", "add", "-q", "-b", "side", str(linked))
    result = run_cli("install", "--git-hook", cwd=linked)
    assert result.err == f"codeguard: installed {repo / '.git' / 'hooks' / 'pre-commit'}\n"
    stage(repo, "reset.sh", DESTRUCTIVE)  # the main worktree is guarded too
    assert commit(repo).returncode == 1
    stage(linked, "reset.sh", DESTRUCTIVE)
    assert commit(linked).returncode == 1


def test_the_pre_commit_frameworks_hook_is_left_to_the_framework(repo: Path) -> None:
    hook = repo / ".git" / "hooks" / "pre-commit"
    framework = b"#!/usr/bin/env bash\n# File generated by pre-commit: https://pre-commit.com\n"
    hook.write_bytes(framework)
    result = run_cli("install", "--git-hook", cwd=repo)
    assert result.code == 2
    assert result.err == (
        "codeguard: error: .git/hooks/pre-commit is the pre-commit framework's: add"
        " codeguard's `codeguard` hook to .pre-commit-config.yaml instead\n"
    )
    assert hook.read_bytes() == framework
    assert not (hook.parent / "pre-commit.codeguard-chained").exists()


def test_a_chained_hook_left_behind_is_not_overwritten(repo: Path) -> None:
    hooks = repo / ".git" / "hooks"
    (hooks / "pre-commit.codeguard-chained").write_bytes(THEIRS)
    (hooks / "pre-commit").write_text("#!/bin/sh\nexit 0\n")
    result = run_cli("install", "--git-hook", cwd=repo)
    assert result.code == 2
    assert "pre-commit.codeguard-chained is left from an earlier install" in result.err
    # codeguard's hook deleted by hand: uninstall puts the user's back
    (hooks / "pre-commit").unlink()
    restored = run_cli("uninstall", "--git-hook", cwd=repo)
    assert restored.code == 0
    assert (hooks / "pre-commit").read_bytes() == THEIRS
    assert not (hooks / "pre-commit.codeguard-chained").exists()


def test_outside_a_repository_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = run_cli("install", "--git-hook", cwd=tmp_path)
    assert result.code == 2
    assert result.err == f"codeguard: error: not inside a git repository: {tmp_path}\n"


def _hook_with(repo: Path, executable: str) -> Path:
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_bytes(git_hook.render(executable))
    hook.chmod(0o755)
    return hook


def _path_without_codeguard(tmp_path: Path) -> str:
    """A PATH with git and sh but no codeguard."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("git", "sh", "cat"):
        found = subprocess.run(
            ["sh", "-c", f"command -v {tool}"], capture_output=True, text=True, check=True
        ).stdout.strip()
        (bin_dir / tool).symlink_to(found)
    return str(bin_dir)


def test_a_missing_codeguard_fails_closed(repo: Path, tmp_path: Path) -> None:
    _hook_with(repo, str(tmp_path / "gone" / "codeguard"))
    stage(repo, "app.py", "print('hello')\n")
    path = _path_without_codeguard(tmp_path)
    result = commit(repo, PATH=path)
    assert result.returncode == 1
    assert f"codeguard: warning: {tmp_path / 'gone' / 'codeguard'} is gone" in result.stderr
    assert "codeguard: error: codeguard not found at" in result.stderr
    assert "the pre-commit hook fails closed" in result.stderr
    assert git(repo, "rev-list", "--all") == ""

    skipped = commit(repo, PATH=path, CODEGUARD_SKIP="1")
    assert skipped.returncode == 0
    assert skipped.stderr == (
        "codeguard: warning: CODEGUARD_SKIP=1: pre-commit scan skipped, nothing was checked\n"
    )


def test_skipping_codeguard_still_runs_the_earlier_hook(repo: Path) -> None:
    hooks = repo / ".git" / "hooks"
    (hooks / "pre-commit").write_text("#!/bin/sh\necho 'lint failed' >&2\nexit 1\n")
    (hooks / "pre-commit").chmod(0o755)
    assert run_cli("install", "--git-hook", cwd=repo).code == 0
    stage(repo, "app.py", "print('hello')\n")
    result = commit(repo, CODEGUARD_SKIP="1")
    assert result.returncode == 1
    assert "lint failed" in result.stderr


def test_a_hook_copied_by_hand_finds_codeguard_on_path(repo: Path, tmp_path: Path) -> None:
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_bytes((ROOT / "hooks" / "pre-commit").read_bytes())
    hook.chmod(0o755)
    path = _path_without_codeguard(tmp_path)
    (Path(path) / "codeguard").symlink_to(CODEGUARD)
    stage(repo, "reset.sh", DESTRUCTIVE)
    result = commit(repo, PATH=path)
    assert result.returncode == 1
    assert "CG102" in result.stderr
    assert "codeguard: warning" not in result.stderr
    # installing over a copy made by hand bakes the path in
    assert run_cli("install", "--git-hook", cwd=repo).err == (
        "codeguard: updated .git/hooks/pre-commit\n"
    )


@pytest.mark.parametrize("executable", ["/opt/it's here/codeguard", ""])
def test_the_baked_path_is_quoted_for_sh(executable: str, tmp_path: Path) -> None:
    script = tmp_path / "hook"
    script.write_bytes(git_hook.render(executable))
    line = [x for x in script.read_text().splitlines() if x.startswith("CODEGUARD=")]
    out = subprocess.run(
        ["sh", "-c", f'{line[0]}\nprintf %s "$CODEGUARD"'],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout == executable
