"""`--format json`: the versioned `codeguard.report/1` document (schema in schema/)."""

from __future__ import annotations

import json
from typing import Any

from codeguard.finding import Finding
from codeguard.finding import Report
from codeguard.finding import RunMeta

SCHEMA_ID = "codeguard.report/1"


def _finding(f: Finding) -> dict[str, Any]:
    return {
        "rule_id": f.rule_id,
        "name": f.name,
        "stage": f.stage,
        "severity": f.severity.label,
        "blocking": f.blocking,
        "message": f.message,
        "path": f.path,
        "start": {"line": f.start.line, "column": f.start.column},
        "end": {"line": f.end.line, "column": f.end.column} if f.end else None,
        "snippet": f.snippet,
        "fingerprint": f.fingerprint,
        "suppressed": f.suppressed,
        "confidence": f.confidence,
    }


def as_dict(report: Report, meta: RunMeta) -> dict[str, Any]:
    out = {
        "schema": SCHEMA_ID,
        "tool": {"name": "codeguard", "version": meta.version},
        "verdict": report.verdict,
        "run_id": report.run_id,
        "findings": [_finding(f) for f in report.findings],
        "failures": [{"stage": x.stage, "message": x.message} for x in report.failures],
        "timings_ms": dict(report.timings_ms),
    }
    if meta.trace:
        out["llm_traces"] = list(report.traces)
    return out


def render(report: Report, meta: RunMeta) -> str:
    return json.dumps(as_dict(report, meta), indent=2, ensure_ascii=False) + "\n"
