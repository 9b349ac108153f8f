"""The Python-call matcher: calls by qualified name, seen through imports and aliases.

One libcst traversal per parsed unit serves every python-call rule. Names come from
libcst's QualifiedNameProvider, plus the dynamic forms it does not resolve:
`__import__("m").f`, `importlib.import_module("m").f` and `getattr(m, "f")`.
"""

from __future__ import annotations

from typing import Any

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import MetadataWrapper
from libcst.metadata import PositionProvider
from libcst.metadata import QualifiedNameProvider

from codeguard.analyze.python import Unit
from codeguard.globs import is_protected
from codeguard.matchers import Hit
from codeguard.ruleset import ArgPredicate
from codeguard.ruleset import Rule

UNKNOWN: Any = object()
_IMPORTERS = frozenset({"builtins.__import__", "importlib.import_module", "importlib.__import__"})


def literal(node: cst.BaseExpression) -> Any:
    """The value of a constant expression, or UNKNOWN."""
    if isinstance(node, cst.SimpleString):
        try:
            return node.evaluated_value
        except Exception:
            return UNKNOWN
    if isinstance(node, cst.ConcatenatedString):
        left, right = literal(node.left), literal(node.right)
        if isinstance(left, str) and isinstance(right, str):
            return left + right
        return UNKNOWN
    if isinstance(node, cst.FormattedString):
        parts = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                parts.append(part.value)
            elif isinstance(part, cst.FormattedStringExpression):
                value = literal(part.expression)
                if value is UNKNOWN:
                    return UNKNOWN
                parts.append(str(value))
            else:
                return UNKNOWN
        return "".join(parts)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        left, right = literal(node.left), literal(node.right)
        if isinstance(left, str) and isinstance(right, str):
            return left + right
        return UNKNOWN
    if isinstance(node, cst.Integer):
        return node.evaluated_value
    if isinstance(node, cst.Float):
        return node.evaluated_value
    if isinstance(node, cst.Name) and node.value in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[node.value]
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        value = literal(node.expression)
        return (
            -value if isinstance(value, (int, float)) and not isinstance(value, bool) else UNKNOWN
        )
    return UNKNOWN


def _argument(call: cst.Call, pred: ArgPredicate) -> cst.Arg | None:
    if pred.keyword is not None:
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == pred.keyword:
                return arg
    if pred.position is not None:
        positional = []
        for arg in call.args:
            if arg.keyword is not None or arg.star:
                break
            positional.append(arg)
        if pred.position < len(positional):
            return positional[pred.position]
    return None


def _same(a: object, b: object) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return a == b


def _holds(call: cst.Call, pred: ArgPredicate, protected: tuple[str, ...]) -> bool:
    arg = _argument(call, pred)
    if pred.is_ == "missing":
        return arg is None and not any(a.star for a in call.args)
    if arg is None:
        return False
    value = literal(arg.value)
    checks = {
        "present": True,
        "literal": value is not UNKNOWN,
        "non-literal": value is UNKNOWN,
        "protected-path": isinstance(value, str) and is_protected(value, protected),
        None: True,
    }
    if not checks[pred.is_]:
        return False
    if pred.has_equals and (value is UNKNOWN or not _same(value, pred.equals)):
        return False
    return not (
        pred.matches is not None and (not isinstance(value, str) or not pred.matches.search(value))
    )


class _Visitor(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (QualifiedNameProvider,)

    def __init__(self, index: dict[str, list[Rule]]):
        super().__init__()
        self.index = index
        self.calls: list[tuple[Rule, cst.Call, str]] = []
        self.star_modules: list[str] = []

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        # libcst leaves names from `from m import *` unresolved
        if isinstance(node.names, cst.ImportStar) and node.module is not None and not node.relative:
            module = get_full_name_for_node(node.module)
            if module:
                self.star_modules.append(module)

    def _names(self, node: cst.BaseExpression) -> set[str]:
        """Qualified names an expression may refer to."""
        if isinstance(node, cst.Call):
            inner = self._names(node.func)
            if inner & _IMPORTERS and node.args:
                module = literal(node.args[0].value)
                return {module} if isinstance(module, str) else set()
            if "builtins.getattr" in inner and len(node.args) >= 2:
                attr = literal(node.args[1].value)
                if isinstance(attr, str):
                    return {f"{base}.{attr}" for base in self._names(node.args[0].value)}
            return set()
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Call):
            # libcst names `__import__("m").f` after the inner call; resolve it ourselves
            return {f"{base}.{node.attr.value}" for base in self._names(node.value)}
        names = {q.name for q in self.get_metadata(QualifiedNameProvider, node, set())}
        if not names:
            dotted = get_full_name_for_node(node)
            if dotted and "(" not in dotted:
                names = {dotted, *(f"{m}.{dotted}" for m in self.star_modules)}
        return names

    def visit_Call(self, node: cst.Call) -> None:
        for name in self._names(node.func):
            self.calls.extend((rule, node, name) for rule in self.index.get(name, ()))


def find(units: list[Unit], rules: list[Rule], protected: tuple[str, ...]) -> list[Hit]:
    index: dict[str, list[Rule]] = {}
    for rule in rules:
        for callee in rule.callees:
            index.setdefault(callee, []).append(rule)
    hits: list[Hit] = []
    for unit in units:
        wrapper = MetadataWrapper(unit.module, unsafe_skip_copy=True)
        visitor = _Visitor(index)
        wrapper.visit(visitor)
        if not visitor.calls:
            continue
        positions = wrapper.resolve(PositionProvider)
        for rule, call, name in visitor.calls:
            if not all(_holds(call, p, protected) for p in rule.args):
                continue
            if any(_holds(call, p, protected) for p in rule.unless):
                continue
            where = positions[call]
            line, col = unit.real(where.start.line, where.start.column)
            end_line, end_col = unit.real(where.end.line, where.end.column)
            if line <= 0:
                continue  # inside the synthetic import preamble of a fragment
            first = literal(call.args[0].value) if call.args else UNKNOWN
            values = (("callee", name), ("arg", repr(first) if first is not UNKNOWN else "…"))
            text = unit.module.code_for_node(call)
            hits.append(Hit(rule.id, line, col, end_line, end_col, values, text))
    return hits
