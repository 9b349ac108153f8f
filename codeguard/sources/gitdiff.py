"""Changes from git: the index against HEAD, a commit range, or what a push sends."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from pathlib import Path
from typing import BinaryIO

from codeguard import git
from codeguard.changes import ChangeSet
from codeguard.changes import FileChange
from codeguard.diff import decode
from codeguard.diff import parse_diff
from codeguard.errors import GitError
from codeguard.errors import InputError
from codeguard.errors import UsageError
from codeguard.sources import MAX_POST_IMAGE

_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")  # SHA-1 or SHA-256 repositories
_PUSH_LINE = "'<local ref> <local sha> <remote ref> <remote sha>'"


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
    return _between(root, base_sha, head_sha, spec, f"range:{spec}")


@dataclasses.dataclass(frozen=True)
class _Push:
    """One pushed ref: its new code is `base..head`; base None is the empty tree."""

    ref: str
    base: str | None
    head: str


def pre_push(cwd: Path, env: Mapping[str, str], stdin: BinaryIO) -> ChangeSet:
    """What a push sends the remote, every pushed ref in one change.

    Under the pre-commit framework the refs come in PRE_COMMIT_FROM_REF/TO_REF; from
    git's own pre-push hook, as `<local ref> <local sha> <remote ref> <remote sha>`
    lines on stdin.
    """
    root = git.require_repo(cwd)
    notices: list[str] = []
    from_ref, to_ref = env.get("PRE_COMMIT_FROM_REF"), env.get("PRE_COMMIT_TO_REF")
    local = env.get("PRE_COMMIT_LOCAL_BRANCH")
    if from_ref and to_ref:
        head = git.verify_commit(to_ref, root)
        # unrelated histories (no merge base): everything TO has, more than is new
        pushes = [_Push(to_ref, _merge_base(root, git.verify_commit(from_ref, root), head), head)]
    elif local:
        # pre-commit's pre-push sets no FROM/TO when the pushed commits reach a root
        # commit (it runs hooks with --all-files then): everything new to the remote.
        remote = env.get("PRE_COMMIT_REMOTE_NAME")
        remotes = f"--remotes={remote}" if remote else "--remotes"
        pushes = _some(_new_commits(root, local, git.verify_commit(local, root), remotes))
    elif env.get("PRE_COMMIT"):
        raise UsageError("pre-commit named no refs to scan: give --from-ref and --to-ref")
    elif stdin.isatty():
        raise UsageError(
            "--pre-push reads git's pre-push lines on stdin (or pre-commit's"
            " PRE_COMMIT_FROM_REF/TO_REF); give --range BASE..HEAD to scan commits by hand"
        )
    else:
        pushes = _from_git(root, stdin.read(), notices)
        if not pushes and not notices:
            # git runs the hook with empty input when everything is up to date
            notices.append("pre-push: no new commits to scan")
    return _merge(root, pushes, notices)


def _from_git(root: Path, data: bytes, notices: list[str]) -> list[_Push]:
    pushes: list[_Push] = []
    text = data.decode("utf-8", "surrogateescape")
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 4 or not all(_SHA.fullmatch(s) for s in (parts[1], parts[3])):
            raise InputError(f"pre-push input line {number}: expected {_PUSH_LINE}")
        local_ref, local_sha, _, remote_sha = parts
        if _zero(local_sha):
            continue  # deleting a remote ref sends no code
        try:
            head = git.verify_commit(local_sha, root)
        except GitError:
            notices.append(f"pre-push: {local_ref} does not point at a commit; not scanned")
            continue
        base = None if _zero(remote_sha) else _merge_base(root, remote_sha, head)
        if base is not None:
            pushes.append(_Push(local_ref, base, head))
        else:
            # A new ref, or the remote has a commit this clone lacks (a force push, or
            # not fetched yet): scan the commits no remote-tracking ref has. Every
            # remote counts, because a plain hook's `codeguard scan --pre-push` is not
            # told the remote's name.
            pushes.extend(_some(_new_commits(root, local_ref, head, "--remotes")))
    return pushes


def _new_commits(root: Path, ref: str, head: str, remotes: str) -> _Push | None:
    """The commits reachable from `head` and from no remote-tracking ref, as one range."""
    out = git.run(["rev-list", "--boundary", head, "--not", remotes], root).decode().split()
    boundary = [line[1:] for line in out if line.startswith("-")]
    if len(out) == len(boundary):
        return None  # every commit is already on a remote
    if not boundary:
        return _Push(ref, None, head)  # the whole history, root commit included
    # Several boundaries: a merge of remote branches. The one the others lead to
    # scans only this branch's own work; failing that, their common ancestor scans
    # more than is new, never less.
    tips = git.run(["merge-base", "--independent", *boundary], root).decode().split()
    if len(tips) == 1:
        return _Push(ref, tips[0], head)
    try:
        base = git.run(["merge-base", "--octopus", *boundary], root).decode().strip()
    except GitError:
        base = ""
    return _Push(ref, base or None, head)


def _merge(root: Path, pushes: list[_Push], notices: list[str]) -> ChangeSet:
    """One change for every push; a push another one contains is not scanned twice."""
    kept: list[_Push] = []
    for push in pushes:
        if any(_covers(root, other, push) for other in kept):
            continue
        kept = [other for other in kept if not _covers(root, push, other)]
        kept.append(push)
    files: dict[str, FileChange] = {}
    owner: dict[str, str] = {}
    for push in kept:
        origin = f"{push.base or 'root'}..{push.head}"
        for change in _between(root, push.base, push.head, origin, "").files:
            seen = files.get(change.path)
            if seen is not None and seen != change:
                # The pipeline knows one version of each path (findings carry only a
                # path), so two versions cannot share a scan; refuse rather than drop one.
                raise UsageError(
                    f"{owner[change.path]} and {push.ref} change {change.path} differently;"
                    " push them one at a time"
                )
            files[change.path] = change
            owner.setdefault(change.path, push.ref)
    refs = " ".join(dict.fromkeys(p.ref for p in kept))
    return ChangeSet(
        tuple(files.values()),
        source=f"pre-push:{refs}" if refs else "pre-push",
        root=str(root),
        notices=tuple(notices),
    )


def _covers(root: Path, outer: _Push, inner: _Push) -> bool:
    """Whether `outer`'s range holds every commit of `inner`'s."""
    if not _is_ancestor(root, inner.head, outer.head):
        return False
    if outer.base is None:
        return True
    return inner.base is not None and _is_ancestor(root, outer.base, inner.base)


def _is_ancestor(root: Path, older: str, newer: str) -> bool:
    if older == newer:
        return True
    try:
        git.run(["merge-base", "--is-ancestor", older, newer], root)
    except GitError:
        return False
    return True


def _merge_base(root: Path, base: str, head: str) -> str | None:
    """Where `head` left `base`: what the push adds, as pre-commit's `FROM...TO`."""
    try:
        out = git.run(["merge-base", base, head], root)
    except GitError:
        return None  # not in this clone, or unrelated histories
    return out.decode().strip() or None


def _zero(sha: str) -> bool:
    return set(sha) == {"0"}


def _some(push: _Push | None) -> list[_Push]:
    return [] if push is None else [push]


def _between(root: Path, base: str | None, head: str, origin: str, source: str) -> ChangeSet:
    if base is None:
        # the empty tree's id differs between SHA-1 and SHA-256 repositories
        empty = git.run(["hash-object", "-t", "tree", "--stdin"], root, input_bytes=b"")
        base = empty.decode().strip()
    text = decode(git.diff(root, base, head))
    return _with_blobs(parse_diff(text, origin=origin), root, f"{head}:", source)


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
