"""Run every loaded rule over a ChangeSet in one pass per file and matcher kind."""

from __future__ import annotations

import re
from collections.abc import Iterable

from codeguard.analyze import is_python
from codeguard.changes import FileChange
from codeguard.finding import Finding
from codeguard.finding import Position
from codeguard.globs import match_any
from codeguard.matchers import Hit
from codeguard.matchers import regex
from codeguard.ruleset import Rule
from codeguard.stage import Context

# Words without which no python-call rule can match a file: a callee's last segment must
# appear in the text unless the name is built at run time, which needs one of these.
# Files with none of them skip libcst entirely.
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


def trigger(rules: list[Rule]) -> re.Pattern[str] | None:
    words = {c.rsplit(".", 1)[-1] for r in rules for c in r.callees}
    if not words:
        return None
    ordered = sorted(words | DYNAMIC_WORDS, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(map(re.escape, ordered)) + r")\b")


def _applies(rule: Rule, change: FileChange) -> bool:
    if rule.files and not match_any(change.path, rule.files):
        return False
    return not (rule.exclude and match_any(change.path, rule.exclude))


def wanted_lines(change: FileChange, mode: str) -> Iterable[int]:
    """The lines a text rule needs to look at under a `filter` mode."""
    if mode == "added":
        return sorted(change.added_lines)
    if mode == "diff-context":
        return sorted(change.context_lines)
    return sorted(change.lines)


def run_rules(ctx: Context) -> list[Finding]:
    by_id = {r.id: r for r in ctx.rules}
    text_rules = [r for r in ctx.rules if r.kind == "regex"]
    call_rules = [r for r in ctx.rules if r.kind == "python-call"]
    words = trigger(call_rules)
    findings: list[Finding] = []
    for change in ctx.changes:
        if not change.has_text:
            continue
        hits: list[Hit] = []
        regexes = [r for r in text_rules if _applies(r, change)]
        if regexes:
            hits.extend(regex.find(regexes, change.lines, wanted_lines(change, ctx.config.filter)))
        calls = [r for r in call_rules if _applies(r, change)]
        if calls and words is not None and is_python(change):
            text = "\n".join(change.lines.values())
            if words.search(text):
                from codeguard.matchers import python_call

                units = ctx.python(change).units
                hits.extend(python_call.find(units, calls, ctx.config.protected_paths))
        findings.extend(_finding(by_id[h.rule_id], change, h) for h in hits)
    return findings


def _finding(rule: Rule, change: FileChange, hit: Hit) -> Finding:
    values = dict(hit.values)
    values.setdefault("path", change.path)
    return Finding(
        rule_id=rule.id,
        name=rule.name,
        stage=rule.stage,
        severity=rule.severity,
        message=rule.render_message(**values),
        path=change.path,
        start=Position(hit.line, hit.column),
        end=Position(hit.end_line, hit.end_column),
        snippet=change.lines.get(hit.line, ""),
        fingerprint=hit.text,  # the matched text; the pipeline turns it into a hash
    )
