"""Markdown for job summaries and PR comments; every piece of input text is escaped."""

from __future__ import annotations

import html
import re

from codeguard.finding import Report
from codeguard.finding import RunMeta
from codeguard.report.common import safe
from codeguard.report.common import summary

_ICON = {"block": "🛑", "error": "⚠️", "warn": "🟡", "pass": "✅"}
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>])")


def escape(text: str) -> str:
    """Inline text that renders as itself: no markup, no HTML, no @mentions or #refs."""
    text = safe(text).replace("\n", " ").replace("\r", " ")
    text = html.escape(text, quote=False)
    text = _MD_SPECIAL.sub(r"\\\1", text)
    # A zero-width joiner keeps GitHub from notifying users or linking issues.
    return text.replace("@", "@\u2060").replace("&#", "&\u2060#")


def code(text: str) -> str:
    """An inline code span that input cannot break out of."""
    text = safe(text).replace("\n", " ").replace("|", "\u2502")
    fence = "`"
    while fence in text:
        fence += "`"
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def render(report: Report, meta: RunMeta) -> str:
    lines = [f"### {_ICON.get(report.verdict, '')} codeguard: {report.verdict}", ""]
    lines.append(escape(summary(report).removeprefix("codeguard: ")))
    lines.append("")
    if report.findings:
        lines += ["| | rule | location | message |", "| --- | --- | --- | --- |"]
        for f in report.findings:
            mark = (
                "🛑"
                if f.blocking
                else ("🔇" if f.suppressed else "⚠️" if f.severity.label == "warning" else "ℹ️")
            )
            where = code(f"{f.path}:{f.start.line}")
            msg = escape(f.message)
            if f.suppressed:
                msg += f" (suppressed: {escape(f.suppression_reason)})"
            lines.append(f"| {mark} | {code(f.rule_id)} {escape(f.name)} | {where} | {msg} |")
        lines.append("")
    for failure in report.failures:
        lines.append(f"- ⚠️ stage {code(failure.stage)} failed: {escape(failure.message)}")
    if report.failures:
        lines.append("")
    lines.append(f"<sub>codeguard {escape(meta.version)} · run {code(report.run_id)}</sub>")
    return "\n".join(lines) + "\n"
