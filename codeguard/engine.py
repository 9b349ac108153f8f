"""Run every loaded rule over a ChangeSet: each file parsed once, each language once.

Code hides inside other code (a shell line in a Dockerfile, SQL in a Python string, a
`bash -c` string in a Makefile), so the engine follows it: embedded snippets go to the
analyser of their language, and findings come back at the place in the file where the
outer code stands.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from typing import TYPE_CHECKING

from codeguard.analyze import is_python
from codeguard.analyze.snippet import Snippet
from codeguard.analyze.snippet import whole
from codeguard.changes import DiffLine
from codeguard.changes import FileChange
from codeguard.changes import Hunk
from codeguard.finding import Finding
from codeguard.finding import Position
from codeguard.finding import Severity
from codeguard.globs import match_any
from codeguard.matchers import Hit
from codeguard.matchers import regex
from codeguard.ruleset import Rule
from codeguard.stage import Context

if TYPE_CHECKING:
    from codeguard.analyze.python import Unit

# Words without which no python-call rule can match a file: a callee's last segment must
# appear in the text unless the name is built at run time, which needs one of these.
# Files with none of them skip the Python analysis entirely.
# stands for `callee: ["*"]` among the names calls are filtered by: a call given **kwargs
ANY_CALLEE_WITH_KWARGS = "**"
DYNAMIC_WORDS = frozenset(
    {
        "getattr",
        "__import__",
        "import_module",
        "__dict__",
        "globals",
        "vars",
        "attrgetter",
        "methodcaller",
        "__builtins__",
    }
)
MAX_EMBED_DEPTH = 6


class Trigger:
    """Whether a text mentions any of the names python rules look for. A set lookup per
    identifier: the alternation regex of ~600 names took 20 ms to compile on every run."""

    _IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

    def __init__(self, words: Iterable[str]) -> None:
        self.words = frozenset(words) | DYNAMIC_WORDS

    def search(self, text: str) -> bool:
        if ANY_CALLEE_WITH_KWARGS in self.words and "**" in text:
            return True
        return not self.words.isdisjoint(self._IDENTIFIER.findall(text))


def trigger(words: Iterable[str]) -> Trigger | None:
    found = Trigger(words)
    return found if found.words else None


def applies(rule: Rule, path: str) -> bool:
    if rule.files and not match_any(path, rule.files):
        return False
    return not (rule.exclude and match_any(path, rule.exclude))


def wanted_lines(change: FileChange, mode: str) -> Iterable[int]:
    """The lines a text rule needs to look at under a `filter` mode."""
    if mode == "added":
        return sorted(change.added_lines)
    if mode == "diff-context":
        return sorted(change.context_lines)
    return sorted(change.lines)


@dataclass
class _Where:
    """Where embedded findings land in the file, and how they got there."""

    line: int
    column: int
    end_line: int
    end_column: int
    via: tuple[str, ...] = ()


@dataclass
class _Run:
    ctx: Context
    change: FileChange
    rules: dict[str, list[Rule]]
    words: frozenset[str] = frozenset()  # callee names worth resolving (see `trigger`)
    findings: list[Finding] = field(default_factory=list)

    # -- output -------------------------------------------------------------------------

    def emit(self, rule: Rule, hit: Hit, via: tuple[str, ...] = ()) -> None:
        values = dict(hit.values)
        values.setdefault("path", self.change.path)
        values.setdefault("via", " → ".join(via))
        message = rule.render_message(**values)
        if via and "{via}" not in rule.message:
            message += f" (via {' → '.join(via)})"
        self.findings.append(
            Finding(
                rule_id=rule.id,
                name=rule.name,
                stage=rule.stage,
                severity=rule.severity,
                message=message,
                path=self.change.path,
                start=Position(hit.line, hit.column),
                end=Position(hit.end_line, hit.end_column),
                snippet=self.change.lines.get(hit.line, ""),
                fingerprint=hit.text,
            )
        )

    def applicable(self, kind: str, path: str | None = None) -> list[Rule]:
        return [r for r in self.rules.get(kind, ()) if applies(r, path or self.change.path)]

    # -- languages ----------------------------------------------------------------------

    def shell(self, snippet: Snippet, where: _Where | None, depth: int) -> None:
        rules = self.applicable("shell")
        if not rules and not self.rules.get("sql") and not self.rules.get("python-call"):
            return
        from codeguard.analyze.shell import analyze
        from codeguard.matchers.shell import Paths
        from codeguard.matchers.shell import compiled

        config = self.ctx.config
        paths = Paths(config.protected_paths, config.disposable_paths, config.protected_branches)
        result = analyze(snippet.text)
        for cmd in result.commands:
            place = where or self._place(
                snippet, cmd.line, cmd.column, cmd.end_line, cmd.end_column
            )
            for rule in rules:
                for pattern in compiled(rule):
                    shown = pattern.match(cmd, paths, result.commands)
                    if shown is not None:
                        hit = Hit(
                            rule.id,
                            place.line,
                            place.column,
                            place.end_line,
                            place.end_column,
                            (("match", _short(cmd.label)), ("target", _short(shown))),
                            cmd.label,
                        )
                        self.emit(rule, hit, _via(place.via, snippet.origin, cmd.via))
                        break
        if depth >= MAX_EMBED_DEPTH:
            return
        for emb in result.embedded:
            place = where or self._place(
                snippet, emb.line, emb.column, emb.end_line, emb.end_column
            )
            place = _Where(
                place.line,
                place.column,
                place.end_line,
                place.end_column,
                _via(place.via, snippet.origin, emb.via),
            )
            inner = whole(emb.language, emb.text)
            if emb.language == "sql":
                self.sql(inner, place)
            elif emb.language == "python":
                self.python_text(emb.text, place, depth + 1)
            else:
                self.text_rules(inner, f"<{emb.language}>", place)

    def sql(self, snippet: Snippet, where: _Where | None, depth: int = 0) -> None:
        rules = self.applicable("sql", "<sql>") if where is not None else self.applicable("sql")
        if not rules:
            return
        from codeguard.analyze.sql import looks_like_sql
        from codeguard.analyze.sql import sql_facts
        from codeguard.matchers.sql import matches

        if depth < 2:
            # dynamic SQL: `EXECUTE 'DROP TABLE x'` in a function or DO block runs too
            for literal in _SQL_STRING.finditer(snippet.text):
                inner = literal.group(1).replace("''", "'")
                if looks_like_sql(inner):
                    line = snippet.text.count("\n", 0, literal.start()) + 1
                    column = literal.start() - snippet.text.rfind("\n", 0, literal.start())
                    place = where or self._place(snippet, line, column, line, column + 1)
                    self.sql(whole("sql", inner), place, depth + 1)
        for fact in sql_facts(snippet.text):
            place = where or self._place(
                snippet, fact.line, fact.column, fact.end_line, fact.end_column
            )
            for rule in rules:
                if matches(rule, fact):
                    hit = Hit(
                        rule.id,
                        place.line,
                        place.column,
                        place.end_line,
                        place.end_column,
                        (
                            ("match", _short(fact.statement)),
                            ("target", ", ".join(fact.names)[:120]),
                        ),
                        fact.statement,
                    )
                    self.emit(rule, hit, _via(place.via, snippet.origin, ()))

    def text_rules(self, snippet: Snippet, pseudo_path: str, where: _Where) -> None:
        rules = self.applicable("regex", pseudo_path)
        lines = dict(enumerate(snippet.text.split("\n"), start=1))
        for h in regex.find(rules, lines, sorted(lines)):
            rule = next(r for r in rules if r.id == h.rule_id)
            self.emit(rule, _at(h, where), where.via)

    def python_units(self, units: list[Unit], where: _Where | None, depth: int) -> None:
        from codeguard.analyze.pyembed import handoffs
        from codeguard.matchers import python_call

        config = self.ctx.config
        paths = python_call.Paths(config.protected_paths, config.disposable_paths)
        call_rules = self.applicable("python-call", None if where is None else "<python>.py")
        statement_rules = [
            *self.applicable("python-assign", None if where is None else "<python>.py"),
            *self.applicable("python-compare", None if where is None else "<python>.py"),
            *self.applicable("python-decorator", None if where is None else "<python>.py"),
            *self.applicable("python-return", None if where is None else "<python>.py"),
        ]
        # a rule may have several kinds
        statement_rules = list({r.id: r for r in statement_rules}.values())
        if statement_rules:
            from codeguard.matchers import python_stmt

            by_id = {r.id: r for r in statement_rules}
            assign_rules = [r for r in statement_rules if r.assigns]
            compare_rules = [r for r in statement_rules if r.compare]
            decorator_rules = [r for r in statement_rules if r.decorator]
            return_rules = [r for r in statement_rules if r.returns is not None]
            for unit in units:
                for h in [
                    *python_stmt.assignments(unit, assign_rules),
                    *python_stmt.comparisons(unit, compare_rules),
                    *python_stmt.decorators(unit, decorator_rules),
                    *python_stmt.handler_returns(unit, return_rules),
                ]:
                    rule = by_id[h.rule_id]
                    self.emit(
                        rule, h if where is None else _at(h, where), where.via if where else ()
                    )
        follow = depth < MAX_EMBED_DEPTH and (self.rules.get("shell") or self.rules.get("sql"))
        index = python_call.SpecIndex(call_rules)
        for unit in units:
            for c in python_call.calls(unit, self.words):
                testing: bool | None = None
                for rule, specs in index.candidates(c):
                    spec = next((s for s in specs if python_call.fires(c, s, paths)), None)
                    if spec is None:
                        continue
                    if spec.skip_in_tests:
                        testing = _in_test(c) if testing is None else testing
                        if testing:
                            continue
                    hit = python_call.hit(rule.id, c, python_call.callee_name(c, spec), spec=spec)
                    self.emit(
                        rule, hit if where is None else _at(hit, where), where.via if where else ()
                    )
                if not follow:
                    continue
                testing = _in_test(c) if testing is None else testing
                for handoff in handoffs(c):
                    if testing and handoff.language == "sql":
                        continue  # tests create and drop their own tables
                    h = python_call.hit("", c, handoff.via)
                    place = where or _Where(h.line, h.column, h.end_line, h.end_column)
                    place = _Where(
                        place.line,
                        place.column,
                        place.end_line,
                        place.end_column,
                        (*place.via, handoff.via),
                    )
                    for text in handoff.texts:
                        if handoff.language == "shell":
                            self.shell(whole("shell", text), place, depth + 1)
                        elif handoff.language == "python":
                            self.python_text(text, place, depth + 1)
                        else:
                            self.sql(whole("sql", _sql_text(text)), place)

    def python_text(self, code: str, where: _Where, depth: int) -> None:
        from codeguard.analyze.python import Unit
        from codeguard.analyze.python import try_parse

        tree, _ = try_parse(code)
        if tree is not None:
            lines = code.count("\n") + 1
            self.python_units([Unit(tree, code, tuple(range(1, lines + 1)))], where, depth)

    def _place(
        self, snippet: Snippet, line: int, column: int, end_line: int, end_column: int
    ) -> _Where:
        start = snippet.position(line, column)
        end = snippet.position(end_line, end_column)
        if end < start:
            end = start
        return _Where(start[0], start[1], end[0], end[1])


_TEST_FUNCTIONS = re.compile(
    r"^(test|setUp|tearDown|setUpClass|tearDownClass|setup_method|teardown_method|"
    r"setup_module|teardown_module|setup_class|teardown_class|asyncSetUp|asyncTearDown)"
)


def _in_test(c: object) -> bool:
    """Test code: a test function, a fixture, a TestCase, or a module importing pytest."""
    import ast

    scope = getattr(c, "scope", None)
    while scope is not None:
        node = scope.node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if _TEST_FUNCTIONS.match(node.name):
                return True
            for deco in node.decorator_list:
                text = ast.unparse(deco)
                if "fixture" in text:
                    return True
        if isinstance(node, ast.ClassDef) and (
            node.name.startswith("Test") or any("TestCase" in ast.unparse(b) for b in node.bases)
        ):
            return True
        if isinstance(node, ast.Module):
            return any(
                k == "import" and str(v).split(".")[0] in ("pytest", "unittest")
                for bindings in scope.bindings.values()
                for k, v in bindings
            )
        scope = scope.parent
    return False


_SQL_STRING = re.compile(r"\bEXEC(?:UTE)?\s+(?:IMMEDIATE\s+)?'((?:[^']|'')*)'", re.IGNORECASE)


def _via(outer: tuple[str, ...], origin: str, inner: tuple[str, ...]) -> tuple[str, ...]:
    chain = [*outer]
    if origin and origin not in chain:
        chain.append(origin)
    chain.extend(inner)
    return tuple(dict.fromkeys(chain))


def _at(hit: Hit, where: _Where) -> Hit:
    return Hit(
        hit.rule_id,
        where.line,
        where.column,
        where.end_line,
        where.end_column,
        hit.values,
        hit.text,
    )


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 120 else text[:117] + "..."


def _sql_text(text: str) -> str:
    """Unknown parts of SQL built in code become a plain identifier so it still parses."""
    from codeguard.analyze.shell import UNKNOWN_CLOSE
    from codeguard.analyze.shell import UNKNOWN_OPEN

    return re.sub(f"{UNKNOWN_OPEN}.*?{UNKNOWN_CLOSE}", "x", text)


def run_rules(ctx: Context) -> list[Finding]:
    by_kind: dict[str, list[Rule]] = {}
    for rule in ctx.rules:
        for kind in rule.kinds:
            by_kind.setdefault(kind, []).append(rule)
    specs = [s for r in by_kind.get("python-call", ()) for s in r.python]
    call_words = {c.rsplit(".", 1)[-1] for s in specs for c in s.callees}
    # `callee: ["*"]` has no name to look for; every such spec wants `**kwargs` today, so
    # that is what makes a call (and a text) worth resolving
    if "*" in call_words:
        call_words.discard("*")
        call_words.add(ANY_CALLEE_WITH_KWARGS)
    call_words |= {m for s in specs for m in s.methods}
    if by_kind.get("shell") or by_kind.get("sql"):
        from codeguard.analyze.pyembed import ARGV_CALLS
        from codeguard.analyze.pyembed import ARGV_LIST_CALLS
        from codeguard.analyze.pyembed import PYTHON_CALLS
        from codeguard.analyze.pyembed import SHELL_CALLS
        from codeguard.analyze.pyembed import SHELL_METHODS
        from codeguard.analyze.pyembed import SQL_CALLS
        from codeguard.analyze.pyembed import SQL_METHODS

        for group in (SHELL_CALLS, ARGV_CALLS, ARGV_LIST_CALLS, SQL_CALLS, PYTHON_CALLS):
            call_words |= {c.rsplit(".", 1)[-1] for c in group}
        call_words |= SHELL_METHODS | SQL_METHODS
    call_words |= {
        t for r in by_kind.get("python-assign", ()) for a in r.assigns for t in a["target"]
    }
    for r in by_kind.get("python-decorator", ()):
        spec = r.decorator or {}
        call_words |= {d.rsplit(".", 1)[-1] for d in spec["decorator"]}
        call_words |= set(spec.get("method", ()))
    words = trigger(call_words) if call_words else None
    # comparisons have no callee name to look for: their operand patterns are triggers too
    operands = [
        re.compile(r.compare["operand-matches"])
        for r in by_kind.get("python-compare", ())
        if r.compare
    ]
    word_set = frozenset(call_words | DYNAMIC_WORDS)
    findings: list[Finding] = []
    for change in ctx.changes:
        if not change.has_text:
            continue
        run = _Run(ctx, change, by_kind, word_set)
        regexes = run.applicable("regex")
        if regexes:
            for h in regex.find(regexes, change.lines, wanted_lines(change, ctx.config.filter)):
                run.emit(next(r for r in regexes if r.id == h.rule_id), h)
        _languages(run, change, words, operands)
        findings.extend(_against_old_side(ctx, change, run, words, operands))
    return findings


def _against_old_side(
    ctx: Context,
    change: FileChange,
    run: _Run,
    words: Trigger | None,
    operands: list[re.Pattern[str]],
) -> list[Finding]:
    """Judge Python findings in hunks that delete lines against the hunks' old side.

    - A finding on an unchanged line is the change's doing when the old side did not have
      it: the change deleted the allow-list, the containment check, the redirect guard.
      It is kept (`exposed`) whatever the `filter`.
    - A finding on a rewritten line that the old line already had (the change only added
      `as_attachment=True` to a `send_file` of user input) is not the change's doing: it
      is kept as a note, visible but not blocking.

    Both sides are analysed as hunk fragments so they see the same amount of code, and
    only when such a finding exists, so routine changes pay nothing.
    """
    added = change.added_lines
    removing = [h for h in change.hunks if any(line.kind == "-" for line in h.lines)]

    def hunk_of(line: int) -> Hunk | None:
        return next(
            (h for h in removing if h.new_start <= line < h.new_start + max(h.new_len, 1)), None
        )

    suspects = [f for f in run.findings if hunk_of(f.start.line)]
    if not suspects or not is_python(change):
        return run.findings
    from codeguard.analyze.python import parse_change

    def fragment_findings(hunks: tuple[Hunk, ...]) -> list[tuple[str, int]]:
        side = FileChange(path=change.path, hunks=hunks)
        other = _Run(ctx, side, run.rules, run.words)
        other.python_units(parse_change(side).units, None, 0)
        return [(f.rule_id, f.start.line) for f in other.findings]

    old_hunks = tuple(
        Hunk(h.old_start, h.old_len, h.old_start, h.old_len, tuple(
            DiffLine("+" if line.kind == "-" else " ", line.old_no, line.old_no, line.text)
            for line in h.lines
            if line.kind != "+"
        ))
        for h in removing
    )  # fmt: skip
    old_text = {line.old_no: line.text.strip() for h in removing for line in h.lines}
    removed = {line.old_no for h in removing for line in h.lines if line.kind == "-"}
    before = fragment_findings(old_hunks)
    before_context = {(rule, old_text.get(n, "")) for rule, n in before if n not in removed}
    before_removed = Counter(
        (rule, next(h for h in removing if any(x.old_no == n for x in h.lines)).new_start)
        for rule, n in before
        if n in removed
    )
    now_found = fragment_findings(tuple(removing))
    now = {(rule, change.lines.get(n, "").strip()) for rule, n in now_found}
    out = []
    for f in run.findings:
        hunk = hunk_of(f.start.line) if f in suspects else None
        if hunk is not None and f.start.line not in added:
            key = (f.rule_id, change.lines.get(f.start.line, "").strip())
            if key in now and key not in before_context:
                f = dataclasses.replace(
                    f,
                    exposed=True,
                    message=f"{f.message} (this line did not change, but the change rewrote"
                    " the code it depends on: a guard, a value it uses)",
                )
        elif hunk is not None and before_removed[(f.rule_id, hunk.new_start)] > 0:
            before_removed[(f.rule_id, hunk.new_start)] -= 1
            f = dataclasses.replace(
                f,
                severity=Severity.NOTE,
                message=f"{f.message} (already there before this change)",
            )
        out.append(f)
    return out


def _languages(
    run: _Run,
    change: FileChange,
    words: Trigger | None,
    operands: list[re.Pattern[str]],
) -> None:
    if change.is_command:
        run.shell(whole("shell", change.post_image or ""), None, 0)
        return
    if is_python(change):
        text = "\n".join(change.lines.values())
        if (words is not None and words.search(text)) or any(o.search(text) for o in operands):
            run.python_units(run.ctx.python(change).units, None, 0)
        return
    if change.post_image is None:
        # a patch scanned away from its files: each hunk's new side is read on its own,
        # as a piece of the file, so `+rm -rf /srv` in a modified deploy.sh is still judged
        for hunk in change.hunks:
            side = [line for line in hunk.lines if line.kind != "-"]
            if any(line.kind == "+" for line in side):
                _embedded(run, change, "\n".join(line.text for line in side), side[0].new_no - 1)
        return
    _embedded(run, change, change.post_image, 0)


def _embedded(run: _Run, change: FileChange, text: str, shift: int) -> None:
    """The shell, SQL and Python inside a non-Python file's text (which starts at file line
    `shift + 1`)."""
    from codeguard.analyze.embedded import file_kind
    from codeguard.analyze.embedded import snippets
    from codeguard.analyze.snippet import Snippet

    makefile = file_kind(change.path, text) == "makefile"
    for snippet in snippets(change.path, text):
        if shift:
            moved = tuple((line + shift, col) for line, col in snippet.line_map)
            snippet = Snippet(snippet.language, snippet.text, moved, snippet.origin)
        if makefile and snippet.language == "shell":
            from codeguard.analyze.makevars import resolve

            snippet = resolve(snippet, text)
        if snippet.language == "shell":
            run.shell(snippet, None, 0)
        elif snippet.language == "sql":
            run.sql(snippet, None)
        elif snippet.language == "python":
            place = None
            if snippet.line_map:
                line, col = snippet.line_map[0]
                place = _Where(line, col, line, col, (snippet.origin,) if snippet.origin else ())
            if place is not None:
                run.python_text(snippet.text, place, 1)
