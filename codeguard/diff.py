"""Unified diff text -> FileChanges (via unidiff), and patches applied in memory."""

from __future__ import annotations

import re
from collections.abc import Sequence

from codeguard.changes import DiffLine
from codeguard.changes import FileChange
from codeguard.changes import Hunk
from codeguard.changes import Status
from codeguard.changes import split_lines
from codeguard.errors import InputError

# A line that starts like a hunk header but is not one; unidiff would skip it and its hunk.
# That includes combined diffs of merges (`@@@`): refused rather than scanned as empty.
_BAD_HUNK_HEADER = re.compile(r"^@@(?! -\d+(?:,\d+)? \+\d+(?:,\d+)? @@)", re.M)
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
    if text.split("\n", 1)[0].endswith("\r"):
        # The patch itself was saved with CRLF line ends (Windows, mail): '\r' is not content.
        text = text.replace("\r\n", "\n")
    if bad := _BAD_HUNK_HEADER.search(text):
        line = text[bad.start() :].split("\n", 1)[0]
        raise InputError(f"{origin}: not a valid unified diff: bad hunk header {line!r}")
    # lazily: 11 ms, and the command path never needs it
    from unidiff.errors import UnidiffParseError
    from unidiff.patch import PatchSet

    try:
        patches = PatchSet(text)
    except UnidiffParseError as exc:
        raise InputError(f"{origin}: not a valid unified diff: {exc}") from None
    if not len(patches):
        raise InputError(f"{origin}: no unified diff found")
    _check_hunks(patches, text.split("\n"), origin)
    return [_file_change(p) for p in patches]


def _check_hunks(patches: Sequence[object], lines: list[str], origin: str) -> None:
    """What unidiff lets through: line 0, and a hunk longer than its header says.

    unidiff stops reading a hunk when the header's counts are reached and files any
    further '+' lines under the next header, so they would never be scanned.
    """
    for patch in patches:
        for h in patch:  # type: ignore[attr-defined]
            if (h.source_start == 0 < h.source_length) or (h.target_start == 0 < h.target_length):
                raise InputError(f"{origin}: not a valid unified diff: a hunk at line 0: {h!r}")
            # unidiff counts from 1, so this is the index of the line after the hunk
            i = max((line.diff_line_no or 0 for line in h), default=0)
            blank = False
            while 0 < i < len(lines) and (lines[i][:1] == "\\" or lines[i] in ("", "\r")):
                blank = blank or lines[i][:1] != "\\"
                i += 1
            after = lines[i] if 0 < i < len(lines) else ""
            # After a blank line, indented text is prose ('git log -p'), not context.
            body = ("+", "-") if blank else ("+", "-", " ")
            if after.startswith(body) and not (
                after.startswith("--- ") or after.rstrip("\r") in ("-- ", "--")
            ):
                raise InputError(
                    f"{origin}: not a valid unified diff: line {i + 1} is past the end of "
                    f"the hunk its header describes: {after!r}"
                )


def _status(patch: object, info: str) -> Status:
    if info.startswith("diff --git "):
        # git says so in the header; unidiff's guess (a lone hunk at line 0) also fits
        # `git diff -U0` inserting at the top of a file, or a file emptied but kept.
        added = "\nnew file mode " in "\n" + info
        removed = "\ndeleted file mode " in "\n" + info
    else:
        added = getattr(patch, "is_added_file", False)
        removed = getattr(patch, "is_removed_file", False)
    if added:
        return "added"
    if removed:
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
        if kind not in ("+", "-", " "):
            # unidiff hangs blank lines after a hunk on it ('git log -p', pasted patches)
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
    ends_with_newline = text.endswith("\n") or not text
    return all(
        0 < line.new_no <= len(have) and have[line.new_no - 1] == line.text
        for h in change.hunks
        for line in h.lines
        if line.kind != "-"
    ) and all(
        # a hunk that reaches the end also says whether the last line ends with a newline
        ends_with_newline != h.new_no_eol
        for h in change.hunks
        if h.new_len and h.new_start + h.new_len - 1 == len(have)
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
