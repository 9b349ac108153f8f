"""Matchers: each turns a rule's `match` into findings on one file."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Hit:
    """A match before it becomes a Finding: 1-based positions, end exclusive."""

    rule_id: str
    line: int
    column: int
    end_line: int
    end_column: int
    values: tuple[tuple[str, str], ...] = ()
    text: str = ""
