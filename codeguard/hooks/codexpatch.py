"""Codex's `apply_patch` body (`*** Begin Patch` ... `*** End Patch`) as before/after texts.

Add File: every line `+text`. Delete File: the file on disk goes. Update File (optionally
`*** Move to:`): chunks after `@@` lines of ` `, `-`, `+` rows, located in the file on disk
by their old lines. A chunk that cannot be located is still judged: its added lines are
appended as a fragment, so nothing an agent writes escapes the scan.
"""

from __future__ import annotations

from dataclasses import dataclass


class PatchError(ValueError):
    pass


@dataclass(frozen=True)
class PatchFile:
    path: str
    op: str  # "add" | "delete" | "update"
    move_to: str = ""
    added: str = ""  # for "add": the whole text
    chunks: tuple[tuple[tuple[str, str], ...], ...] = ()  # rows of (kind, text)


def parse(body: str) -> list[PatchFile]:
    lines = body.replace("\r\n", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines or lines[0].strip() != "*** Begin Patch":
        raise PatchError("an apply_patch body starts with '*** Begin Patch'")
    out: list[PatchFile] = []
    i = 1
    while i < len(lines):
        line = lines[i]
        if line.strip() == "*** End Patch":
            return out
        if line.startswith("*** Add File: "):
            path = line[len("*** Add File: ") :].strip()
            i += 1
            rows = []
            while i < len(lines) and not lines[i].startswith("*** "):
                rows.append(lines[i][1:] if lines[i].startswith("+") else lines[i])
                i += 1
            out.append(PatchFile(path, "add", added="\n".join(rows) + ("\n" if rows else "")))
            continue
        if line.startswith("*** Delete File: "):
            out.append(PatchFile(line[len("*** Delete File: ") :].strip(), "delete"))
            i += 1
            continue
        if line.startswith("*** Update File: "):
            path = line[len("*** Update File: ") :].strip()
            i += 1
            move_to = ""
            if i < len(lines) and lines[i].startswith("*** Move to: "):
                move_to = lines[i][len("*** Move to: ") :].strip()
                i += 1
            chunks: list[tuple[tuple[str, str], ...]] = []
            rows_: list[tuple[str, str]] = []
            while i < len(lines) and not lines[i].startswith("*** "):
                row = lines[i]
                if row.startswith("@@"):
                    if rows_:
                        chunks.append(tuple(rows_))
                    rows_ = []
                elif row[:1] in ("+", "-", " "):
                    rows_.append((row[0], row[1:]))
                elif row == "":
                    rows_.append((" ", ""))
                i += 1
            if rows_:
                chunks.append(tuple(rows_))
            out.append(PatchFile(path, "update", move_to=move_to, chunks=tuple(chunks)))
            continue
        if not line.strip():
            i += 1
            continue
        raise PatchError(f"unexpected line in apply_patch body: {line[:80]!r}")
    raise PatchError("the apply_patch body has no '*** End Patch'")


def apply(before: str, chunks: tuple[tuple[tuple[str, str], ...], ...]) -> str:
    """The file after the chunks; unlocated chunks' added lines are appended."""
    lines = before.split("\n")
    trailing = before.endswith("\n")
    if trailing:
        lines.pop()
    unplaced: list[str] = []
    start = 0
    for chunk in chunks:
        old = [t for k, t in chunk if k != "+"]
        new = [t for k, t in chunk if k != "-"]
        at = _find(lines, old, start)
        if at is None:
            unplaced += [t for k, t in chunk if k == "+"]
            continue
        lines[at : at + len(old)] = new
        start = at + len(new)
    rows = lines + unplaced
    text = "\n".join(rows)
    return text + "\n" if rows and (trailing or unplaced or not before) else text


def _find(lines: list[str], old: list[str], start: int) -> int | None:
    if not old:
        return len(lines)
    for base in (start, 0):
        for at in range(base, len(lines) - len(old) + 1):
            if lines[at : at + len(old)] == old:
                return at
        for at in range(base, len(lines) - len(old) + 1):
            if [x.rstrip() for x in lines[at : at + len(old)]] == [x.rstrip() for x in old]:
                return at
    return None
