"""Python assignments and comparisons: `session.verify = False`, `if token == sig:`."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import Any

from codeguard.analyze.pyscope import is_tainted
from codeguard.analyze.python import Unit
from codeguard.matchers import Hit
from codeguard.ruleset import Rule

_TRIVIAL = re.compile(r"^(None|True|False|-?\d+(\.\d+)?|''|\"\"|b''|\[\]|\{\}|\(\))$")


def _target_name(target: ast.AST) -> str:
    if isinstance(target, ast.Attribute):
        return target.attr
    if isinstance(target, ast.Name):
        return target.id
    return ""


def _value_ok(
    unit: Unit, node: ast.Assign | ast.AnnAssign, spec: dict[str, Any], scope: Any
) -> bool:
    value = node.value
    if value is None:
        return False
    want = spec.get("value", {})
    if "source-matches" in want and not re.search(want["source-matches"], unit.segment(value)):
        return False
    values = unit.resolver.values(value, scope)
    if "equals" in want:
        expected = want["equals"]
        if not any(
            (v is expected) if isinstance(expected, bool) or isinstance(v, bool) else v == expected
            for v in values
        ):
            return False
    return not (
        "matches" in want
        and not any(isinstance(v, str) and re.search(want["matches"], v) for v in values)
    )


def assignments(unit: Unit, rules: list[Rule]) -> Iterator[Hit]:
    for node, scope in unit.resolver.assign_sites:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        names = {_target_name(t) for t in targets}
        for rule in rules:
            for spec in rule.assigns:
                lacks = spec.get("function-lacks")
                if (
                    names & set(spec["target"])
                    and _value_ok(unit, node, spec, scope)
                    and not (lacks and re.search(lacks, unit.source_of(scope.node)))
                ):
                    yield _hit(rule.id, unit, node, (("match", unit.segment(node)),))
                    break


def comparisons(unit: Unit, rules: list[Rule]) -> Iterator[Hit]:
    for node, scope in unit.resolver.compare_sites:
        if not any(isinstance(op, (ast.Eq, ast.NotEq)) for op in node.ops):
            continue
        sides = [node.left, *node.comparators]
        texts = [unit.segment(s) for s in sides]
        origins = [_origin(unit, s, scope) for s in sides]
        for rule in rules:
            spec = rule.compare or {}
            operand = re.compile(spec.get("operand-matches", "$^"))
            other = re.compile(spec.get("other-not-matches", "$^"))
            source = re.compile(spec.get("origin-matches", "$^"))
            hit = any(
                (operand.search(t) or source.search(origin))
                and not any(_TRIVIAL.match(o) or other.search(o) for o in texts if o != t)
                for t, origin in zip(texts, origins, strict=True)
            )
            if hit:
                yield _hit(rule.id, unit, node, (("match", unit.segment(node)),))


def _origin(unit: Unit, side: ast.AST, scope: Any) -> str:
    """What a plain name was assigned from (`computed = hmac.new(...)...`), so a comparison
    of well-named locals is judged by where their values came from."""
    if not isinstance(side, ast.Name):
        return ""
    bound = unit.resolver.bindings_of(side.id, scope)
    return "\n".join(unit.segment(v) for v in bound[:4])


def decorators(unit: Unit, rules: list[Rule]) -> Iterator[Hit]:
    """`@csrf_exempt def view(request): ...`, judged with the function it decorates (and,
    when the rule asks, the module around it)."""
    resolver = unit.resolver
    rules = [r for r in rules if _module_allows(unit, r.decorator or {})]
    for node, scope in resolver.decorated:
        for decorator in node.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            names = resolver.qualnames(target, scope)
            last = target.attr if isinstance(target, ast.Attribute) else ""
            for rule in rules:
                spec = rule.decorator or {}
                if not (names & set(spec["decorator"]) or last in spec.get("method", ())):
                    continue
                wanted = spec.get("decorator-matches")
                if wanted and not re.search(wanted, unit.segment(decorator)):
                    continue
                lacks = spec.get("function-lacks")
                if lacks and re.search(lacks, _with_decorators(unit, node)):
                    continue
                yield _hit(rule.id, unit, decorator, (("match", unit.segment(decorator)),))


def _module_allows(unit: Unit, spec: dict[str, Any]) -> bool:
    needed, barred = spec.get("module-matches"), spec.get("module-lacks")
    if needed and not re.search(needed, unit.source):
        return False
    return not (barred and re.search(barred, unit.source))


def handler_returns(unit: Unit, rules: list[Rule]) -> Iterator[Hit]:
    """What request handlers return: `return f"<h1>{q}</h1>"` is the response body."""
    if not rules:
        return
    resolver = unit.resolver
    for node, scope in resolver.return_sites:
        if id(scope.node) not in resolver.handlers or node.value is None:
            continue
        values = resolver.values(node.value, scope)
        for rule in rules:
            spec = rule.returns or {}
            if spec.get("tainted") and not any(is_tainted(v) for v in values):
                continue
            want = spec.get("matches")
            if want and not any(isinstance(v, str) and re.search(want, v) for v in values):
                continue
            yield _hit(rule.id, unit, node.value, (("match", unit.segment(node.value)),))


def _with_decorators(
    unit: Unit, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
) -> str:
    first = min(d.lineno for d in node.decorator_list)
    return "\n".join(unit.lines[first - 1 : node.end_lineno or node.lineno])


def _hit(rule_id: str, unit: Unit, node: ast.AST, values: tuple[tuple[str, str], ...]) -> Hit:
    first: int = getattr(node, "lineno", 1)
    last: int = getattr(node, "end_lineno", None) or first
    line, col = unit.real(first, getattr(node, "col_offset", 0))
    end_line, end_col = unit.real(last, getattr(node, "end_col_offset", None) or 0)
    return Hit(rule_id, line, col, end_line, end_col, values, unit.segment(node))
