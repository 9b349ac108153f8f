"""A unified diff from a file or stdin, with post-images rebuilt where the files exist."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from codeguard.changes import ChangeSet
from codeguard.changes import FileChange
from codeguard.diff import apply_hunks
from codeguard.diff import decode
from codeguard.diff import matches_new_side
from codeguard.diff import parse_diff
from codeguard.sources import MAX_POST_IMAGE


def from_diff(data: bytes, *, origin: str, cwd: Path) -> ChangeSet:
    files = parse_diff(decode(data), origin=origin)
    base = cwd.resolve()
    rebuilt = tuple(_with_post_image(change, base) for change in files)
    return ChangeSet(rebuilt, source=f"diff:{origin}", root=str(cwd))


def _inside(base: Path, rel: str) -> Path | None:
    """`base/rel` if it is a regular file that stays inside `base` (hostile paths)."""
    if not rel or rel.startswith("/") or "\x00" in rel:
        return None
    try:
        candidate = (base / rel).resolve()
        candidate.relative_to(base)
    except (OSError, ValueError):
        return None
    return candidate if candidate.is_file() else None


def _read(path: Path) -> str | None:
    try:
        if path.stat().st_size > MAX_POST_IMAGE:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    if b"\x00" in data[:8192]:
        return None
    return decode(data)


def _new_side(change: FileChange) -> str:
    lines = [line.text for h in change.hunks for line in h.lines if line.kind != "-"]
    no_eol = bool(change.hunks) and change.hunks[-1].new_no_eol
    return "\n".join(lines) + ("" if no_eol or not lines else "\n")


def _with_post_image(change: FileChange, base: Path) -> FileChange:
    if change.binary or change.deleted:
        return change
    if change.status == "added":
        # A new file's single hunk is the whole file.
        return dataclasses.replace(change, post_image=_new_side(change))
    disk = _inside(base, change.path)
    if disk is not None and (text := _read(disk)) is not None and matches_new_side(change, text):
        # Hunks with no new-side line (`-U0` deletions, a file emptied) match any text;
        # when they also apply to it, the text is the pre-image.
        vacuous = not any(line.kind != "-" for h in change.hunks for line in h.lines)
        post = apply_hunks(change, text) if vacuous and change.hunks else None
        return dataclasses.replace(change, post_image=text if post is None else post)
    old = _inside(base, change.old_path or change.path)
    if old is not None and (text := _read(old)) is not None:
        post = apply_hunks(change, text)
        if post is not None:
            return dataclasses.replace(change, post_image=post)
        note = f"{change.path}: the patch does not apply to the file on disk; hunks analysed alone"
        return dataclasses.replace(change, notes=(note,))
    return change
