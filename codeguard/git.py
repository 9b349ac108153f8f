"""The only module that runs git: diffs, blobs and file lists, through subprocess.

GitPython costs ~70 ms to import and ~1.7x per diff (bench notes in the README), so the
hot paths use the git binary directly.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from codeguard.errors import GitError

DIFF_ARGS = (
    "-c",
    "core.quotepath=off",
    "-c",
    "diff.mnemonicprefix=false",
    "diff",
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "-M",
    "--src-prefix=a/",
    "--dst-prefix=b/",
)


def toplevel(start: Path) -> Path | None:
    """The work tree root above `start`, found without spawning git."""
    here = start.resolve()
    for candidate in (here, *here.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def common_dir(start: Path) -> Path | None:
    """The repository's shared git directory (the same for every worktree), or None."""
    if toplevel(start) is None:
        return None
    try:
        out = run(["rev-parse", "--path-format=absolute", "--git-common-dir"], start)
    except GitError:
        return None
    text = out.decode("utf-8", "replace").strip()
    return Path(text) if text else None


def run(args: list[str], cwd: Path, *, input_bytes: bytes | None = None) -> bytes:
    """Run git; a failure becomes a GitError carrying git's own first line."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    try:
        proc = subprocess.run(  # noqa: S603
            ["git", *args],  # noqa: S607 - git from PATH, like every git tool
            cwd=cwd,
            input=input_bytes,
            capture_output=True,
            env=env,
            check=False,
        )
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH") from None
    if proc.returncode != 0:
        lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = lines[0] if lines else f"exit {proc.returncode}"
        raise GitError(f"git {args[0] if args[0] != '-c' else 'diff'}: {detail}")
    return proc.stdout


def require_repo(cwd: Path) -> Path:
    try:
        out = run(["rev-parse", "--show-toplevel"], cwd)
    except GitError:
        raise GitError(f"not inside a git repository: {cwd}") from None
    return Path(out.decode("utf-8", "replace").strip())


def verify_commit(rev: str, cwd: Path) -> str:
    """The full sha of `rev`, or a GitError naming it."""
    if not rev or rev.startswith("-"):
        raise GitError(f"bad revision {rev!r}")
    try:
        out = run(
            ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"], cwd
        )
    except GitError:
        raise GitError(f"unknown revision {rev!r}") from None
    return out.decode().strip()


def has_head(cwd: Path) -> bool:
    try:
        run(["rev-parse", "--verify", "--quiet", "HEAD"], cwd)
    except GitError:
        return False
    return True


def diff(cwd: Path, *args: str) -> bytes:
    return run([*DIFF_ARGS, *args], cwd)


def read_blobs(cwd: Path, specs: list[str]) -> dict[str, bytes | None]:
    """Read many objects (`REV:path`, `:path`) with one `git cat-file --batch`."""
    if not specs:
        return {}
    for spec in specs:
        if "\n" in spec:
            raise GitError(f"path with a newline cannot be read from git: {spec!r}")
    out = run(["cat-file", "--batch"], cwd, input_bytes="".join(s + "\n" for s in specs).encode())
    blobs: dict[str, bytes | None] = {}
    pos = 0
    for spec in specs:
        end = out.index(b"\n", pos)
        header = out[pos:end].split(b" ")
        pos = end + 1
        if len(header) == 3 and header[1] == b"blob":
            size = int(header[2])
            blobs[spec] = out[pos : pos + size]
            pos += size + 1
        else:
            blobs[spec] = None
    return blobs


def list_files(cwd: Path, pathspec: str) -> list[str]:
    """Tracked and untracked-but-not-ignored files under `pathspec`, relative to cwd."""
    out = run(
        ["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", pathspec],
        cwd,
    )
    return sorted({p for p in out.decode("utf-8", "surrogateescape").split("\0") if p})
