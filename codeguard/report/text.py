"""Human-readable text: `path:line:col ID [name] message`, the line, a caret, a summary."""

from __future__ import annotations

from codeguard.finding import Finding
from codeguard.finding import Report
from codeguard.finding import RunMeta
from codeguard.report.common import safe
from codeguard.report.common import summary

_STYLE = {"error": "bold red", "warning": "yellow", "note": "cyan"}
_VERDICT_STYLE = {"block": "bold red", "error": "bold red", "warn": "yellow", "pass": "green"}


def _caret(f: Finding) -> tuple[str, str]:
    line = f.snippet.expandtabs(1)
    start = max(f.start.column - 1, 0)
    if f.end is not None and f.end.line == f.start.line and f.end.column > f.start.column:
        width = f.end.column - f.start.column
    else:
        width = max(len(line.rstrip()) - start, 1)
    return safe(line), " " * min(start, len(line)) + "^" * max(min(width, 200), 1)


def _lines(report: Report) -> list[tuple[str, str]]:
    """(text, style) pairs; styles are applied only when colour is on."""
    out: list[tuple[str, str]] = []
    for f in report.findings:
        flag = " (suppressed: " + safe(f.suppression_reason) + ")" if f.suppressed else ""
        where = f"{safe(f.path)}:{f.start.line}:{f.start.column}"
        head = f"{where} {f.rule_id} [{f.name}] {safe(f.message)}{flag}"
        out.append((head, "dim" if f.suppressed else _STYLE[f.severity.label]))
        if f.snippet:
            source, caret = _caret(f)
            gutter = f"{f.start.line:>5} | "
            out.append((gutter + source, ""))
            out.append(
                (
                    " " * (len(gutter) - 2) + "| " + caret,
                    "dim" if f.suppressed else _STYLE[f.severity.label],
                )
            )
    for failure in report.failures:
        out.append((f"stage {failure.stage} failed: {safe(failure.message)}", "bold red"))
    out.append((summary(report), _VERDICT_STYLE.get(report.verdict, "")))
    if report.blocking:
        first = report.blocking[0].rule_id
        out.append(
            (
                f"codeguard: if one is really intended, add `# codeguard: ignore[{first}] <why>`"
                f" on its line (a person must: a change cannot silence its own errors);"
                f" `codeguard rules show {first}` explains the rule",
                "dim",
            )
        )
    return out


def render(report: Report, meta: RunMeta) -> str:
    lines = _lines(report)
    if not meta.color:
        return "\n".join(text for text, _ in lines) + "\n"
    from rich.console import Console  # only on a terminal: 30 ms nobody else should pay
    from rich.text import Text

    console = Console(force_terminal=True, color_system="standard", width=10_000, highlight=False)
    with console.capture() as capture:
        for text, style in lines:
            console.print(Text(text, style=style or ""), soft_wrap=True)
    return capture.get()
