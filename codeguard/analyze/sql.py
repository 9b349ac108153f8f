"""SQL text -> destructive facts: DROP, TRUNCATE, DELETE/UPDATE and their WHERE, DROP COLUMN.

Statements are split here, not by sqlglot, so that every fact keeps its place in the
given text: quotes, dollar quotes, comments, `;`, T-SQL `GO`, psql meta-commands and the
mysql client's `DELIMITER` are understood. Each statement is then parsed with sqlglot,
trying the caller's dialect and then a few common ones. A statement no dialect reads but
whose leading keywords are destructive becomes an "unparsed" fact: a guardrail must never
wave through what it could not read.

Positions are 1-based, columns count code points, ends are exclusive; lines end at "\\n"
only, as git counts them. A statement spans its first to its last significant character:
comments around it and its `;` are left out.

Only the standard library is imported here; sqlglot (~0.2 s to import) loads on the first
`sql_facts` call.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlglot import expressions as exp


@dataclass(frozen=True, slots=True)
class SqlFact:
    """One destructive statement (or one that could not be read but looks destructive).

    Every DELETE is a fact, its WHERE classified; an UPDATE is one only when its WHERE is
    missing or always true.
    """

    kind: str  # "drop" | "truncate" | "delete" | "update" | "drop-column" | "unparsed"
    object: str  # for drop: "table", "database", "schema", "materialized view", ...; else ""
    names: tuple[str, ...]  # identifiers unquoted, qualified as written ("public.users")
    if_exists: bool
    where: str  # delete: "none" | "tautology" | "present"; update: "none" | "tautology"; else ""
    line: int
    column: int
    end_line: int
    end_column: int  # exclusive
    statement: str  # whitespace-collapsed, at most 200 characters


# sqlglot is linear on ordinary SQL but has no limits of its own; a statement this long is
# not read (a destructive-looking one is reported as unparsed).
MAX_PARSE_CHARS = 20_000
STATEMENT_CHARS = 200

# Tried in order after the caller's dialect. "" is sqlglot's permissive default dialect.
FALLBACK_DIALECTS = ("", "postgres", "mysql", "tsql", "sqlite", "bigquery", "snowflake", "duckdb")

# Dialects whose quoted strings take backslash escapes ('it\'s'); elsewhere '' is the only
# escape and a backslash is an ordinary character ('C:\').
_BACKSLASH_DIALECTS = frozenset(
    {"mysql", "mariadb", "singlestore", "doris", "starrocks", "bigquery", "snowflake"}
    | {"spark", "spark2", "databricks", "hive", "clickhouse"}
)
# Dialects where `#` starts a comment anywhere, not just at the start of a line.
_HASH_DIALECTS = frozenset({"mysql", "mariadb", "singlestore", "doris", "starrocks"})

# Dollar-quoted bodies inside bodies, and statements inside procedural blocks, are read
# to this depth.
_MAX_DEPTH = 4


# --- templates ------------------------------------------------------------------------

# Jinja / dbt, ${var} (Flyway, shell) and Python str.format fields stand where SQL has a
# name or a value; `{% %}` and `{# #}` are control flow and comments. Bounded, so that an
# unclosed `{{` cannot make the scan quadratic.
_TEMPLATE = re.compile(
    r"(?P<value>\{\{.{0,1000}?\}\}|\$\{[^{}\n]{0,200}\}"
    r"|\{[A-Za-z_][\w.]{0,100}(?:\[[^\]{}\n]{0,100}\])?(?:![rsa])?(?::[^{}\n]{0,50})?\}|\{\d{0,3}\})"
    r"|(?P<control>\{%.{0,1000}?%\}|\{#.{0,1000}?#\})",
    re.S,
)


def _fill_templates(text: str) -> tuple[str, dict[str, str]]:
    """Each template value -> a same-length identifier (so offsets hold), control -> spaces.

    Returns the new text and the placeholders that can be mapped back to the template.
    """
    pieces: list[str] = []
    originals: dict[str, str] = {}
    last = 0
    for match in _TEMPLATE.finditer(text):
        pieces.append(text[last : match.start()])
        original = match.group(0)
        if match.group("control") is not None:
            pieces.append(" " * len(original))
        else:
            placeholder = f"T{len(originals)}".ljust(len(original), "_")
            if len(placeholder) == len(original):
                originals[placeholder] = original
            else:  # `{}` is shorter than its number; still a name, just not mapped back
                placeholder = "T" * len(original)
            pieces.append(placeholder)
        last = match.end()
    pieces.append(text[last:])
    return "".join(pieces), originals


# --- splitting -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Chunk:
    """One statement: offsets of its first and after its last significant character."""

    start: int
    end: int
    bodies: tuple[tuple[int, int], ...]  # contents of its dollar-quoted strings


_QUOTED = {
    "'": re.compile(r"'[^']*(?:''[^']*)*'"),
    '"': re.compile(r'"[^"]*(?:""[^"]*)*"'),
    "`": re.compile(r"`[^`]*(?:``[^`]*)*`"),
    "[": re.compile(r"\[[^\]]*(?:\]\][^\]]*)*\]"),
}
_QUOTED_BACKSLASH = {
    "'": re.compile(r"'[^'\\]*(?:(?:''|\\.)[^'\\]*)*'", re.S),
    '"': re.compile(r'"[^"\\]*(?:(?:""|\\.)[^"\\]*)*"', re.S),
}
_SPACE = re.compile(r"\s+")
_DOLLAR_TAG = re.compile(r"\$(?:[^\W\d]\w*)?\$")
# Ordinary text: everything up to a character that may start something else.
_PLAIN = re.compile(r"[^\s;'\"`\[$\-/#\\]+|.", re.S)
# Line-start directives of client tools, not SQL.
_GO = re.compile(r"GO(?:[ \t]+\d+)?[ \t]*;?[ \t]*(?=\r?\n|\Z)", re.I)
_PSQL_META = re.compile(r"\\[^\n]*")
_DELIMITER = re.compile(r"DELIMITER[ \t]+(\S+)[^\n]*", re.I)
# `#` at the start of a line is a mysql comment unless it starts a T-SQL #temp name.
_HASH_LINE_COMMENT = re.compile(r"#(?![\w#])[^\n]*")


@dataclass
class _Splitter:
    """Cuts text into statements; `masked` is the text with comments and quotes blanked."""

    text: str
    backslash: bool
    hash_comments: bool
    chunks: list[_Chunk] = field(default_factory=list)
    masked: list[str] = field(default_factory=list)
    _start: int = field(default=-1, init=False)
    _end: int = field(default=-1, init=False)
    _bodies: list[tuple[int, int]] = field(default_factory=list, init=False)
    _delimiter: str = field(default=";", init=False)

    def run(self) -> tuple[list[_Chunk], str]:
        pos, line_start = 0, True
        while pos < len(self.text):
            if line_start and (after := self._directive(pos)) is not None:
                pos = after
                continue
            pos, line_start = self._step(pos, line_start)
        self._flush()
        return self.chunks, "".join(self.masked)

    def _step(self, pos: int, line_start: bool) -> tuple[int, bool]:
        """Consume one token at `pos`; return where the next starts and if at a line start."""
        text, char = self.text, self.text[pos]
        if text.startswith(self._delimiter, pos):
            self._flush()
            return self._blank(pos, pos + len(self._delimiter), keep=True), False
        if space := _SPACE.match(text, pos):
            end = self._blank(pos, space.end(), keep=True)
            return end, line_start or "\n" in space.group(0)
        if text.startswith("--", pos) or (char == "#" and self.hash_comments):
            return self._blank(pos, _line_end(text, pos)), line_start
        if text.startswith("/*", pos):
            # Not nested (postgres nests, mysql does not): reading less as comment shows more.
            close = text.find("*/", pos + 2)
            return self._blank(pos, len(text) if close < 0 else close + 2), False
        if char in _QUOTED:
            return self._significant(pos, self._quote_end(pos), opaque=True), False
        if char == "$" and (tag := self._dollar_tag(pos)):
            return self._dollar_quoted(pos, tag), False
        end = _PLAIN.match(text, pos).end()  # type: ignore[union-attr]  # `.` always matches
        if self._delimiter != ";" and (cut := text.find(self._delimiter, pos + 1, end)) > 0:
            end = cut
        return self._significant(pos, end, opaque=False), False

    def _directive(self, pos: int) -> int | None:
        """At a line start: `GO`, `\\c db`, `DELIMITER //` end a statement; `# note` is skipped."""
        text = self.text
        if self._start < 0 and (match := _DELIMITER.match(text, pos)):
            self._delimiter = match.group(1)
        elif not (
            (match := _GO.match(text, pos))
            or (match := _PSQL_META.match(text, pos))
            or (match := _HASH_LINE_COMMENT.match(text, pos))
        ):
            return None
        if not match.group(0).startswith("#"):
            self._flush()
        return self._blank(pos, match.end())

    def _quote_end(self, pos: int) -> int:
        char, text = self.text[pos], self.text
        # postgres E'...' strings take backslash escapes whatever the dialect.
        escape_prefix = (
            pos > 0
            and text[pos - 1] in "eE"
            and (pos < 2 or not _is_identifier_char(text[pos - 2]))
        )
        patterns = _QUOTED_BACKSLASH if self.backslash or escape_prefix else _QUOTED
        match = patterns.get(char, _QUOTED[char]).match(text, pos)
        return match.end() if match else len(text)  # unclosed: to the end, as a server reads it

    def _dollar_tag(self, pos: int) -> str:
        # `$1` and `a$b$` are parameters and names, not the start of a dollar quote.
        if pos > 0 and _is_identifier_char(self.text[pos - 1]):
            return ""
        match = _DOLLAR_TAG.match(self.text, pos)
        return match.group(0) if match else ""

    def _dollar_quoted(self, pos: int, tag: str) -> int:
        body = pos + len(tag)
        close = self.text.find(tag, body)
        body_end = len(self.text) if close < 0 else close
        self._bodies.append((body, body_end))
        end = len(self.text) if close < 0 else close + len(tag)
        return self._significant(pos, end, opaque=True)

    def _significant(self, pos: int, end: int, *, opaque: bool) -> int:
        if self._start < 0:
            self._start = pos
        self._end = end
        # Quoted text becomes one opaque word, so keyword searches cannot see inside it.
        self.masked.append("_" * (end - pos) if opaque else self.text[pos:end])
        return end

    def _blank(self, pos: int, end: int, *, keep: bool = False) -> int:
        self.masked.append(self.text[pos:end] if keep else " " * (end - pos))
        return end

    def _flush(self) -> None:
        if self._start >= 0:
            self.chunks.append(_Chunk(self._start, self._end, tuple(self._bodies)))
        self._start, self._end, self._bodies = -1, -1, []


def _is_identifier_char(char: str) -> bool:
    # Not a regex class: one spanning \x80-\U0010ffff costs ~7 ms to compile at import.
    return char.isalnum() or char in "_$" or ord(char) >= 0x80


def _line_end(text: str, pos: int) -> int:
    end = text.find("\n", pos)
    return len(text) if end < 0 else end


# --- reading a statement ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _What:
    kind: str
    object: str = ""
    names: tuple[str, ...] = ()
    if_exists: bool = False
    where: str = ""


_UNPARSED = _What("unparsed")

_LOOKS_DESTRUCTIVE = re.compile(
    r"\s*(?:(?:DROP|TRUNCATE|DELETE|UPDATE)\b|ALTER\b.*\bDROP\b"
    r"|WITH\b.*\b(?:DELETE|UPDATE|DROP|TRUNCATE)\b)",
    re.I | re.S,
)
# Statements inside a procedural block that was not read as a whole (plpgsql bodies,
# `BEGIN ... END` split at its `;`): a destructive verb right after a block keyword.
_EMBEDDED = re.compile(
    r"\b(?:BEGIN|THEN|ELSE|LOOP|AS|DO|ATOMIC)\s+(?=(?:DROP|TRUNCATE|DELETE|UPDATE|ALTER)\b)",
    re.I,
)
# Statements whose dollar-quoted strings are code that runs: routine bodies and DO blocks.
# Judgement: a DROP inside CREATE FUNCTION is reported, since destructive code is being
# installed; a dollar-quoted string anywhere else is only a value.
_RUNS_BODY = re.compile(
    r"\s*(?:CREATE\b.*?\b(?:FUNCTION|PROCEDURE)\b|DO\b|EXECUTE\s+IMMEDIATE\b)", re.I | re.S
)


def _read_with(sql: str, dialect: str) -> tuple[list[_What], bool] | None:
    """Facts of `sql` in one dialect, and whether that reading is only a `DROP` `Command`.

    None if the dialect does not read it, including when sqlglot gives up on all or part
    of it as an opaque `Command` (`BEGIN DROP TABLE x` in T-SQL, the action of
    `ALTER TABLE t DROP`): that is no reading at all.
    """
    import sqlglot
    from sqlglot import expressions as exp

    try:
        trees = [tree for tree in sqlglot.parse(sql, read=dialect or None) if tree is not None]
        commands = [tree for tree in trees if isinstance(tree, exp.Command)]
        if any(str(command.this).upper() != "DROP" for command in commands) or any(
            isinstance(node, exp.Command)
            for tree in trees
            for node in tree.walk()
            if node is not tree
        ):
            return None
        return [what for tree in trees for what in _tree_facts(tree)], bool(commands)
    except Exception:  # ParseError, TokenError, but also ValueError, RecursionError, ...
        return None


def _read(sql: str, dialects: tuple[str, ...]) -> list[_What] | None:
    """The first full reading; else the first `DROP` `Command` one; None if nothing reads it."""
    import logging

    # sqlglot logs a warning for every statement it falls back to `Command` on.
    logger = logging.getLogger("sqlglot")
    was_disabled, logger.disabled = logger.disabled, True
    try:
        fallback: list[_What] | None = None
        for dialect in dialects:
            result = _read_with(sql, dialect)
            if result is None:
                continue
            whats, opaque = result
            if not opaque:
                return whats
            if fallback is None:
                fallback = whats
        return fallback
    finally:
        logger.disabled = was_disabled


def _tree_facts(tree: exp.Expr) -> Iterator[_What]:
    from sqlglot import expressions as exp

    if isinstance(tree, exp.Command):
        yield from _command(tree)
        return
    for node in tree.walk():
        if isinstance(node, exp.Drop) and not isinstance(node.parent, exp.Alter):
            yield _drop(node)
        elif isinstance(node, exp.TruncateTable):
            names = _names(node.expressions)
            yield _What("truncate", names=names, if_exists=bool(node.args.get("exists")))
        elif isinstance(node, (exp.Delete, exp.Update)) and not node.find_ancestor(exp.Merge):
            # (MERGE's `WHEN MATCHED THEN UPDATE` has no WHERE: its ON clause scopes it.)
            modify = _modify(node)
            # Any DELETE loses rows; an UPDATE with a real WHERE is everyday work.
            if modify.kind == "delete" or modify.where != "present":
                yield modify
        elif isinstance(node, exp.Alter) and (columns := _drop_columns(node)):
            yield columns


def _drop(node: exp.Drop) -> _What:
    kind = " ".join(str(node.args.get("kind") or "").lower().split())
    if node.args.get("materialized") and kind == "view":
        kind = "materialized view"
    return _What(
        "drop",
        object=kind,
        names=_names(node.args.get("tables") or []),
        if_exists=bool(node.args.get("exists")),
    )


def _modify(node: exp.Delete | exp.Update) -> _What:
    from sqlglot import expressions as exp

    kind = "delete" if isinstance(node, exp.Delete) else "update"
    # mysql `DELETE t1, t2 FROM ...` names its targets in `tables`.
    targets = node.args.get("tables") or ([node.this] if node.this else [])
    where = node.args.get("where")
    if where is None:
        condition = "none"
    else:
        condition = "tautology" if _truth(where.this) is True else "present"
    return _What(kind, names=_names(targets), where=condition)


def _drop_columns(node: exp.Alter) -> _What | None:
    from sqlglot import expressions as exp

    table = _qualified(node.this) if node.this else ""
    drops = [
        action
        for action in node.args.get("actions") or []
        if isinstance(action, exp.Drop) and str(action.args.get("kind") or "").upper() == "COLUMN"
    ]
    if not drops:
        return None
    columns = tuple(
        f"{table}.{_qualified(column)}" if table else _qualified(column)
        for action in drops
        for column in action.args.get("tables") or []
    )
    if_exists = all(bool(action.args.get("exists")) for action in drops)
    return _What("drop-column", names=columns, if_exists=if_exists)


def _names(nodes: list[exp.Expr]) -> tuple[str, ...]:
    return tuple(_qualified(node) for node in nodes)


def _qualified(node: exp.Expr) -> str:
    """`catalog.schema.table` with quotes removed; T-SQL temp tables keep their `#`."""
    from sqlglot import expressions as exp

    if isinstance(node, (exp.Table, exp.Column)) and node.parts:
        return ".".join(_identifier(part) for part in node.parts)
    if isinstance(node, exp.Identifier):
        return _identifier(node)
    return " ".join(node.sql().split())


def _identifier(node: exp.Expr) -> str:
    prefix = "##" if node.args.get("global_") else "#" if node.args.get("temporary") else ""
    return prefix + node.name


# --- WHERE -----------------------------------------------------------------------------

_MAX_TRUTH_DEPTH = 64


def _truth(node: exp.Expr, depth: int = 0) -> bool | None:
    """True if the condition holds for every row, False if for none, None if it depends.

    Besides constants and `x = x`, `x LIKE '%'` counts as always true: it matches every
    row where x is not NULL, which is how it is used to mean "everything".
    """
    from sqlglot import expressions as exp

    if depth > _MAX_TRUTH_DEPTH:
        return None
    if isinstance(node, exp.Paren):
        return _truth(node.this, depth + 1)
    if isinstance(node, exp.Boolean):
        return bool(node.this)
    if isinstance(node, exp.Literal):
        number = _number(node)  # mysql `WHERE 1`; a string's truth depends on the dialect
        return None if number is None else number != 0
    if isinstance(node, exp.Null):
        return False
    if isinstance(node, exp.Not):
        inner = _truth(node.this, depth + 1)
        return None if inner is None else not inner
    if isinstance(node, (exp.And, exp.Or)):
        return _connective(node, depth)
    if isinstance(node, exp.Is):
        both_null = isinstance(node.this, exp.Null) and isinstance(node.expression, exp.Null)
        return True if both_null else None
    if isinstance(node, exp.Like):
        pattern = node.expression
        return True if isinstance(pattern, exp.Literal) and pattern.this == "%" else None
    return _comparison(node)


def _connective(node: exp.And | exp.Or, depth: int) -> bool | None:
    from sqlglot import expressions as exp

    left, right = _truth(node.this, depth + 1), _truth(node.expression, depth + 1)
    if isinstance(node, exp.Or):
        if left is True or right is True:
            return True
        return False if left is False and right is False else None
    if left is False or right is False:
        return False
    return True if left is True and right is True else None


def _comparison(node: exp.Expr) -> bool | None:
    from sqlglot import expressions as exp

    holds_when_equal: dict[type[exp.Expr], bool] = {
        exp.EQ: True,
        exp.NullSafeEQ: True,
        exp.GTE: True,
        exp.LTE: True,
        exp.NEQ: False,
        exp.NullSafeNEQ: False,
        exp.GT: False,
        exp.LT: False,
    }
    if type(node) not in holds_when_equal:
        return None
    left, right = node.this, node.expression
    if isinstance(left, exp.Literal) and isinstance(right, exp.Literal):
        return _compare_literals(node, left, right)
    if left == right and not isinstance(left, exp.Null):
        return holds_when_equal[type(node)]
    return None


def _compare_literals(node: exp.Expr, left: exp.Literal, right: exp.Literal) -> bool | None:
    from sqlglot import expressions as exp

    a, b = _number(left), _number(right)
    if a is None or b is None:
        if not (left.is_string and right.is_string):
            return None
        if isinstance(node, (exp.EQ, exp.NullSafeEQ)):
            return bool(left.this == right.this)
        if isinstance(node, (exp.NEQ, exp.NullSafeNEQ)):
            return bool(left.this != right.this)
        return None
    outcomes: dict[type[exp.Expr], bool] = {
        exp.EQ: a == b,
        exp.NullSafeEQ: a == b,
        exp.NEQ: a != b,
        exp.NullSafeNEQ: a != b,
        exp.GT: a > b,
        exp.GTE: a >= b,
        exp.LT: a < b,
        exp.LTE: a <= b,
    }
    return outcomes.get(type(node))


def _number(node: exp.Literal) -> float | None:
    if node.is_string:
        return None
    try:
        return float(node.this)
    except (TypeError, ValueError):
        return None


# --- Command fallbacks -------------------------------------------------------------------

# sqlglot reads `DROP USER bob`, `DROP EXTENSION x`, ... only as an opaque `Command`.
_DROP_COMMAND = re.compile(
    r"\s*(?P<object>MATERIALIZED\s+VIEW|FOREIGN\s+(?:DATA\s+WRAPPER|TABLE)|USER\s+MAPPING"
    r"|EVENT\s+TRIGGER|TEXT\s+SEARCH\s+\w+|ACCESS\s+METHOD|OPERATOR\s+(?:CLASS|FAMILY)"
    r"|PROCEDURAL\s+LANGUAGE|OWNED\s+BY|EXTERNAL\s+TABLE|TEMP(?:ORARY)?\s+TABLE|\w+)"
    r"(?:\s+(?P<exists>IF\s+EXISTS)\b)?(?P<rest>.*)",
    re.I | re.S,
)
_DROP_COMMAND_TAIL = re.compile(r"\s(?:CASCADE|RESTRICT|ON|FOR|FROM|IN|WITH)\b.*", re.I | re.S)


def _command(node: exp.Command) -> Iterator[_What]:
    if str(node.this).upper() != "DROP":
        return  # the caller decides whether the statement looks destructive
    match = _DROP_COMMAND.match(node.text("expression"))
    if not match:  # a bare `DROP`
        yield _UNPARSED
        return
    rest = _DROP_COMMAND_TAIL.sub("", match.group("rest"))
    names = tuple(
        name
        for part in rest.split(",")
        if (name := part.split("(")[0].strip().strip('"`[]').strip())
    )
    yield _What(
        "drop",
        object=" ".join(match.group("object").lower().split()),
        names=names,
        if_exists=match.group("exists") is not None,
    )


# --- the walk over a text ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Found:
    start: int
    end: int
    what: _What


@dataclass
class _Run:
    """One reading of the whole text under one choice of string escapes."""

    text: str  # templates filled in
    dialects: tuple[str, ...]
    backslash: bool
    hash_comments: bool
    found: list[_Found] = field(default_factory=list)
    unread: int = 0  # statements no dialect read

    def region(self, base: int, end: int, depth: int) -> None:
        splitter = _Splitter(self.text[base:end], self.backslash, self.hash_comments)
        chunks, masked = splitter.run()
        for chunk in chunks:
            self.statement(base + chunk.start, base + chunk.end, masked, base, depth)
            if depth < _MAX_DEPTH and _RUNS_BODY.match(masked, chunk.start, chunk.end):
                for body_start, body_end in chunk.bodies:
                    self.region(base + body_start, base + body_end, depth + 1)

    def statement(self, start: int, end: int, masked: str, base: int, depth: int) -> None:
        """Facts of text[start:end]; `masked` covers the region that begins at `base`."""
        sql = self.text[start:end]
        whats = _read(sql, self.dialects) if len(sql) <= MAX_PARSE_CHARS else None
        if whats is not None:
            self.found.extend(_Found(start, end, what) for what in whats)
            return
        self.unread += 1
        shape = masked[start - base : end - base]
        cuts = [m.end() for m in _EMBEDDED.finditer(shape)] if depth < _MAX_DEPTH else []
        head_end = start + (cuts[0] if cuts else len(shape))
        if _LOOKS_DESTRUCTIVE.match(masked, start - base, head_end - base):
            self.found.append(_Found(start, _trim(masked, base, start, head_end), _UNPARSED))
        # Each embedded statement runs to the next one, split again at its `;` (a custom
        # DELIMITER kept `BEGIN ...; ...; END` in one piece).
        for cut, next_cut in itertools.pairwise([*cuts, len(shape)]) if cuts else ():
            self.region(start + cut, start + next_cut, depth + 1)


def _trim(masked: str, base: int, start: int, end: int) -> int:
    """`end` moved back over trailing blanks (whitespace and comments, in `masked`)."""
    return start + len(masked[start - base : end - base].rstrip())


# --- public ------------------------------------------------------------------------------


def sql_facts(text: str, dialect: str | None = None) -> list[SqlFact]:
    """Destructive facts of every statement in `text`, in order of position. Never raises."""
    filled, originals = _fill_templates(text)
    given = [dialect.lower()] if dialect else []
    dialects = tuple(dict.fromkeys([*given, *FALLBACK_DIALECTS]))
    hash_comments = (dialect or "").lower() in _HASH_DIALECTS
    if dialect:
        escapes = [dialect.lower() in _BACKSLASH_DIALECTS]
    elif re.search(r"\\['\"]", text):
        # Unknown dialect and a \' in the text: keep whichever reading parses more of it.
        escapes = [False, True]
    else:
        escapes = [False]
    runs = []
    for backslash in escapes:
        run = _Run(filled, dialects, backslash, hash_comments)
        run.region(0, len(filled), 0)
        runs.append(run)
    best = min(runs, key=lambda run: run.unread)
    lines = _Lines(text)
    restore = _Restore(originals)
    found = sorted(best.found, key=lambda f: (f.start, f.end))
    return [_fact(text, f, lines, restore) for f in found]


def _fact(text: str, found: _Found, lines: _Lines, restore: _Restore) -> SqlFact:
    line, column = lines.position(found.start)
    end_line, end_column = lines.position(found.end)
    what = found.what
    return SqlFact(
        kind=what.kind,
        object=what.object,
        names=tuple(restore(name) for name in what.names),
        if_exists=what.if_exists,
        where=what.where,
        line=line,
        column=column,
        end_line=end_line,
        end_column=end_column,
        statement=_collapse(text[found.start : found.end]),
    )


def _collapse(statement: str) -> str:
    flat = " ".join(statement.split())
    return flat if len(flat) <= STATEMENT_CHARS else flat[: STATEMENT_CHARS - 1] + "…"


class _Lines:
    def __init__(self, text: str) -> None:
        self._starts = [0, *(m.end() for m in re.finditer("\n", text))]

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self._starts, offset)
        return line, offset - self._starts[line - 1] + 1


class _Restore:
    """Placeholder names back to the template text they stand for."""

    def __init__(self, originals: dict[str, str]) -> None:
        self._originals = originals
        # Longest first, so that T1___ is not read as T1_ followed by "__".
        keys = sorted(originals, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, keys))) if keys else None

    def __call__(self, name: str) -> str:
        if self._pattern is None:
            return name
        return self._pattern.sub(lambda m: self._originals[m.group(0)], name)


# --- is this string SQL? -----------------------------------------------------------------

# Whitespace, comments, Jinja blocks (a dbt model opens with `{{ config(...) }}`), `(`.
_LEADING_NOISE = re.compile(
    r"(?:\s+|--[^\n]*|/\*.*?(?:\*/|\Z)|\{%.*?%\}|\{#.*?#\}|\{\{.*?\}\}|\()*", re.S
)
_NAME = r"(?:[\w.`\"\[\]$@#:]|\{\{[^{}]*\}\}|\{[\w.]*\}|\$\{[^{}]*\})+"
_OBJECT = (
    r"(?:TABLE|DATABASE|SCHEMA|VIEW|INDEX|SEQUENCE|FUNCTION|PROCEDURE|TRIGGER|TYPE|USER|ROLE"
    r"|EXTENSION|DOMAIN|MATERIALIZED|TEMPORARY|TEMP|UNIQUE|COLUMN|CONSTRAINT|POLICY|RULE"
    r"|OWNED|SERVER|TABLESPACE|STAGE|WAREHOUSE|STREAM|TASK|PIPE|EXTERNAL|FOREIGN|EVENT"
    r"|PUBLICATION|SUBSCRIPTION|COLLATION|AGGREGATE|LANGUAGE|SYNONYM|PACKAGE|LOGIN|GLOBAL"
    r"|LOCAL|UNLOGGED|VIRTUAL|RECURSIVE|SECURE|TRANSIENT|VOLATILE|CLUSTERED|NONCLUSTERED"
    r"|FULLTEXT|SPATIAL|ALGORITHM|DEFINER)\b"
)
# A keyword alone would take prose ("Delete the file?", "Update the docs") for SQL, and an
# unreadable DELETE is reported as unparsed; so each keyword needs the start of its syntax.
_SQL_START = rf"""
      SELECT\s+\S
    | INSERT\s+(?:INTO|OR|IGNORE|OVERWRITE|ALL|FIRST|LOW_PRIORITY|DELAYED|HIGH_PRIORITY)\b
    | (?:REPLACE|UPSERT)\s+INTO\b
    | UPDATE\s+(?:(?:ONLY|LOW_PRIORITY|IGNORE|TOP\s*\(\s*\d+\s*\))\s+)*{_NAME}
      (?:\s+(?:AS\s+)?\w+)?\s+SET\s
    | DELETE\s+(?:FROM|TOP|LOW_PRIORITY|QUICK|IGNORE)\b
    | DELETE\s+{_NAME}\s*(?:,|\s(?:FROM|WHERE|USING)\b)
    | DROP\s+{_OBJECT}
    | TRUNCATE\s+(?:TABLE\b|ONLY\b|{_NAME}\s*(?:;|,|\Z|\s(?:CASCADE|RESTART|CONTINUE)\b))
    | ALTER\s+{_OBJECT}
    | CREATE\s+(?:OR\s+REPLACE\s+|OR\s+ALTER\s+)?{_OBJECT}
    | WITH\s+(?:RECURSIVE\s+)?{_NAME}\s*(?:\([^()]*\)\s*)?AS\s*(?:NOT\s+)?(?:MATERIALIZED\s*)?\(
    | MERGE\s+(?:INTO\b|{_NAME}\s+(?:AS\s+)?(?:\w+\s+)?USING\b)
    | GRANT\s[^;]{{1,300}}?\s(?:ON|TO)\s
    | REVOKE\s[^;]{{1,300}}?\s(?:ON|FROM)\s
"""


@functools.cache
def _sql_start() -> re.Pattern[str]:
    # ~6 ms to compile: paid by the first string looked at, not by every import.
    return re.compile(_SQL_START, re.I | re.X)


def looks_like_sql(text: str) -> bool:
    """Whether a string literal is probably SQL: a statement keyword and the start of its syntax.

    Cheap (no sqlglot); used to decide whether a string is worth parsing at all.
    """
    start = _LEADING_NOISE.match(text)
    return bool(_sql_start().match(text, start.end() if start else 0))
