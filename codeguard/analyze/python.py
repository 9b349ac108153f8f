"""Python parsed once with the stdlib `ast`: whole post-images, or fragments of a patch.

A fragment (a hunk whose file is not at hand) is parsed on its own after the imports
found anywhere in the file's hunks; a hunk that still does not parse is checked line by
line, so no added line escapes the Python rules.
"""

from __future__ import annotations

import ast
import re
import textwrap
import warnings
from dataclasses import dataclass
from dataclasses import field
from functools import cached_property

from codeguard.changes import DiffLine
from codeguard.changes import FileChange

_IMPORT_LINE = re.compile(
    r"^\s*(import\s+[\w.]+(\s+as\s+\w+)?(\s*,\s*[\w.]+(\s+as\s+\w+)?)*"
    r"|from\s+[\w.]+\s+import\s+[\w\s,()*]+)\s*(#.*)?$"
)


@dataclass(frozen=True)
class SyntaxProblem:
    line: int
    column: int
    message: str


@dataclass
class Unit:
    """One parsed piece of a file. `line_map[i]` is the real line of unit line i+1."""

    tree: ast.Module
    source: str
    line_map: tuple[int, ...]
    indent: int = 0

    @cached_property
    def lines(self) -> list[str]:
        return self.source.split("\n")

    @cached_property
    def resolver(self):  # type: ignore[no-untyped-def]  # -> Resolver (import kept lazy)
        from codeguard.analyze.pyscope import Resolver

        return Resolver(self.tree)

    def real(self, line: int, byte_col: int) -> tuple[int, int]:
        """Unit (line, UTF-8 byte column) -> file (line, 1-based character column)."""
        index = min(max(line, 1), len(self.line_map)) - 1
        text = self.lines[index] if index < len(self.lines) else ""
        column = len(text.encode("utf-8", "surrogatepass")[:byte_col].decode("utf-8", "replace"))
        real = self.line_map[index]
        return real, column + 1 + (self.indent if real > 0 else 0)

    def source_of(self, node: ast.AST) -> str:
        """The full source text of a statement or scope (the whole unit for a module)."""
        if isinstance(node, ast.Module):
            return self.source
        start, end = getattr(node, "lineno", 0), getattr(node, "end_lineno", None)
        if not start or end is None:
            return ""
        return "\n".join(self.lines[start - 1 : end])

    def segment(self, node: ast.AST) -> str:
        """The source text of a node, on one line (for messages and fingerprints)."""
        start, end = getattr(node, "lineno", 0), getattr(node, "end_lineno", None)
        if not start or end is None:
            return ""
        # columns are UTF-8 byte offsets; slice the encoded lines (ast.get_source_segment
        # would split the whole file again for every node)
        chunk = [line.encode("utf-8", "surrogatepass") for line in self.lines[start - 1 : end]]
        if not chunk:
            return ""
        first, last = getattr(node, "col_offset", 0), getattr(node, "end_col_offset", None)
        if len(chunk) == 1:
            chunk[0] = chunk[0][first:last]
        else:
            chunk[0], chunk[-1] = chunk[0][first:], chunk[-1][:last]
        text = b"\n".join(chunk).decode("utf-8", "replace")
        return " ".join(text.split())[:300]


@dataclass
class ParsedPython:
    units: list[Unit] = field(default_factory=list)
    syntax_error: SyntaxProblem | None = None
    unparsed_lines: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def try_parse(source: str) -> tuple[ast.Module | None, SyntaxProblem | None]:
    """(tree, None) or (None, the problem); CPython refuses what would exhaust a stack."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences in the code under review
            return ast.parse(source), None
    except SyntaxError as exc:
        return None, SyntaxProblem(exc.lineno or 1, max(exc.offset or 1, 1), exc.msg)
    except (RecursionError, MemoryError) as exc:
        return None, SyntaxProblem(1, 1, f"too deeply nested to analyse ({type(exc).__name__})")
    except ValueError as exc:  # NUL bytes
        return None, SyntaxProblem(1, 1, str(exc))


def parse_change(change: FileChange) -> ParsedPython:
    """Every Python unit of one change; never raises on bad code."""
    out = ParsedPython()
    if change.post_image is None:
        _parse_fragments(out, change)
        return out
    source = change.post_image
    tree, problem = try_parse(source)
    if tree is not None:
        count = source.count("\n") + 1
        out.units.append(Unit(tree, source, tuple(range(1, count + 1))))
        return out
    out.syntax_error = problem
    # The file does not parse: check the lines this change touches one by one.
    _parse_lines(out, change, sorted(change.added_lines))
    return out


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
        tree, _ = try_parse(preamble + dedented)
        if tree is not None:
            out.units.append(Unit(tree, preamble + dedented, line_map, indent))
            continue
        # A hunk often starts inside one function and ends in the next: parse each
        # top-level block on its own, so `def login_otp():` keeps its body and its name.
        for block in _top_level_blocks(new_side):
            text = "\n".join(line.text for line in block) + "\n"
            dedented = textwrap.dedent(text)
            # a hunk that starts inside a call's arguments: reopen the brackets it closes
            opener = _reopen(dedented)
            head = preamble + (opener + "\n" if opener else "")
            tree, _ = try_parse(head + dedented)
            if tree is not None:
                numbers = tuple(
                    [0] * (len(imports) + bool(opener)) + [line.new_no for line in block]
                )
                out.units.append(
                    Unit(tree, head + dedented, numbers, _indent_removed(text, dedented))
                )
                continue
            added = [line.new_no for line in block if line.kind == "+"]
            _parse_lines(out, change, added, preamble=imports)


# The callee of a call whose first line lies outside the hunk (`verify=False,` alone).
CUT_CALL = "_codeguard_cut_call_"
_PAIRS = {")": "(", "]": "[", "}": "{"}
_KEYWORD_ARG = re.compile(r"^\*{0,2}\w+\s*=(?!=).*,\s*$|^\*{1,2}\w")


def _reopen(text: str) -> str:
    """Openers for the brackets `text` closes without opening (strings skipped roughly)."""
    depth: list[str] = []
    missing: list[str] = []
    quote = ""
    for line in text.splitlines():
        for ch in line:
            if quote:
                if ch == quote:
                    quote = ""
            elif ch in "'\"":
                quote = ch
            elif ch == "#":
                break
            elif ch in "([{":
                depth.append(ch)
            elif ch in _PAIRS:
                if depth:
                    depth.pop()
                else:
                    missing.append(_PAIRS[ch])
        quote = ""
    return "".join(f"{CUT_CALL}(" if m == "(" else m for m in reversed(missing))


_CONTINUES = re.compile(r"^(else|elif|except|finally|case)\b|^[)\]}]")


def _top_level_blocks(lines: list[DiffLine]) -> list[list[DiffLine]]:
    """Split at lines that start a new statement at the hunk's outermost indentation (a
    hunk inside a function starts mid-body: `return 0` at 8 columns, then `result = ...`
    at 4), keeping decorators with what they decorate and `else:`/`except:` with their
    statement."""
    code = [x.text for x in lines if x.text.strip() and not x.text.lstrip().startswith("#")]
    base = min((len(t) - len(t.lstrip()) for t in code), default=0)
    blocks: list[list[DiffLine]] = [[]]
    decorated = False
    for line in lines:
        text = line.text
        body = text.lstrip()
        starts = bool(body) and len(text) - len(body) == base and not body.startswith("#")
        begun = any(x.text.strip() for x in blocks[-1])
        if starts and begun and not decorated and not _CONTINUES.match(body):
            blocks.append([])
        if starts:
            decorated = body.startswith("@")
        blocks[-1].append(line)
    return [b for b in blocks if any(line.text.strip() for line in b)]


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
    prefix = "".join(h + "\n" for h in head)
    for number in numbers:
        raw = change.lines.get(number, "")
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(raw) - len(raw.lstrip())
        candidates = [stripped]
        if _KEYWORD_ARG.match(stripped):
            # `verify=False,` is an argument of a call that started above the hunk
            candidates.insert(0, f"{CUT_CALL}({stripped})")
        if stripped.endswith(":"):
            candidates.append(stripped + " pass")
        keyword = r"^(elif|if|while|with|for|return|yield|await|assert|del|else)\b\s*"
        candidates.append(re.sub(keyword, "", stripped).rstrip(":"))
        for candidate in candidates:
            tree, _ = try_parse(prefix + candidate + "\n")
            if tree is None:
                continue
            inner = candidate.find(stripped)
            offset = indent - inner if inner > 0 else indent + max(stripped.find(candidate), 0)
            line_map = tuple([0] * len(head) + [number])
            out.units.append(Unit(tree, prefix + candidate + "\n", line_map, offset))
            break
        else:
            out.unparsed_lines.append(number)
    if out.unparsed_lines:
        out.notes.append(
            f"{change.path}: {len(out.unparsed_lines)} changed line(s) are not valid Python "
            "on their own; they were checked by the text rules only"
        )
