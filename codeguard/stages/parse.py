"""The parse stage: changed Python that does not parse (CG001), as a finding of its own."""

from __future__ import annotations

from collections.abc import Iterator

from codeguard.analyze import is_python
from codeguard.finding import Finding
from codeguard.finding import Position
from codeguard.stage import Context


def run(ctx: Context) -> Iterator[Finding]:
    rule = ctx.rule("python-syntax-error")
    if rule is None:
        return
    for change in ctx.changes:
        if not change.has_text or change.post_image is None or not is_python(change):
            continue
        problem = ctx.python(change).syntax_error
        if problem is None:
            continue
        yield Finding(
            rule_id=rule.id,
            name=rule.name,
            stage=rule.stage,
            severity=rule.severity,
            message=rule.render_message(match=problem.message),
            path=change.path,
            start=Position(problem.line, problem.column),
            snippet=change.lines.get(problem.line, ""),
        )
