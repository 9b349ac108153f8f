"""GitHub Actions workflow commands: one escaped annotation per finding.

Anything else printed (the readable report) sits between `::stop-commands::<nonce>` and
`::<nonce>::`, so a hostile line in a diff cannot issue workflow commands.
"""

from __future__ import annotations

import os

from codeguard.changes import COMMAND_PATH
from codeguard.finding import Finding
from codeguard.finding import Report
from codeguard.finding import RunMeta
from codeguard.report import text
from codeguard.report.common import safe

_COMMAND = {"error": "error", "warning": "warning", "note": "notice"}


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def _annotation(f: Finding) -> str:
    props = []
    if f.path != COMMAND_PATH:
        props.append(f"file={escape_property(f.path)}")
        props.append(f"line={f.start.line}")
        props.append(f"col={f.start.column}")
        if f.end is not None and f.end.line >= f.start.line:
            props.append(f"endLine={f.end.line}")
            if f.end.line == f.start.line:
                props.append(f"endColumn={f.end.column}")
    props.append(f"title={escape_property(f'{f.rule_id} {f.name}')}")
    kind = _COMMAND[f.severity.label] if not f.blocking else "error"
    return f"::{kind} {','.join(props)}::{escape_data(safe(f.message))}"


def render(report: Report, meta: RunMeta) -> str:
    nonce = meta.nonce or os.urandom(16).hex()  # (`secrets` would import `random`: 15 ms)
    lines = [_annotation(f) for f in report.findings if not f.suppressed]
    title = escape_property("codeguard stage failed")
    for failure in report.failures:
        message = escape_data(safe(f"{failure.stage}: {failure.message}"))
        lines.append(f"::error title={title}::{message}")
    lines.append(f"::stop-commands::{nonce}")
    lines.append(text.render(report, RunMeta(meta.version, meta.time)).rstrip("\n"))
    lines.append(f"::{nonce}::")
    return "\n".join(lines) + "\n"
