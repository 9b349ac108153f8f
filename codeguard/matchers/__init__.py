"""Matchers: each turns a rule's `match` into findings on one file."""

from __future__ import annotations


class Hit:
    """A match before it becomes a Finding: 1-based positions, end exclusive.

    A plain class: the agent gate imports this on every command, and `dataclasses` or
    `typing.NamedTuple` would cost more than the rest of that path.
    """

    __slots__ = ("column", "end_column", "end_line", "line", "rule_id", "text", "values")

    def __init__(
        self,
        rule_id: str,
        line: int,
        column: int,
        end_line: int,
        end_column: int,
        values: tuple[tuple[str, str], ...] = (),
        text: str = "",
    ) -> None:
        self.rule_id = rule_id
        self.line = line
        self.column = column
        self.end_line = end_line
        self.end_column = end_column
        self.values = values
        self.text = text
