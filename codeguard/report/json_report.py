"""`--format json`: the versioned `codeguard.report/1` document (schema in schema/)."""

from __future__ import annotations

import json
from pathlib import Path
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


def load_report(path: Path) -> tuple[Report, RunMeta, object]:
    """A JSON report read back (for `codeguard publish`): validated against the shipped
    schema, findings rebuilt; returns (report, meta, its `pull_request` entry or None)."""
    from importlib import resources

    from jsonschema import Draft202012Validator

    from codeguard.errors import InputError
    from codeguard.finding import Position
    from codeguard.finding import Severity
    from codeguard.finding import StageFailure

    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable JSON report: {exc}") from None
    schema = json.loads(
        resources.files("codeguard.schema").joinpath("report.schema.json").read_text()
    )
    error = next(iter(Draft202012Validator(schema).iter_errors(doc)), None)
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "the top level"
        raise InputError(f"{path}: not a codeguard report ({where}: {error.message[:200]})")
    findings = []
    for f in doc["findings"]:
        end = f.get("end")
        findings.append(
            Finding(
                rule_id=f["rule_id"],
                name=f["name"],
                stage=f["stage"],
                severity=Severity.parse(f["severity"]),
                message=f["message"],
                path=f["path"],
                start=Position(f["start"]["line"], f["start"]["column"]),
                end=Position(end["line"], end["column"]) if end else None,
                snippet=f.get("snippet", ""),
                fingerprint=f.get("fingerprint", ""),
                blocking=bool(f.get("blocking")),
                suppressed=bool(f.get("suppressed")),
                confidence=f.get("confidence"),
            )
        )
    failures = tuple(StageFailure(x["stage"], x["message"]) for x in doc["failures"])
    # the verdict is recomputed, not taken from the file
    if any(f.blocking for f in findings):
        verdict = "block"
    elif failures:
        verdict = "error"
    elif any(not f.suppressed for f in findings):
        verdict = "warn"
    else:
        verdict = "pass"
    report = Report(
        verdict=verdict,
        findings=tuple(findings),
        failures=failures,
        run_id=str(doc.get("run_id", "")),
    )
    meta = RunMeta(version=str(doc["tool"]["version"]), time="")
    return report, meta, doc.get("pull_request")
