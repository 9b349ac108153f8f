"""The destructive stage: rules that block operations destroying data or history."""

from __future__ import annotations

from collections.abc import Iterable

from codeguard.finding import Finding
from codeguard.stage import Context


def run(ctx: Context) -> Iterable[Finding]:
    return ctx.rule_findings("destructive")
