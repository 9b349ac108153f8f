"""Unified diff text -> FileChanges (via unidiff), and patches applied in memory."""

from __future__ import annotations

import re

from codeguard.changes import DiffLine
from codeguard.changes import FileChange
from codeguard.changes import Hunk
from codeguard.changes import Status
from codeguard.changes import split_lines
from codeguard.errors import InputError

_DIFF_MARKERS = re.compile(r"^(diff --git |--- |\+\+\+ |@@ |Binary files |GIT binary patch)", re.M)
_MODE = re.compile(r"^(old|new|new file|deleted file) mode (\d+)$", re.M)
_C_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}


def decode(data: bytes) -> str:
    """Bytes -> text: UTF-8, bad bytes replaced (never a crash), BOM dropped."""
    return data.decode("utf-8", "replace").removeprefix("\ufeff")


def unquote_path(path: str) -> str:
    """Undo git's C-style quoting of unusual paths ("\\303\\261" -> "ñ")."""
    path = path.rstrip("\t")
    if not (len(path) >= 2 and path[0] == '"' and path[-1] == '"'):
        return path
    body, out, i = path[1:-1], bytearray(), 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt in "01234567" and re.fullmatch(r"[0-7]{3}", body[i + 1 : i + 4]):
                out.append(int(body[i + 1 : i + 4], 8))
                i += 4
                continue
            if nxt in _C_ESCAPES:
                out.append(_C_ESCAPES[nxt])
                i += 2
                continue
        out.extend(ch.encode("utf-8", "surrogateescape"))
        i += 1
    return out.decode("utf-8", "replace")


def _strip_prefix(path: str) -> str:
    path = unquote_path(path)
    if path == "/dev/null":
        return path
    if path[:2] in ("a/", "b/"):
        return path[2:]
    return path


def parse_diff(text: str, *, origin: str = "diff") -> list[FileChange]:
    """Parse unified diff text. Empty text is an empty change; non-diff text is an error."""
    if "\x00" in text:
        raise InputError(f"{origin}: binary data, not a unified diff")
    if not text.strip():
        return []
    # lazily: 11 ms, and the command path never needs it
    from unidiff.errors import UnidiffParseError
    from unidiff.patch import PatchSet

    try:
        patches = PatchSet(text)
    except UnidiffParseError as exc:
        raise InputError(f"{origin}: not a valid unified diff: {exc}") from None
    if not len(patches) and _DIFF_MARKERS.search(text) is None:
        raise InputError(f"{origin}: no unified diff found")
    return [_file_change(p) for p in patches]


def _status(patch: object, info: str) -> Status:
    if getattr(patch, "is_added_file", False):
        return "added"
    if getattr(patch, "is_removed_file", False):
        return "deleted"
    if "\ncopy from " in "\n" + info:
        return "copied"
    if getattr(patch, "is_rename", False):
        return "renamed"
    return "modified"


def _file_change(patch: object) -> FileChange:
    info = str(getattr(patch, "patch_info", "") or "")
    status = _status(patch, info)
    source = _strip_prefix(str(getattr(patch, "source_file", "")))
    target = _strip_prefix(str(getattr(patch, "target_file", "")))
    path = source if status == "deleted" else target
    if path == "/dev/null" or not path:
        path = _strip_prefix(str(getattr(patch, "path", "")))
    modes = dict(_MODE.findall(info))
    hunks = tuple(_hunk(h) for h in patch)  # type: ignore[attr-defined]
    return FileChange(
        path=path,
        status=status,
        old_path=source if status in ("renamed", "copied") else None,
        binary=bool(getattr(patch, "is_binary_file", False)),
        old_mode=modes.get("old") or modes.get("deleted file"),
        new_mode=modes.get("new") or modes.get("new file"),
        hunks=hunks,
    )


def _hunk(h: object) -> Hunk:
    lines: list[DiffLine] = []
    new_no_eol = old_no_eol = False
    for line in h:  # type: ignore[attr-defined]
        kind = line.line_type
        if kind == "\\":
            if lines and lines[-1].kind == "+":
                new_no_eol = True
            elif lines and lines[-1].kind == "-":
                old_no_eol = True
            else:
                new_no_eol = old_no_eol = True
            continue
        text = line.value
        if text.endswith("\n"):
            text = text[:-1]
        if text.endswith("\r"):
            text = text[:-1]
        lines.append(DiffLine(kind, line.source_line_no or 0, line.target_line_no or 0, text))
    return Hunk(
        h.source_start,  # type: ignore[attr-defined]
        h.source_length,  # type: ignore[attr-defined]
        h.target_start,  # type: ignore[attr-defined]
        h.target_length,  # type: ignore[attr-defined]
        tuple(lines),
        new_no_eol=new_no_eol,
        old_no_eol=old_no_eol,
    )


def matches_new_side(change: FileChange, text: str) -> bool:
    """True when `text` already is the post-image at every hunk (patch applied)."""
    have = split_lines(text)
    return all(
        0 < line.new_no <= len(have) and have[line.new_no - 1] == line.text
        for h in change.hunks
        for line in h.lines
        if line.kind != "-"
    )


def apply_hunks(change: FileChange, old_text: str) -> str | None:
    """The post-image from the pre-image, or None when the hunks do not fit it."""
    old = split_lines(old_text)
    eol = "\r\n" if "\r\n" in old_text else "\n"
    out: list[str] = []
    pos = 0  # index into old
    ends_with_newline = old_text.endswith("\n") or not old_text
    for h in change.hunks:
        start = max(h.old_start - 1, 0) if h.old_len else h.old_start
        if start < pos or start > len(old):
            return None
        out.extend(old[pos:start])
        pos = start
        for line in h.lines:
            if line.kind in (" ", "-"):
                if pos >= len(old) or old[pos] != line.text:
                    return None
                pos += 1
            if line.kind in (" ", "+"):
                out.append(line.text)
        if pos >= len(old):
            ends_with_newline = not h.new_no_eol
    out.extend(old[pos:])
    if not out:
        return ""
    return eol.join(out) + (eol if ends_with_newline else "")
