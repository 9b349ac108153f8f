"""Inline suppressions: `# codeguard: ignore[CG101] reason` (an id is required, and a reason).

The code under review is AI-written and may add its own suppressions, so one added by
the change itself cannot silence an `error`: it is reported for a human to review.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from codeguard.changes import FileChange
from codeguard.finding import Finding
from codeguard.finding import Position
from codeguard.finding import Severity
from codeguard.ruleset import Rule

_DIRECTIVE = re.compile(r"codeguard:\s*ignore\[([^\]]*)\]([^\n]*)")
_COMMENT_ONLY = re.compile(r"^\s*(#|--|//|;|/\*|\*|REM\b)")


@dataclass(frozen=True, slots=True)
class Suppression:
    line: int
    column: int
    ids: tuple[str, ...]
    reason: str


def parse_line(number: int, text: str) -> Suppression | None:
    m = _DIRECTIVE.search(text)
    if m is None:
        return None
    ids = tuple(i.strip() for i in m.group(1).split(",") if i.strip())
    reason = m.group(2).strip(" \t:-—–*/").strip()
    if not re.search(r"\w", reason):
        reason = ""
    return Suppression(number, m.start() + 1, ids, reason)


def _for(finding: Finding, change: FileChange) -> Suppression | None:
    """The directive on the finding's line, or on a comment-only line just above it."""
    own = parse_line(finding.start.line, change.lines.get(finding.start.line, ""))
    if own is not None and (finding.rule_id in own.ids or finding.name in own.ids):
        return own
    above = change.lines.get(finding.start.line - 1, "")
    if _COMMENT_ONLY.match(above):
        prev = parse_line(finding.start.line - 1, above)
        if prev is not None and (finding.rule_id in prev.ids or finding.name in prev.ids):
            return prev
    return None


def _extra(rule: Rule, change: FileChange, s: Suppression, target: Finding) -> Finding:
    return Finding(
        rule_id=rule.id,
        name=rule.name,
        stage=rule.stage,
        severity=rule.severity,
        message=rule.render_message(match=target.rule_id),
        path=change.path,
        start=Position(s.line, s.column),
        snippet=change.lines.get(s.line, ""),
        fingerprint=f"{target.rule_id}:{change.lines.get(s.line, '')}",
    )


def apply(
    findings: list[Finding],
    changes: dict[str, FileChange],
    no_reason: Rule | None,
    unreviewed: Rule | None,
) -> list[Finding]:
    """Mark suppressed findings; report suppressions that may not silence what they name."""
    out: list[Finding] = []
    extra: dict[tuple[str, int, str], Finding] = {}
    for finding in findings:
        change = changes.get(finding.path)
        s = _for(finding, change) if change is not None else None
        if s is None or change is None:
            out.append(finding)
            continue
        if not s.reason:
            if no_reason is not None:
                extra[(finding.path, s.line, no_reason.id)] = _extra(no_reason, change, s, finding)
            out.append(finding)
        elif s.line in change.added_lines and finding.severity >= Severity.ERROR:
            if unreviewed is not None:
                extra[(finding.path, s.line, unreviewed.id)] = _extra(
                    unreviewed, change, s, finding
                )
            out.append(finding)
        else:
            out.append(dataclasses.replace(finding, suppressed=True, suppression_reason=s.reason))
    return out + list(extra.values())
