"""Pure renderers `render(report, meta) -> str`, one per output format."""

from __future__ import annotations

from collections.abc import Callable

from codeguard.finding import Report
from codeguard.finding import RunMeta
from codeguard.report import github
from codeguard.report import json_report
from codeguard.report import markdown
from codeguard.report import sarif
from codeguard.report import text

Render = Callable[[Report, RunMeta], str]

FORMATTERS: dict[str, Render] = {
    "text": text.render,
    "json": json_report.render,
    "sarif": sarif.render,
    "github": github.render,
    "markdown": markdown.render,
}
