"""The Python-call matcher: calls by qualified name, seen through imports and aliases.

One walk per parsed unit serves every python-call rule; names and argument values come
from `analyze.pyscope` (scopes, aliases, `__import__`/`getattr`, constant propagation).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass

from codeguard.analyze.pyscope import QUOTED
from codeguard.analyze.pyscope import UNKNOWN
from codeguard.analyze.pyscope import Resolver
from codeguard.analyze.pyscope import Scope
from codeguard.analyze.pyscope import is_tainted
from codeguard.analyze.pyscope import is_user_number
from codeguard.analyze.python import CUT_CALL
from codeguard.analyze.python import Unit
from codeguard.analyze.shell import UNKNOWN_OPEN
from codeguard.analyze.shell import display
from codeguard.matchers import Hit
from codeguard.ruleset import ArgPredicate
from codeguard.ruleset import PyCall
from codeguard.ruleset import Rule
from codeguard.targets import protected_target


@dataclass(frozen=True)
class Paths:
    protected: tuple[str, ...]
    disposable: tuple[str, ...]


@dataclass(frozen=True)
class Call:
    """A call found in the code, with what is needed to judge it."""

    node: ast.Call
    scope: Scope
    names: frozenset[str]
    unit: Unit


def calls(unit: Unit, words: frozenset[str] | None = None) -> Iterator[Call]:
    """The unit's calls, resolved. With `words`, only calls whose callee may end in one of
    them (directly, through an alias, or built at run time) are resolved at all."""
    resolver: Resolver = unit.resolver
    aliases = resolver.aliases() if words is not None else {}
    # "**": a rule with `callee: ["*"]` wants any call given **kwargs (engine.run_rules)
    any_with_kwargs = words is not None and "**" in words
    for node, scope in resolver.call_sites:
        if any_with_kwargs and any(k.arg is None for k in node.keywords):
            pass
        elif words is not None:
            func = node.func
            last = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else None
            )
            if (
                last is not None
                and last not in words
                and last != CUT_CALL
                and not (aliases.get(last, set()) & words)
            ):
                continue
        names = resolver.qualnames(node.func, scope)
        yield Call(node, scope, frozenset(names), unit)


def argument(call: ast.Call, position: int | None, keyword: str | None) -> ast.expr | None:
    if keyword is not None:
        for kw in call.keywords:
            if kw.arg == keyword:
                return kw.value
    if position is not None:
        positional = []
        for arg in call.args:
            if isinstance(arg, ast.Starred):
                break
            positional.append(arg)
        if position < len(positional):
            return positional[position]
    return None


def _same(a: object, b: object) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return a == b


def _known(value: object) -> bool:
    """A constant; a `shlex.quote`d part counts as one (a single word, whatever it holds)."""
    return value is not UNKNOWN and not (
        isinstance(value, str) and UNKNOWN_OPEN in value.replace(QUOTED, "")
    )


_NUMBER_TYPES = frozenset({"builtins.int", "builtins.float"})


def _number_from_input(c: Call, node: ast.expr, depth: int = 0) -> bool:
    """`int(request.args["n"])`, directly, through a name or inside `(n, n)`: the value
    resolves to a plain number (it cannot inject), but the client chose it."""
    resolver = c.unit.resolver
    if depth > 3:
        return False
    if isinstance(node, (ast.Tuple, ast.List)):
        return any(_number_from_input(c, e, depth + 1) for e in node.elts[:8])
    if isinstance(node, ast.Name):
        return any(
            isinstance(b, ast.expr) and _number_from_input(c, b, depth + 1)
            for b in resolver.bindings_of(node.id, c.scope)[:4]
        )
    if (
        isinstance(node, ast.Call)
        and node.args
        and (resolver.qualnames(node.func, c.scope) & _NUMBER_TYPES)
    ):
        return any(is_tainted(v) for v in resolver.values(node.args[0], c.scope))
    return False


def holds(c: Call, pred: ArgPredicate, paths: Paths) -> bool:
    """Whether the argument a predicate names satisfies it (with `any`: some argument)."""
    func = c.node.func
    if pred.any_arg:
        nodes: list[ast.expr] = [*c.node.args, *(k.value for k in c.node.keywords)]
        return any(_value_holds(c, n, pred, paths) for n in nodes)
    if pred.receiver:
        node = func.value if isinstance(func, ast.Attribute) else None
    else:
        node = argument(c.node, pred.position, pred.keyword)
    if pred.is_ == "missing":
        starred = any(isinstance(a, ast.Starred) for a in c.node.args)
        return node is None and not starred and not any(k.arg is None for k in c.node.keywords)
    if node is None:
        return False
    return _value_holds(c, node, pred, paths)


def _value_holds(c: Call, node: ast.expr, pred: ArgPredicate, paths: Paths) -> bool:
    resolver = c.unit.resolver
    values = resolver.values(node, c.scope)
    kind = pred.is_
    if kind == "literal" and not all(_known(v) for v in values):
        return False
    if kind == "non-literal" and all(_known(v) for v in values):
        return False
    if kind == "non-empty" and not any(v not in ("", None, UNKNOWN) for v in values):
        return False
    if kind == "tainted" and not any(is_tainted(v) for v in values):
        return False
    if (
        kind == "user-number"
        and not any(is_user_number(v) for v in values)
        and not _number_from_input(c, node)
    ):
        return False
    if kind == "interpolated" and not resolver.interpolated(node, c.scope):
        return False
    if kind == "sql" and not any(isinstance(v, str) and _SQL.search(v) for v in values):
        return False
    if kind == "world-writable" and not any(
        isinstance(v, int) and not isinstance(v, bool) and v & 0o002 for v in values
    ):
        return False
    if kind == "protected-path" and not any(
        isinstance(v, str)
        and protected_target(
            v, cwd="", protected=paths.protected, disposable=paths.disposable, may_be_empty=False
        )
        for v in values
    ):
        return False
    if pred.has_equals and not any(_same(v, pred.equals) for v in values):
        return False
    if pred.less_than is not None and not any(
        isinstance(v, (int, float)) and not isinstance(v, bool) and v < pred.less_than
        for v in values
    ):
        return False
    if pred.matches is not None and not any(
        isinstance(v, str) and pred.matches.search(v) for v in values
    ):
        return False
    if pred.not_matches is not None and any(
        isinstance(v, str) and pred.not_matches.search(v) for v in values
    ):
        return False
    if pred.source_matches is None:
        return True
    # the text as written, what a name stands for (`Loader` imported as CSafeLoader), or
    # what made it (`env = SandboxedEnvironment(...)`: the callee, not a literal's text)
    if pred.source_matches.search(c.unit.segment(node)):
        return True
    if any(pred.source_matches.search(name) for name in resolver.qualnames(node, c.scope)):
        return True
    return isinstance(node, ast.Name) and any(
        isinstance(v, ast.Call) and pred.source_matches.search(c.unit.segment(v.func))
        for v in resolver.bindings_of(node.id, c.scope)[:4]
    )


_SQL = re.compile(
    r"(?is)^\s*(select\s.+\sfrom\s|insert\s+into\s|update\s+\S+\s+set\s|delete\s+from\s|"
    r"replace\s+into\s|merge\s+into\s|with\s.+\sselect\s|drop\s|alter\s|create\s|truncate\s)"
)


# what a schema let through (pydantic's dump, a Django form's or DRF serializer's
# validated data): its fields were chosen by the schema, not by the client
SCHEMA_FILTERED = re.compile(r"\.(?:model_dump|dict|cleaned_data|validated_data)\b")


def matches(c: Call, spec: PyCall) -> bool:
    """Whether a call is one the pattern names (by qualified name or method name)."""
    if c.names & set(spec.callees) or "*" in spec.callees:
        return True
    func = c.node.func
    if isinstance(func, ast.Name) and func.id == CUT_CALL:
        # its callee lies outside the hunk: judge it by its arguments alone
        return bool(spec.methods) and any(p.keyword is not None for p in spec.args)
    return bool(spec.methods) and isinstance(func, ast.Attribute) and func.attr in spec.methods


class SpecIndex:
    """The python-call specs a call could match, by the last part of its names.

    Resolving every call against every spec of ~80 rules was half the Python analysis;
    a call named `rmtree` (or attribute `.execute`) only needs the specs naming it.
    """

    def __init__(self, rules: list[Rule]) -> None:
        self.rules = rules
        self.by_name: dict[str, list[tuple[int, int]]] = {}
        self.wild: list[tuple[int, int]] = []
        self.cut: list[tuple[int, int]] = []
        for r, rule in enumerate(rules):
            for s, spec in enumerate(rule.python):
                if "*" in spec.callees:
                    self.wild.append((r, s))
                names = {c.rsplit(".", 1)[-1] for c in spec.callees} | set(spec.methods)
                for name in names:
                    self.by_name.setdefault(name, []).append((r, s))
                if spec.methods and any(p.keyword is not None for p in spec.args):
                    self.cut.append((r, s))

    def candidates(self, c: Call) -> list[tuple[Rule, list[PyCall]]]:
        """(rule, its specs that may match `c`), rules and specs in their own order."""
        func = c.node.func
        keys = {n.rsplit(".", 1)[-1] for n in c.names}
        if isinstance(func, ast.Attribute):
            keys.add(func.attr)
        found = [*self.wild]
        for key in keys:
            found += self.by_name.get(key, ())
        if isinstance(func, ast.Name) and func.id == CUT_CALL:
            found += self.cut
        chosen: dict[int, list[PyCall]] = {}
        for r, s in sorted(set(found)):
            chosen.setdefault(r, []).append(self.rules[r].python[s])
        return [(self.rules[r], specs) for r, specs in chosen.items()]


def fires(c: Call, spec: PyCall, paths: Paths) -> bool:
    if not matches(c, spec):
        return False
    if spec.in_handler and id(c.scope.node) not in c.unit.resolver.handlers:
        return False
    if not all(holds(c, p, paths) for p in spec.args):
        return False
    if any(holds(c, p, paths) for p in spec.unless):
        return False
    if spec.kwargs_tainted and not any(
        k.arg is None
        and not SCHEMA_FILTERED.search(c.unit.segment(k.value))
        and any(is_tainted(v) for v in c.unit.resolver.values(k.value, c.scope))
        for k in c.node.keywords
    ):
        return False
    if spec.statement_matches is not None:
        statement = c.unit.resolver.statement_of.get(id(c.node))
        text = c.unit.source_of(statement) if statement is not None else ""
        # what the value is for is often only in the function's name (`def make_otp():`)
        func = c.scope.node
        if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            text = f"{func.name}\n{text}"
        if not spec.statement_matches.search(text):
            return False
    # a containment or allow-list check somewhere in the same function clears it
    return not (
        spec.function_lacks is not None
        and spec.function_lacks.search(c.unit.source_of(c.scope.node))
    )


def _first_value(c: Call) -> str:
    func = c.node.func
    if c.node.args:
        target: ast.expr = c.node.args[0]
    elif c.node.keywords and c.node.keywords[0].arg is not None:
        target = c.node.keywords[0].value
    elif isinstance(func, ast.Attribute):
        target = func.value
    else:
        return "…"
    values = c.unit.resolver.values(target, c.scope)
    shown = next((v for v in values if isinstance(v, str)), None)
    return repr(display(shown)) if shown is not None else "…"


def callee_name(c: Call, spec: PyCall) -> str:
    matched = sorted(c.names & set(spec.callees))
    if len(matched) == 1:
        return matched[0]
    if matched:  # several candidates (a name guessed for a fragment): show it as written
        return c.unit.segment(c.node.func)
    func = c.node.func
    if isinstance(func, ast.Name) and func.id != CUT_CALL:
        return func.id  # `callee: ["*"]`: the name as written (`User(**payload)`)
    return c.unit.segment(func) if isinstance(func, ast.Attribute) else "call"


def _focus(c: Call, spec: PyCall | None) -> list[ast.AST]:
    """A call that spans lines is reported at the arguments that made it match
    (`verify=False`), so a change that only touches another argument is not blamed."""
    node = c.node
    if spec is None or (node.end_lineno or node.lineno) == node.lineno:
        return [node]
    parts: list[ast.AST] = []
    for p in spec.args:
        if p.any_arg or p.receiver or p.is_ == "missing":
            return [node]
        arg = argument(node, p.position, p.keyword)
        if arg is None:
            return [node]
        keyword = next((k for k in node.keywords if k.value is arg), None)
        parts.append(keyword if keyword is not None else arg)
    return parts or [node]


def hit(
    rule_id: str,
    c: Call,
    callee: str,
    extra: tuple[tuple[str, str], ...] = (),
    spec: PyCall | None = None,
) -> Hit:
    node = c.node
    parts = _focus(c, spec)
    first = min(parts, key=lambda n: (n.lineno, n.col_offset))  # type: ignore[attr-defined]
    last = max(parts, key=lambda n: (n.end_lineno, n.end_col_offset))  # type: ignore[attr-defined]
    line, col = c.unit.real(first.lineno, first.col_offset)  # type: ignore[attr-defined]
    end_line, end_col = c.unit.real(
        last.end_lineno or last.lineno,  # type: ignore[attr-defined]
        last.end_col_offset or 0,  # type: ignore[attr-defined]
    )
    shown = " ".join(c.unit.segment(parts[0]).split()) if parts[0] is not node else ""
    values = (("callee", callee), ("arg", _first_value(c)), ("match", shown or callee), *extra)
    return Hit(rule_id, line, col, end_line, end_col, values, c.unit.segment(node))
