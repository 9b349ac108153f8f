"""Run the stages, then decide once: filter to the change, select, suppress, verdict."""

from __future__ import annotations

import dataclasses
import os
import time
from collections import Counter

from codeguard import suppress
from codeguard.changes import ChangeSet
from codeguard.changes import FileChange
from codeguard.config import Config
from codeguard.finding import Finding
from codeguard.finding import Report
from codeguard.finding import RuleMeta
from codeguard.finding import Severity
from codeguard.finding import StageFailure
from codeguard.finding import fingerprint
from codeguard.globs import match_path
from codeguard.redact import redact
from codeguard.ruleset import Rule
from codeguard.ruleset import is_enabled
from codeguard.stage import Context
from codeguard.stage import LLMAccess
from codeguard.stage import Stage

# Stages whose failure the configuration may downgrade to a warning (`on-error`).
SOFT_FAIL = {"llm"}


def in_change(finding: Finding, change: FileChange | None, mode: str) -> bool:
    """Whether a finding touches the change under a `filter` mode."""
    if mode == "all" or change is None or finding.exposed:
        return True
    if mode == "file":
        return True
    lines = change.added_lines if mode == "added" else change.context_lines
    last = finding.end.line if finding.end is not None else finding.start.line
    if finding.end is not None and finding.end.column == 1 and last > finding.start.line:
        last -= 1  # an exclusive end at column 1 does not touch its line
    return any(n in lines for n in range(finding.start.line, max(last, finding.start.line) + 1))


def _kept(config: Config, finding: Finding) -> bool:
    if not is_enabled(config.select, config.ignore, finding.rule_id, finding.name):
        return False
    for glob, ids in config.per_file_ignores:
        if match_path(finding.path, glob) and not is_enabled(
            (), ids, finding.rule_id, finding.name
        ):
            return False
    return True


def _severity(config: Config, finding: Finding) -> Finding:
    for key, severity in config.severity:
        if key in (finding.rule_id, finding.name):
            return dataclasses.replace(finding, severity=severity)
    return finding


def _fingerprinted(findings: list[Finding]) -> list[Finding]:
    seen: Counter[tuple[str, str, str]] = Counter()
    out = []
    for f in findings:
        matched = f.fingerprint or f.snippet
        key = (f.rule_id, f.path, " ".join(matched.split()))
        out.append(
            dataclasses.replace(f, fingerprint=fingerprint(f.rule_id, f.path, matched, seen[key]))
        )
        seen[key] += 1
    return out


def verdict(findings: list[Finding], failures: list[StageFailure], soft: set[str]) -> str:
    if any(f.blocking for f in findings):
        return "block"
    if any(fail.stage not in soft for fail in failures):
        return "error"
    if failures or any(not f.suppressed for f in findings):
        return "warn"
    return "pass"


def run(
    config: Config,
    changes: ChangeSet,
    rules: list[Rule],
    stages: dict[str, Stage],
    *,
    run_id: str | None = None,
    baseline: frozenset[str] = frozenset(),
    llm: LLMAccess | None = None,
) -> Report:
    enabled = [
        r for r in rules if r.status != "removed" and (r.status != "preview" or config.preview)
    ]
    active = [r for r in enabled if is_enabled(config.select, config.ignore, r.id, r.name)]
    ctx = Context(config=config, changes=changes, rules=active, llm=llm or LLMAccess())
    raw: list[Finding] = []
    failures: list[StageFailure] = []
    timings: dict[str, float] = {}
    for name, stage in stages.items():
        starter = getattr(stage, "start", None)
        if name in config.stages and starter is not None:
            try:
                starter(ctx)
            except Exception as exc:
                failures.append(StageFailure(name, f"{type(exc).__name__}: {exc}".strip()))
    for name, stage in stages.items():
        if name not in config.stages or any(f.stage == name for f in failures):
            continue
        started = time.perf_counter()
        try:
            # one by one: a stage that fails part way keeps the findings it made
            for finding in stage.run(ctx):
                raw.append(finding)
        except Exception as exc:
            failures.append(StageFailure(name, f"{type(exc).__name__}: {exc}".strip()))
        timings[name] = round((time.perf_counter() - started) * 1000, 3)

    by_path = {c.path: c for c in changes}
    kept = [
        _severity(config, f)
        for f in raw
        if in_change(f, by_path.get(f.path), config.filter) and _kept(config, f)
    ]
    kept = suppress.apply(
        kept, by_path, ctx.rule("suppression-without-reason"), ctx.rule("unreviewed-suppression")
    )
    decided = []
    for f in kept:
        if f.stage == "pipeline":
            if not _kept(config, f):
                continue
            f = _severity(config, f)
        decided.append(f)
    findings = []
    for f in _fingerprinted(redact(decided, changes)):
        if not f.suppressed and f.fingerprint in baseline:
            f = dataclasses.replace(f, suppressed=True, suppression_reason="in the baseline")
        findings.append(
            dataclasses.replace(f, blocking=not f.suppressed and f.severity >= config.fail_on)
        )
    findings.sort(key=lambda f: f.sort_key)
    soft = {"llm"} if config.llm.on_error == "warn" else set()
    metas: dict[str, RuleMeta] = {r.id: r.meta for r in enabled}
    for stage in stages.values():
        metas.update(getattr(stage, "RULES", {}))
    fired = {f.rule_id: metas.get(f.rule_id) or _unknown_meta(f) for f in findings}
    return Report(
        verdict=verdict(findings, failures, soft & SOFT_FAIL),
        findings=tuple(findings),
        failures=tuple(failures),
        rules=fired,
        timings_ms=timings,
        notices=tuple(
            dict.fromkeys([*changes.notices, *(n for c in changes for n in c.notes), *ctx.notices])
        ),
        run_id=run_id or os.urandom(16).hex(),
        traces=tuple(ctx.traces),
    )


def _unknown_meta(f: Finding) -> RuleMeta:
    return RuleMeta(id=f.rule_id, name=f.name, severity=Severity.WARNING, short=f.message)
