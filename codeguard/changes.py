"""What a scan looks at: files (or one command) and which of their lines changed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from functools import cached_property
from typing import Literal

Status = Literal["added", "modified", "deleted", "renamed", "copied"]
COMMAND_PATH = "<command>"


@dataclass(frozen=True, slots=True)
class DiffLine:
    """One line of a hunk. `kind` is '+', '-' or ' '; numbers are 1-based or 0."""

    kind: str
    old_no: int
    new_no: int
    text: str


@dataclass(frozen=True, slots=True)
class Hunk:
    old_start: int
    old_len: int
    new_start: int
    new_len: int
    lines: tuple[DiffLine, ...]
    # "\ No newline at end of file" after the last new-side line
    new_no_eol: bool = False
    old_no_eol: bool = False


def split_lines(text: str) -> list[str]:
    """Split the way git counts lines: on '\\n' only, dropping a trailing '\\r'."""
    if not text:
        return []
    parts = text.split("\n")
    if parts[-1] == "":
        parts.pop()
    return [p[:-1] if p.endswith("\r") else p for p in parts]


@dataclass(frozen=True, kw_only=True)
class FileChange:
    """One changed file. `post_image` is the whole new text when it is known.

    When it is not (a patch scanned away from its repository), only the hunks'
    new side is known and analysers work on fragments.
    """

    path: str
    status: Status = "modified"
    old_path: str | None = None
    binary: bool = False
    old_mode: str | None = None
    new_mode: str | None = None
    hunks: tuple[Hunk, ...] = ()
    post_image: str | None = None
    wholly_added: bool = False
    is_command: bool = False
    notes: tuple[str, ...] = ()

    @cached_property
    def added_lines(self) -> frozenset[int]:
        """New-side numbers of the lines this change adds."""
        if self.wholly_added:
            return frozenset(range(1, len(self.lines) + 1))
        return frozenset(line.new_no for h in self.hunks for line in h.lines if line.kind == "+")

    @cached_property
    def context_lines(self) -> frozenset[int]:
        """New-side numbers of every line inside a hunk (added and context)."""
        if self.wholly_added:
            return self.added_lines
        return frozenset(line.new_no for h in self.hunks for line in h.lines if line.kind != "-")

    @cached_property
    def lines(self) -> dict[int, str]:
        """New-side line number -> text, for every line that is known."""
        if self.post_image is not None:
            return dict(enumerate(split_lines(self.post_image), start=1))
        return {line.new_no: line.text for h in self.hunks for line in h.lines if line.kind != "-"}

    @property
    def deleted(self) -> bool:
        return self.status == "deleted"

    @property
    def has_text(self) -> bool:
        return not self.binary and not self.deleted and bool(self.lines)


@dataclass(frozen=True)
class ChangeSet:
    """Everything one run scans, and where it came from (for reports)."""

    files: tuple[FileChange, ...]
    source: str = ""
    root: str = "."
    notices: tuple[str, ...] = field(default=())

    def __iter__(self) -> Iterator[FileChange]:
        return iter(self.files)

    def __len__(self) -> int:
        return len(self.files)
