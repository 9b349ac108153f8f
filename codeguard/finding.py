"""The one data type every stage produces and every renderer consumes."""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from dataclasses import field


class Severity(enum.IntEnum):
    """Ordered, so that `fail-on` is a plain `>=` comparison."""

    NOTE = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (note, warning, error)") from None


@dataclass(frozen=True, slots=True, order=True)
class Position:
    """1-based line and column, as SARIF and reviewdog count them."""

    line: int
    column: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """One thing a stage found. `end` is exclusive."""

    rule_id: str
    name: str
    stage: str
    severity: Severity
    message: str
    path: str
    start: Position
    end: Position | None = None
    snippet: str = ""
    fingerprint: str = ""
    blocking: bool = False
    suppressed: bool = False
    suppression_reason: str = ""
    confidence: float | None = None
    # on an unchanged line, but the change deleted the check that kept it safe
    exposed: bool = False

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.start.line, self.start.column, self.rule_id)


def fingerprint(rule_id: str, path: str, matched: str, occurrence: int = 0) -> str:
    """A content-based id: stable when lines move, distinct for repeated matches."""
    normal = " ".join(matched.split())
    data = "\x1f".join((rule_id, path, normal, str(occurrence)))
    return hashlib.sha256(data.encode("utf-8", "surrogatepass")).hexdigest()[:20]


@dataclass(frozen=True, slots=True)
class StageFailure:
    """A stage that could not finish; reported as data, never swallowed."""

    stage: str
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleMeta:
    """What a report needs to describe a rule (SARIF `tool.driver.rules`)."""

    id: str
    name: str
    severity: Severity
    short: str
    description: str = ""
    help_uri: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """The outcome of one run: findings (sorted), failures and the verdict."""

    verdict: str
    findings: tuple[Finding, ...]
    failures: tuple[StageFailure, ...] = ()
    rules: dict[str, RuleMeta] = field(default_factory=dict)
    timings_ms: dict[str, float] = field(default_factory=dict)
    notices: tuple[str, ...] = ()
    run_id: str = ""
    # LLM calls: the exact (masked) messages, the answers, tokens, latency
    traces: tuple[dict[str, object], ...] = ()

    @property
    def active(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.suppressed)

    @property
    def blocking(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.blocking)


@dataclass(frozen=True, slots=True)
class RunMeta:
    """What renderers print besides the report; injected so output is testable."""

    version: str
    time: str
    color: bool = False
    nonce: str = ""
    source: str = ""
    trace: bool = False
