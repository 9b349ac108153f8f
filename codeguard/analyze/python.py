"""Python parsed once with libcst: whole post-images, or fragments of a patch.

A fragment (a hunk whose file is not at hand) is parsed on its own after the imports
found anywhere in the file's hunks; a hunk that still does not parse is checked line by
line, so no added line escapes the Python rules.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from dataclasses import field
from typing import TYPE_CHECKING

from codeguard.changes import FileChange

if TYPE_CHECKING:
    import libcst

_IMPORT_LINE = re.compile(
    r"^\s*(import\s+[\w.]+(\s+as\s+\w+)?(\s*,\s*[\w.]+(\s+as\s+\w+)?)*|from\s+[\w.]+\s+import\s+[\w\s,()*]+)\s*(#.*)?$"
)


@dataclass(frozen=True)
class Unit:
    """One parsed piece of a file. `line_map[i]` is the real line of unit line i+1."""

    module: libcst.Module
    line_map: tuple[int, ...]
    indent: int = 0

    def real(self, line: int, column0: int) -> tuple[int, int]:
        """Unit (line, 0-based column) -> file (line, 1-based column)."""
        index = min(max(line, 1), len(self.line_map)) - 1
        real = self.line_map[index]
        return real, column0 + 1 + (self.indent if real > 0 else 0)


@dataclass(frozen=True)
class SyntaxProblem:
    line: int
    column: int
    message: str


@dataclass
class ParsedPython:
    units: list[Unit] = field(default_factory=list)
    syntax_error: SyntaxProblem | None = None
    unparsed_lines: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# CPython refuses these before they can exhaust a stack; libcst's native parser does not
# (5,000 nested brackets crash it, 50,000 chained operators take minutes), so hostile
# input is screened by `ast` first.
_TOO_DEEP = ("too many nested", "too many levels of indentation", "too many statically nested")
MAX_DEPTH = 200


def _bracket_depth(source: str) -> int:
    depth = deepest = 0
    for m in re.finditer(r"[\[\](){}]", source):
        depth = depth + 1 if m.group(0) in "([{" else max(depth - 1, 0)
        deepest = max(deepest, depth)
    return deepest


def _try_parse(source: str) -> tuple[libcst.Module | None, SyntaxProblem | None]:
    """(module, None), or (None, the problem); never crashes or hangs on hostile input."""
    import ast

    import libcst

    try:
        ast.parse(source)
    except (RecursionError, MemoryError) as exc:
        return None, SyntaxProblem(1, 1, f"too deeply nested to analyse ({type(exc).__name__})")
    except ValueError as exc:  # e.g. NUL bytes
        return None, SyntaxProblem(1, 1, str(exc))
    except SyntaxError as exc:
        problem = SyntaxProblem(exc.lineno or 1, max(exc.offset or 1, 1), exc.msg)
        if any(t in exc.msg for t in _TOO_DEEP) or _bracket_depth(source) > MAX_DEPTH:
            return None, problem
        # Perhaps syntax newer than this interpreter: libcst may still read it.
        try:
            return libcst.parse_module(source), None
        except (libcst.ParserSyntaxError, RecursionError, MemoryError):
            return None, problem
    try:
        return libcst.parse_module(source), None
    except libcst.ParserSyntaxError as exc:
        return None, SyntaxProblem(exc.raw_line, exc.raw_column + 1, _first_line(exc))
    except (RecursionError, MemoryError) as exc:
        return None, SyntaxProblem(1, 1, f"too deeply nested to analyse ({type(exc).__name__})")


def parse_change(change: FileChange) -> ParsedPython:
    """Every Python unit of one change; never raises on bad code."""
    out = ParsedPython()
    if change.post_image is None:
        _parse_fragments(out, change)
        return out
    module, problem = _try_parse(change.post_image)
    if module is not None:
        count = change.post_image.count("\n") + 1
        out.units.append(Unit(module, tuple(range(1, count + 1))))
        return out
    out.syntax_error = problem
    # The file does not parse: check the lines this change touches one by one.
    _parse_lines(out, change, sorted(change.added_lines))
    return out


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _parse_fragments(out: ParsedPython, change: FileChange) -> None:
    imports: list[str] = []
    for h in change.hunks:
        for line in h.lines:
            if line.kind != "-" and _IMPORT_LINE.match(line.text):
                stripped = line.text.strip()
                if stripped not in imports:
                    imports.append(stripped)
    preamble = "".join(i + "\n" for i in imports)
    for h in change.hunks:
        new_side = [line for line in h.lines if line.kind != "-"]
        if not new_side:
            continue
        text = "\n".join(line.text for line in new_side) + "\n"
        dedented = textwrap.dedent(text)
        indent = _indent_removed(text, dedented)
        line_map = tuple([0] * len(imports) + [line.new_no for line in new_side])
        module, _ = _try_parse(preamble + dedented)
        if module is None:
            added = [line.new_no for line in new_side if line.kind == "+"]
            _parse_lines(out, change, added, preamble=imports)
            continue
        out.units.append(Unit(module, line_map, indent))


def _indent_removed(before: str, after: str) -> int:
    for b, a in zip(before.splitlines(), after.splitlines(), strict=False):
        if a.strip():
            return len(b) - len(a)
    return 0


def _parse_lines(
    out: ParsedPython, change: FileChange, numbers: list[int], preamble: list[str] | None = None
) -> None:
    """Parse single lines; a line that still fails is recorded, never dropped silently."""
    head = preamble or []
    for number in numbers:
        raw = change.lines.get(number, "")
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(raw) - len(raw.lstrip())
        candidates = [stripped]
        if stripped.endswith(":"):
            candidates.append(stripped + " pass")
        candidates.append(
            re.sub(
                r"^(elif|if|while|with|for|return|yield|await|assert|del)\b\s*", "", stripped
            ).rstrip(":")
        )
        for candidate in candidates:
            module, _ = _try_parse("".join(h + "\n" for h in head) + candidate + "\n")
            if module is None:
                continue
            offset = indent + max(stripped.find(candidate), 0)
            out.units.append(Unit(module, tuple([0] * len(head) + [number]), offset))
            break
        else:
            out.unparsed_lines.append(number)
    if out.unparsed_lines:
        out.notes.append(
            f"{change.path}: {len(out.unparsed_lines)} changed line(s) are not valid Python "
            "on their own; they were checked by the text rules only"
        )
