"""CG801 reviewer-directed text and CG802 invisible Unicode, on the lines a change adds.

Part of the security stage: both are attacks on review (by a model or a person), and
both run whether or not an LLM is configured. The LLM view neutralises the same spans
(`codeguard.llm.view`), so what is reported here is exactly what the model never reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from codeguard.analyze.steering import Span
from codeguard.analyze.steering import invisible
from codeguard.analyze.steering import steering
from codeguard.changes import FileChange
from codeguard.finding import Finding
from codeguard.finding import Position
from codeguard.finding import Severity
from codeguard.ruleset import Rule
from codeguard.stage import Context

# Characters that reorder or hide text block; a stray joiner or mark is a warning.
_SEVERE = {"tag", "bidi", "control"}
# In a command a person approves in a terminal: a carriage return or an escape sequence
# can overwrite or hide what the shell will run (`rm -rf ~\rls` shows as `ls`)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _terminal_controls(line: str) -> list[Span]:
    return [
        Span(m.start(), m.end(), "control", f"the control character U+{ord(m.group()):04X}")
        for m in _CONTROL.finditer(line)
    ]


def _runs(change: FileChange, whole: bool) -> Iterator[list[int]]:
    """Consecutive line numbers to read together (an instruction can span lines)."""
    wanted = sorted(change.lines if whole else change.added_lines & change.lines.keys())
    run: list[int] = []
    for n in wanted:
        if run and n != run[-1] + 1:
            yield run
            run = []
        run.append(n)
    if run:
        yield run


def findings(ctx: Context) -> Iterator[Finding]:
    directed = ctx.rule("reviewer-directed-text")
    hidden = ctx.rule("invisible-unicode")
    if directed is None and hidden is None:
        return
    whole = ctx.config.filter in ("file", "all")
    for change in ctx.changes:
        if not change.has_text:
            continue
        for run in _runs(change, whole or change.is_command):
            lines = [change.lines[n] for n in run]
            if hidden is not None:
                for n, line in zip(run, lines, strict=True):
                    spans = list(invisible(line, first_line=n == 1))
                    if change.is_command:
                        spans += _terminal_controls(line)
                    for span in spans:
                        severity = hidden.severity if span.kind in _SEVERE else Severity.WARNING
                        yield _finding(
                            hidden, change, n, span.start, span.end, span.detail, severity
                        )
            # a command is read by the person approving it, not by the LLM reviewer: what
            # hides its text matters there, what addresses a reviewer does not
            if directed is not None and not change.is_command:
                for index, span in steering(lines):
                    n = run[index]
                    yield _finding(directed, change, n, span.start, span.end, span.detail, None)


def _finding(
    rule: Rule,
    change: FileChange,
    line: int,
    start: int,
    end: int,
    detail: str,
    severity: Severity | None,
) -> Finding:
    text = change.lines[line]
    return Finding(
        rule_id=rule.id,
        name=rule.name,
        stage=rule.stage,
        severity=min(severity, rule.severity) if severity is not None else rule.severity,
        message=rule.message.replace("{match}", detail),
        path=change.path,
        start=Position(line, start + 1),
        end=Position(line, end + 1),
        snippet=text,
        fingerprint=f"{detail} {text[start:end]}",
    )
