"""A file's change from its text before and after (an agent's write or edit, not a diff)."""

from __future__ import annotations

import difflib

from codeguard.changes import DiffLine
from codeguard.changes import FileChange
from codeguard.changes import Hunk
from codeguard.changes import split_lines

CONTEXT = 3


def text_change(path: str, before: str | None, after: str | None) -> FileChange:
    """`before` None: the file is new; `after` None: it is deleted."""
    if before is None:
        return FileChange(path=path, status="added", post_image=after or "", wholly_added=True)
    old = split_lines(before)
    if after is None:
        gone = tuple(DiffLine("-", n, 0, t) for n, t in enumerate(old, start=1))
        hunk = Hunk(1, len(old), 0, 0, gone)
        return FileChange(path=path, status="deleted", hunks=(hunk,) if old else ())
    new = split_lines(after)
    hunks = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for group in matcher.get_grouped_opcodes(CONTEXT):
        rows: list[DiffLine] = []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                rows += [
                    DiffLine(" ", i + 1, j + 1, old[i])
                    for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
                ]
                continue
            rows += [DiffLine("-", i + 1, 0, old[i]) for i in range(i1, i2)]
            rows += [DiffLine("+", 0, j + 1, new[j]) for j in range(j1, j2)]
        first = group[0]
        old_len = sum(1 for line in rows if line.kind != "+")
        new_len = sum(1 for line in rows if line.kind != "-")
        hunks.append(
            Hunk(
                first[1] + 1 if old_len else first[1],
                old_len,
                first[3] + 1 if new_len else first[3],
                new_len,
                tuple(rows),
            )
        )
    return FileChange(path=path, status="modified", hunks=tuple(hunks), post_image=after)
