"""The pre-commit framework running codeguard's `.pre-commit-hooks.yaml` for real.

pre-commit builds a virtualenv and pip-installs codeguard into it (from PyPI's
dependencies: the one part of the suite that needs the network beyond 127.0.0.1), so
this module builds it twice, not per test: once for `pre-commit try-repo` (which always
uses a throwaway store) and once in a PRE_COMMIT_HOME shared by the tests that install
pre-commit's git hooks and make real commits and pushes through them. pip's own cache is
the user's, as in CI (.ci/run), so only the first run downloads anything.

What is installed is this working tree as it is now, committed into a snapshot
repository: try-repo on the checkout itself would leave out files not yet tracked.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT

DESTRUCTIVE = "#!/bin/sh\nrm -rf /var/lib/postgresql\n"


@pytest.fixture(autouse=True, scope="module")
def _pre_commit_installed() -> None:
    if importlib.util.find_spec("pre_commit") is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the pre-commit tests: pre-commit is not installed")
        pytest.skip("pre-commit is not installed (it is in the `test` extra)")


@dataclass(frozen=True)
class Framework:
    src: Path  # the snapshot repository pre-commit installs codeguard from
    rev: str
    env: dict[str, str]


@pytest.fixture(scope="module")
def framework(tmp_path_factory: pytest.TempPathFactory) -> Framework:
    # Module fixtures are set up before the per-test hermetic environment, so the
    # environment for every process here is spelled out in full.
    base = tmp_path_factory.mktemp("pre-commit")
    pip_cache = os.environ.get("PIP_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "pip"
    )
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Test Author",
        "GIT_AUTHOR_EMAIL": "author@example.com",
        "GIT_COMMITTER_NAME": "Test Committer",
        "GIT_COMMITTER_EMAIL": "committer@example.com",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": str(base / "home"),
        "XDG_CACHE_HOME": str(base / "home" / ".cache"),
        "PRE_COMMIT_HOME": str(base / "pre-commit-home"),
        "PIP_CACHE_DIR": pip_cache,
        "CODEGUARD_CACHE_DIR": "",
    }
    for key in ("PRE_COMMIT", "SKIP", "CODEGUARD_SKIP", "NO_COLOR"):
        env.pop(key, None)
    src = base / "codeguard"
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], ROOT, env)
    for rel in filter(None, listed.stdout.split("\0")):
        source, target = ROOT / rel, src / rel
        if not os.path.lexists(source):
            continue  # deleted in the working tree
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            target.symlink_to(os.readlink(source))
        else:
            shutil.copy2(source, target)
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "snapshot"]):
        run(["git", *args], src, env)
    rev = run(["git", "rev-parse", "HEAD"], src, env).stdout.strip()
    return Framework(src, rev, env)


def run(
    args: list[str], cwd: Path, env: dict[str, str], *, check: bool = True
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if check and proc.returncode != 0:
        pytest.fail(f"{' '.join(args)} exited {proc.returncode}:\n{proc.stdout}{proc.stderr}")
    return proc


def pre_commit(*args: str) -> list[str]:
    return [sys.executable, "-m", "pre_commit", *args]


def new_repo(path: Path, env: dict[str, str]) -> Path:
    path.mkdir()
    run(["git", "init", "-q", "-b", "main"], path, env)
    return path


def stage(repo: Path, name: str, text: str, env: dict[str, str]) -> None:
    (repo / name).write_text(text)
    run(["git", "add", name], repo, env)


def test_the_manifest_is_valid() -> None:
    result = subprocess.run(
        pre_commit("validate-manifest", str(ROOT / ".pre-commit-hooks.yaml")),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_try_repo_refuses_a_staged_destructive_change(framework: Framework, tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "repo", framework.env)
    stage(repo, "reset.sh", DESTRUCTIVE, framework.env)
    stage(repo, "notes.md", "# notes\n", framework.env)
    result = run(
        pre_commit("try-repo", str(framework.src), "codeguard"), repo, framework.env, check=False
    )
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "codeguard....." in out
    assert "Failed\n- hook id: codeguard\n- exit code: 1\n" in out  # a block, not an error
    assert "reset.sh:2:1 CG102 [shell-recursive-delete]" in out
    assert "rm -rf /var/lib/postgresql" in out
    assert "codeguard: block: 1 blocking finding" in out
    assert "notes.md" not in out.split("Failed", 1)[1]


@pytest.fixture(scope="module")
def installed(framework: Framework, tmp_path_factory: pytest.TempPathFactory) -> Framework:
    """pre-commit's environment for the snapshot, built once in the shared PRE_COMMIT_HOME."""
    repo = new_repo(tmp_path_factory.mktemp("install") / "repo", framework.env)
    (repo / ".pre-commit-config.yaml").write_text(_config(framework))
    run(pre_commit("install-hooks"), repo, framework.env)
    return framework


def _config(framework: Framework) -> str:
    return (
        f"repos:\n- repo: {framework.src}\n  rev: {framework.rev}\n"
        "  hooks:\n  - id: codeguard\n  - id: codeguard-pre-push\n"
    )


def hooked_repo(path: Path, framework: Framework) -> Path:
    """A repository whose git hooks are pre-commit's, its config committed."""
    repo = new_repo(path, framework.env)
    (repo / ".pre-commit-config.yaml").write_text(_config(framework))
    run(["git", "add", ".pre-commit-config.yaml"], repo, framework.env)
    run(["git", "commit", "-q", "-m", "config"], repo, framework.env)
    run(pre_commit("install", "-t", "pre-commit", "-t", "pre-push"), repo, framework.env)
    return repo


def test_real_commits_through_pre_commits_hook(installed: Framework, tmp_path: Path) -> None:
    env = installed.env
    repo = hooked_repo(tmp_path / "repo", installed)
    stage(repo, "reset.sh", DESTRUCTIVE, env)
    refused = run(["git", "commit", "-q", "-m", "reset"], repo, env, check=False)
    assert refused.returncode == 1
    assert "reset.sh:2:1 CG102 [shell-recursive-delete]" in refused.stderr
    run(["git", "rm", "-q", "--cached", "reset.sh"], repo, env)
    stage(repo, "notes.md", "# notes\n", env)
    routine = run(["git", "commit", "-q", "-m", "routine"], repo, env, check=False)
    assert routine.returncode == 0, routine.stdout + routine.stderr
    assert "codeguard" in routine.stderr
    assert "Passed" in routine.stderr


def test_real_pushes_through_pre_commits_hook(installed: Framework, tmp_path: Path) -> None:
    env = installed.env
    repo = hooked_repo(tmp_path / "repo", installed)
    remote = tmp_path / "remote.git"
    run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], tmp_path, env)
    run(["git", "remote", "add", "origin", str(remote)], repo, env)

    def commit_past_the_hook(name: str, text: str) -> None:
        stage(repo, name, text, env)
        run(["git", "commit", "-q", "--no-verify", "-m", name], repo, env)

    def push(*args: str) -> subprocess.CompletedProcess[str]:
        result = run(["git", "push", "-q", "origin", *args], repo, env, check=False)
        # pre-commit's output reaches `git push`'s stdout
        return subprocess.CompletedProcess(
            result.args, result.returncode, result.stdout + result.stderr
        )

    # A first push reaches the root commit: pre-commit sets no FROM/TO refs then.
    commit_past_the_hook("reset.sh", DESTRUCTIVE)
    first = push("main")
    assert first.returncode != 0
    assert "reset.sh:2:1 CG102" in first.stdout
    run(["git", "rm", "-q", "reset.sh"], repo, env)
    run(["git", "commit", "-q", "--no-verify", "-m", "drop it"], repo, env)
    assert push("main").returncode == 0

    # Then pre-commit names the range in PRE_COMMIT_FROM_REF/TO_REF.
    run(["git", "checkout", "-q", "-b", "cleanup"], repo, env)
    commit_past_the_hook("wipe.sh", DESTRUCTIVE)
    refused = push("cleanup")
    assert refused.returncode != 0
    assert "wipe.sh:2:1 CG102" in refused.stdout
    run(["git", "checkout", "-q", "-b", "feature", "main"], repo, env)
    commit_past_the_hook("notes.md", "# notes\n")
    routine = push("feature")
    assert routine.returncode == 0, routine.stdout


def test_a_routine_python_commit_passes(installed: Framework, tmp_path: Path) -> None:
    env = installed.env
    repo = hooked_repo(tmp_path / "repo", installed)
    stage(repo, "app.py", "print('hello')\n", env)
    routine = run(["git", "commit", "-q", "-m", "routine"], repo, env, check=False)
    assert routine.returncode == 0, routine.stdout + routine.stderr
