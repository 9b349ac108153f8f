"""The SQL matcher: destructive statements found by `analyze.sql`, by kind and shape."""

from __future__ import annotations

from codeguard.analyze.sql import SqlFact
from codeguard.ruleset import Rule


def matches(rule: Rule, fact: SqlFact) -> bool:
    return any(_one(pattern, fact) for pattern in rule.sql)


def _one(pattern: dict[str, object], fact: SqlFact) -> bool:
    kinds = pattern.get("kind", [])
    if isinstance(kinds, list) and fact.kind not in kinds:
        return False
    objects = pattern.get("object")
    if isinstance(objects, list) and fact.object not in objects:
        return False
    wheres = pattern.get("where")
    if isinstance(wheres, list) and fact.where not in wheres:
        return False
    return not ("if-exists" in pattern and fact.if_exists is not pattern["if-exists"])
