"""The secrets stage: credentials in the lines a change adds, in every file type.

Detection is `analyze.secrets` (provider formats, private keys, JWTs, URL and keyword
credentials). A confident match (a provider's format, a key block, a password in a URL)
is CG701 and blocks; a keyword match (`password = "..."`) is CG702, a warning; weak
signals (test fixtures, local hosts) stay notes. Values never leave this module unmasked:
messages name the kind, snippets are masked (see `mask_findings`).
"""

from __future__ import annotations

from collections.abc import Iterator

from codeguard.changes import FileChange
from codeguard.finding import Finding
from codeguard.finding import Position
from codeguard.finding import Severity
from codeguard.stage import Context

CONFIDENT = 0.8
LIKELY = 0.6


def texts(change: FileChange, whole: bool) -> Iterator[tuple[str, list[int]]]:
    """(text, its 1-based line numbers in the file) for what the change shows: the whole
    post-image, or each hunk's new side (a patch scanned without its files)."""
    if change.post_image is not None and (whole or change.wholly_added or not change.hunks):
        numbers = sorted(change.lines)
        yield "\n".join(change.lines[n] for n in numbers) + "\n", numbers
        return
    for hunk in change.hunks:
        side = [line for line in hunk.lines if line.kind != "-"]
        if side:
            yield "\n".join(line.text for line in side) + "\n", [line.new_no for line in side]


def run(ctx: Context) -> Iterator[Finding]:
    confident = ctx.rule("hardcoded-credential")
    likely = ctx.rule("possible-credential")
    if confident is None and likely is None:
        return
    from codeguard.analyze.secrets import find_secrets

    whole = ctx.config.filter in ("file", "all")
    for change in ctx.changes:
        if not change.has_text:
            continue
        for text, numbers in texts(change, whole):
            for secret in find_secrets(text, change.path):
                rule = confident if secret.confidence >= CONFIDENT else likely
                if rule is None:
                    continue
                severity = rule.severity
                if secret.confidence < LIKELY:
                    severity = Severity.NOTE
                line = numbers[secret.line - 1]
                end = numbers[min(secret.end_line, len(numbers)) - 1]
                yield Finding(
                    rule_id=rule.id,
                    name=rule.name,
                    stage=rule.stage,
                    severity=severity,
                    message=rule.render_message(match=secret.description, kind=secret.kind),
                    path=change.path,
                    start=Position(line, secret.column),
                    end=Position(end, secret.end_column),
                    snippet=change.lines.get(line, ""),
                    fingerprint=f"{secret.kind}:{change.lines.get(line, '').strip()}",
                    confidence=secret.confidence,
                )
