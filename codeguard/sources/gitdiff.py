"""Changes from git: the index against HEAD, or a commit range."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from codeguard import git
from codeguard.changes import ChangeSet
from codeguard.changes import FileChange
from codeguard.diff import decode
from codeguard.diff import parse_diff
from codeguard.errors import GitError
from codeguard.sources import MAX_POST_IMAGE


def staged(cwd: Path) -> ChangeSet:
    """`git diff --cached`: what the next commit would contain."""
    root = git.require_repo(cwd)
    # Against the empty tree before the first commit.
    base = ["HEAD"] if git.has_head(root) else []
    text = decode(git.diff(root, "--cached", *base))
    return _with_blobs(parse_diff(text, origin="staged"), root, ":", "staged")


def commit_range(cwd: Path, spec: str) -> ChangeSet:
    """`BASE..HEAD` (or `BASE...HEAD`, from the merge base) as one change."""
    root = git.require_repo(cwd)
    sep = "..." if "..." in spec else ".."
    base, _, head = spec.partition(sep)
    if not base or sep not in spec:
        raise GitError(f"bad range {spec!r}: expected BASE..HEAD")
    head = head or "HEAD"
    base_sha = git.verify_commit(base, root)
    head_sha = git.verify_commit(head, root)
    if sep == "...":
        out = git.run(["merge-base", base_sha, head_sha], root)
        base_sha = out.decode().strip()
    text = decode(git.diff(root, base_sha, head_sha))
    return _with_blobs(parse_diff(text, origin=spec), root, f"{head_sha}:", f"range:{spec}")


def _with_blobs(files: list[FileChange], root: Path, prefix: str, source: str) -> ChangeSet:
    wanted = [f.path for f in files if not f.binary and not f.deleted and f.hunks]
    blobs = git.read_blobs(root, [prefix + p for p in wanted])
    out = []
    for change in files:
        data = blobs.get(prefix + change.path)
        if data is not None and len(data) <= MAX_POST_IMAGE and b"\x00" not in data[:8192]:
            change = dataclasses.replace(change, post_image=decode(data))
        out.append(change)
    return ChangeSet(tuple(out), source=source, root=str(root))
