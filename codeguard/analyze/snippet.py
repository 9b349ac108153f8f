"""Code embedded in other code (a shell line in a Dockerfile, SQL in a Python string)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Snippet:
    """A piece of one language found inside a file of another.

    `line_map[i]` is the (file line, file column) of the first character of line i+1
    of `text` (both 1-based), so positions inside the snippet map back to the file.
    A snippet that is the whole file maps line i+1 to (i+1, 1).
    """

    language: str  # "shell" | "sql" | "python" | "javascript" | ...
    text: str
    line_map: tuple[tuple[int, int], ...]
    origin: str = ""  # where it was found, for messages: "Dockerfile RUN", "workflow run:"

    def position(self, line: int, column: int) -> tuple[int, int]:
        """Snippet (line, column), 1-based -> file (line, column), 1-based."""
        if not self.line_map:
            return (1, 1)
        index = min(max(line, 1), len(self.line_map)) - 1
        file_line, file_col = self.line_map[index]
        return (file_line, file_col + column - 1)


def whole(language: str, text: str, origin: str = "") -> Snippet:
    """A snippet that is a whole file (or a whole command)."""
    count = text.count("\n") + 1
    return Snippet(language, text, tuple((i, 1) for i in range(1, count + 1)), origin)
