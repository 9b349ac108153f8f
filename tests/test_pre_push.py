"""`codeguard scan --pre-push`: real pushes to a real bare remote through the plain hook,
and pre-commit's PRE_COMMIT_FROM_REF/TO_REF."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from codeguard.errors import UsageError
from codeguard.install import git_hook
from codeguard.sources.gitdiff import pre_push
from tests.conftest import commit_all
from tests.conftest import git
from tests.conftest import run_cli

DESTRUCTIVE = "#!/bin/sh\nrm -rf /var/lib/postgresql\n"
ZERO = "0" * 40


@pytest.fixture
def local(tmp_path: Path) -> Path:
    """A clone with codeguard's pre-push hook, its bare remote holding one routine commit."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    work = tmp_path / "local"
    git(tmp_path, "clone", "-q", str(remote), str(work))
    (work / "README").write_text("hello\n")
    commit_all(work, "base")
    git(work, "push", "-q", "origin", "main")
    assert git_hook.install(work, "pre-push") == "installed .git/hooks/pre-push"
    return work


def push(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "push", "-q", "origin", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )


def remote_heads(repo: Path) -> str:
    return git(repo, "ls-remote", "--heads", "origin")


def add(repo: Path, name: str, text: str, message: str = "change") -> str:
    path = repo / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    git(repo, "add", name)
    git(repo, "commit", "-q", "--no-verify", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def test_a_new_branch_with_a_destructive_commit_is_refused(local: Path) -> None:
    git(local, "checkout", "-q", "-b", "cleanup")
    add(local, "scripts/reset.sh", DESTRUCTIVE)
    add(local, "notes.txt", "later work\n")  # the finding is in an earlier commit
    result = push(local, "cleanup")
    assert result.returncode != 0
    assert "scripts/reset.sh:2:1 CG102 [shell-recursive-delete]" in result.stderr
    assert "rm -rf /var/lib/postgresql" in result.stderr
    assert "cleanup" not in remote_heads(local)


def test_a_routine_new_branch_and_an_update_pass(local: Path) -> None:
    git(local, "checkout", "-q", "-b", "feature")
    add(local, "app.py", "print('hello')\n")
    result = push(local, "feature")
    assert result.returncode == 0, result.stderr
    assert "codeguard: pass" in result.stderr
    add(local, "app.py", "print('hello, world')\n")
    assert push(local, "feature").returncode == 0
    head = git(local, "rev-parse", "HEAD").strip()
    assert f"{head}\trefs/heads/feature" in remote_heads(local)


def test_an_update_of_a_pushed_branch_scans_only_the_new_commits(local: Path) -> None:
    add(local, "reset.sh", DESTRUCTIVE)
    refused = push(local, "main")
    assert refused.returncode != 0
    assert "reset.sh:2:1 CG102" in refused.stderr
    # removed again before pushing: the push as a whole adds nothing destructive
    git(local, "rm", "-q", "reset.sh")
    git(local, "commit", "-q", "--no-verify", "-m", "drop it")
    assert push(local, "main").returncode == 0


def test_a_force_push_scans_what_the_rewritten_branch_adds(local: Path) -> None:
    add(local, "app.py", "print('v1')\n")
    assert push(local, "main").returncode == 0
    (local / "app.py").write_text("import shutil\nprint('v1')\nshutil.rmtree('/srv')\n")
    git(local, "commit", "-q", "--no-verify", "-a", "--amend", "-m", "v1, amended")
    refused = push(local, "--force", "main")
    assert refused.returncode != 0
    assert "app.py:3:1 CG101 [recursive-delete]" in refused.stderr


def test_the_first_push_of_a_repository_scans_its_root_commit(tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    work = tmp_path / "work"
    git(tmp_path, "init", "-q", "-b", "main", str(work))
    git(work, "remote", "add", "origin", str(remote))
    git_hook.install(work, "pre-push")
    add(work, "reset.sh", DESTRUCTIVE)
    refused = push(work, "main")
    assert refused.returncode != 0
    assert "reset.sh:2:1 CG102" in refused.stderr


def test_a_branch_that_merged_the_remote_is_scanned_for_its_own_work(local: Path) -> None:
    # main on the remote gained a destructive script someone pushed past the hook
    git(local, "checkout", "-q", "-b", "feature")
    add(local, "app.py", "print('feature')\n")
    git(local, "checkout", "-q", "main")
    add(local, "ops/reset.sh", DESTRUCTIVE)
    subprocess.run(["git", "push", "-q", "--no-verify", "origin", "main"], cwd=local, check=True)
    git(local, "checkout", "-q", "feature")
    git(local, "merge", "-q", "--no-edit", "origin/main")
    add(local, "app.py", "print('feature, merged')\n")
    result = push(local, "feature")
    assert result.returncode == 0, result.stderr  # ops/reset.sh was already there


def test_up_to_date_and_deletion_pushes_pass(local: Path) -> None:
    up_to_date = subprocess.run(
        ["git", "push", "origin", "main"], cwd=local, capture_output=True, text=True, check=False
    )
    assert up_to_date.returncode == 0, up_to_date.stderr
    assert "codeguard: note: pre-push: no new commits to scan" in up_to_date.stderr
    git(local, "checkout", "-q", "-b", "old")
    add(local, "app.py", "print('old')\n")
    assert push(local, "old").returncode == 0
    deleted = push(local, "--delete", "old")
    assert deleted.returncode == 0, deleted.stderr
    assert "old" not in remote_heads(local)


def test_an_earlier_pre_push_hook_reads_the_same_refs(local: Path) -> None:
    assert git_hook.uninstall(local, "pre-push") == "removed .git/hooks/pre-push"
    theirs = local / ".git" / "hooks" / "pre-push"
    theirs.write_text(
        f"#!/bin/sh\necho \"$1 $2\" > '{local.parent / 'args'}'\ncat > '{local.parent / 'refs'}'\n"
    )
    theirs.chmod(0o755)
    git_hook.install(local, "pre-push")
    git(local, "checkout", "-q", "-b", "cleanup")
    head = add(local, "reset.sh", DESTRUCTIVE)
    refused = push(local, "cleanup")
    assert refused.returncode != 0
    assert "reset.sh:2:1 CG102" in refused.stderr  # codeguard read them too
    assert (local.parent / "args").read_text() == f"origin {local.parent / 'remote.git'}\n"
    assert (
        local.parent / "refs"
    ).read_text() == f"refs/heads/cleanup {head} refs/heads/cleanup {ZERO}\n"


def test_several_refs_in_one_push(local: Path) -> None:
    git(local, "checkout", "-q", "-b", "one")
    add(local, "one.py", "print(1)\n")
    git(local, "tag", "v1")
    add(local, "one.py", "print(1.1)\n")
    git(local, "checkout", "-q", "-b", "two", "main")
    add(local, "two.py", "print(2)\n")
    # the tag's commits are inside branch one's: its older one.py is not a second version
    assert push(local, "one", "two", "v1").returncode == 0
    git(local, "checkout", "-q", "-b", "three", "main")
    add(local, "reset.sh", DESTRUCTIVE)
    git(local, "checkout", "-q", "-b", "four", "main")
    add(local, "four.py", "print(4)\n")
    refused = push(local, "three", "four")
    assert refused.returncode != 0
    assert "reset.sh:2:1 CG102" in refused.stderr


def test_two_branches_changing_one_file_differently_are_pushed_one_at_a_time(
    local: Path,
) -> None:
    git(local, "checkout", "-q", "-b", "a")
    add(local, "app.py", "print('a')\n")
    git(local, "checkout", "-q", "-b", "b", "main")
    add(local, "app.py", "print('b')\n")
    refused = push(local, "a", "b")
    assert refused.returncode != 0
    assert (
        "codeguard: error: refs/heads/a and refs/heads/b change app.py differently;"
        " push them one at a time"
    ) in refused.stderr
    assert push(local, "a").returncode == 0
    assert push(local, "b").returncode == 0


def test_a_remote_sha_this_clone_lacks_scans_what_no_remote_has(local: Path) -> None:
    head = add(local, "reset.sh", DESTRUCTIVE)
    line = f"refs/heads/main {head} refs/heads/main {'1' * 40}\n"
    result = run_cli("scan", "--pre-push", cwd=local, stdin=line.encode())
    assert result.code == 1
    assert "reset.sh:2:1 CG102" in result.out


def test_pre_commit_refs_in_the_environment(local: Path) -> None:
    base = git(local, "rev-parse", "HEAD").strip()
    head = add(local, "reset.sh", DESTRUCTIVE)
    env = {"PRE_COMMIT": "1", "PRE_COMMIT_FROM_REF": base, "PRE_COMMIT_TO_REF": head}
    # stdin is ignored when pre-commit names the refs
    result = run_cli("scan", "--pre-push", cwd=local, env=env, stdin=b"")
    assert result.code == 1
    assert "reset.sh:2:1 CG102" in result.out
    env["PRE_COMMIT_FROM_REF"] = head
    assert run_cli("scan", "--pre-push", cwd=local, env=env, stdin=b"").code == 0
    missing = run_cli("scan", "--pre-push", cwd=local, env={"PRE_COMMIT": "1"}, stdin=b"")
    assert missing.code == 2
    assert missing.err == (
        "codeguard: error: pre-commit named no refs to scan: give --from-ref and --to-ref\n"
    )


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        (b"refs/heads/main abc\n", "pre-push input line 1: expected '<local ref> <local sha>"),
        (f"a {ZERO} b nothex\n".encode(), "pre-push input line 1: expected"),
    ],
)
def test_malformed_input_is_one_line_and_exit_2(local: Path, stdin: bytes, message: str) -> None:
    result = run_cli("scan", "--pre-push", cwd=local, stdin=stdin)
    assert result.code == 2
    assert result.err.startswith(f"codeguard: error: {message}")
    assert len(result.err.splitlines()) == 1


def test_a_terminal_on_stdin_is_a_usage_error_not_a_hang(local: Path) -> None:
    primary, secondary = os.openpty()
    try:
        with open(secondary, "rb", closefd=False) as terminal, pytest.raises(UsageError) as err:
            pre_push(local, {}, terminal)
    finally:
        os.close(primary)
        os.close(secondary)
    assert "reads git's pre-push lines on stdin" in str(err.value)
