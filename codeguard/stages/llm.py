"""The llm stage: an LLM reviewer against a written policy (see codeguard.llm).

Off unless a model is configured and an API key is in the environment, or `--llm`
demands it; skipped otherwise with a one-line notice. It starts in `start` so its calls
overlap the deterministic stages, and its findings only ever add to theirs. A chunk that
cannot be reviewed fails the stage (handled by `llm.on-error`), never passes silently.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

from codeguard.errors import StageError
from codeguard.finding import Finding
from codeguard.finding import Position
from codeguard.finding import RuleMeta
from codeguard.finding import Severity
from codeguard.stage import Context

if TYPE_CHECKING:
    from codeguard.llm.review import Outcome

RULE_ID = "CG900"
NAME = "llm-review"
RULES = {
    RULE_ID: RuleMeta(
        id=RULE_ID,
        name=NAME,
        severity=Severity.ERROR,
        short="the LLM reviewer found a problem the policy names",
        description=(
            "## What it does\nReports what the LLM reviewer found against the written policy"
            " (`llm.policy`, or codeguard's default): destructive intent, data loss by logic,"
            " security, disabled safeguards, weakened tests, text aimed at the reviewer.\n\n"
            "## Why is this bad?\nSee the finding's category and message.\n\n"
            "## Instead\nFix the change, or label a wrong call with `codeguard feedback`."
        ),
    )
}
_JOB = "llm.job"


class _Job(threading.Thread):
    def __init__(self, ctx: Context) -> None:
        super().__init__(name="codeguard-llm-review", daemon=True)
        self.ctx = ctx
        self.outcome: Outcome | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        from codeguard.llm.review import review

        try:
            self.outcome = review(
                self.ctx.changes,
                self.ctx.config.llm,
                self.ctx.llm.api_key,
                self.ctx.llm.cache_dir,
                self.ctx.llm.description,
            )
        except BaseException as exc:
            self.error = exc


def skip_reason(ctx: Context) -> str | None:
    """Why the stage does not run, or None when it does (StageError when it must but
    cannot)."""
    cfg = ctx.config.llm
    if ctx.llm.required:
        if not cfg.model:
            raise StageError("--llm: no model configured (set llm.model in .codeguard.toml)")
        return None
    if not cfg.model:
        return "no model configured (llm.model)"
    if not ctx.llm.api_key:
        return "no API key (set CODEGUARD_LLM_API_KEY or OPENAI_API_KEY, or pass --llm)"
    return None


def start(ctx: Context) -> None:
    reason = skip_reason(ctx)
    if reason is not None:
        # nothing configured is the default, not news: say it only to someone who set
        # a model up and is missing the key (every run printing it would be noise)
        if ctx.config.llm.model:
            ctx.notices.append(f"llm: skipped: {reason}")
        return
    job = _Job(ctx)
    ctx.shared[_JOB] = job
    job.start()


def run(ctx: Context) -> Iterator[Finding]:
    job = ctx.shared.get(_JOB)
    if not isinstance(job, _Job):
        return
    job.join()
    if job.error is not None:
        if isinstance(job.error, Exception):
            name = type(job.error).__name__
            text = str(job.error)
            raise StageError(text if name in ("LLMFailure", "ConfigError") else f"{name}: {text}")
        raise job.error
    outcome = job.outcome
    assert outcome is not None  # noqa: S101 - set when no error
    ctx.traces.extend(outcome.traces)
    yield from _findings(ctx, outcome)
    if outcome.failures:
        first = outcome.failures[0]
        more = len(outcome.failures) - 1
        raise StageError(
            f"{len(outcome.failures)} of {outcome.chunks} chunk(s) not reviewed: {first}"
            + (f" (and {more} more)" if more else "")
        )


def _findings(ctx: Context, outcome: Outcome) -> Iterator[Finding]:
    from codeguard.llm.answer import category
    from codeguard.llm.answer import clean_text

    cfg = ctx.config.llm
    ctx.notices.extend(outcome.notes)
    by_path = {c.path: c for c in ctx.changes}
    rank = {"error": 2, "warning": 1, "note": 0}
    ordered = sorted(outcome.found, key=lambda p: (-rank[p[0].raw.severity], -p[0].raw.confidence))
    confident = [p for p in ordered if p[0].raw.confidence >= cfg.min_confidence]
    if len(confident) < len(ordered):
        ctx.notices.append(
            f"llm: {len(ordered) - len(confident)} finding(s) below confidence"
            f" {cfg.min_confidence:g} not reported"
        )
    if len(confident) > cfg.max_findings:
        ctx.notices.append(
            f"llm: {len(confident) - cfg.max_findings} more finding(s) over llm.max-findings"
            f" ({cfg.max_findings}) not reported"
        )
    for placed, _chunk in confident[: cfg.max_findings]:
        raw = placed.raw
        severity = Severity.parse(raw.severity)
        if severity is Severity.ERROR and not cfg.can_block:
            severity = Severity.WARNING
        kind = category(raw.category)
        change = by_path.get(raw.path)
        snippet = change.lines.get(raw.line, "") if change is not None else ""
        last = change.lines.get(placed.end_line, "") if change is not None else ""
        yield Finding(
            rule_id=RULE_ID,
            name=NAME,
            stage="llm",
            severity=severity,
            message=f"{clean_text(raw.message)} [{kind}; LLM confidence {raw.confidence:.2f}]",
            path=raw.path,
            start=Position(raw.line, 1),
            end=Position(placed.end_line, len(last) + 1),
            snippet=snippet,
            fingerprint=f"{kind} {snippet}",
            confidence=raw.confidence,
            exposed=placed.at_deletion,
        )
