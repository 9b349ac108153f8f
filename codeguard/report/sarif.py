"""SARIF 2.1.0 for code scanning. Plain dicts, validated in tests against the OASIS schema.

sarif-om (the object-model package) has not been released since 2019 and needs a
jsonpickle-based serializer; the subset codeguard writes is small enough to build directly.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from codeguard.changes import COMMAND_PATH
from codeguard.finding import Finding
from codeguard.finding import Report
from codeguard.finding import RunMeta

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"error": "error", "warning": "warning", "note": "note"}
INFO_URI = "https://github.com/codeguard-dev/codeguard"


def _uri(path: str) -> str:
    if path == COMMAND_PATH:
        return "command.sh"
    return quote(path.lstrip("/"), safe="/")


def _region(f: Finding) -> dict[str, Any]:
    region: dict[str, Any] = {
        "startLine": max(f.start.line, 1),
        "startColumn": max(f.start.column, 1),
    }
    if f.end is not None and (f.end.line, f.end.column) > (f.start.line, f.start.column):
        region["endLine"] = f.end.line
        region["endColumn"] = max(f.end.column, 1)
    if f.snippet:
        region["snippet"] = {"text": f.snippet}
    return region


def _result(f: Finding, index: dict[str, int]) -> dict[str, Any]:
    location: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": {"uri": _uri(f.path), "uriBaseId": "%SRCROOT%"},
            "region": _region(f),
        }
    }
    if f.path == COMMAND_PATH:
        location["logicalLocations"] = [{"name": "command", "kind": "command"}]
    result: dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": index[f.rule_id],
        "level": _LEVEL[f.severity.label],
        "message": {"text": f.message},
        "locations": [location],
        "partialFingerprints": {"codeguardFingerprint/v1": f.fingerprint},
        "properties": {"stage": f.stage, "blocking": f.blocking},
    }
    if f.confidence is not None:
        result["properties"]["confidence"] = f.confidence
    if f.suppressed:
        result["suppressions"] = [{"kind": "inSource", "justification": f.suppression_reason}]
    return result


def as_dict(report: Report, meta: RunMeta) -> dict[str, Any]:
    ids = sorted(report.rules)
    index = {rule_id: i for i, rule_id in enumerate(ids)}
    rules = []
    for rule_id in ids:
        r = report.rules[rule_id]
        entry: dict[str, Any] = {
            "id": r.id,
            "name": r.name,
            "shortDescription": {"text": r.short},
            "defaultConfiguration": {"level": _LEVEL[r.severity.label]},
        }
        if r.description:
            entry["fullDescription"] = {"text": r.description.splitlines()[0]}
            entry["help"] = {"text": r.description, "markdown": r.description}
        if r.help_uri:
            entry["helpUri"] = r.help_uri
        rules.append(entry)
    notifications = [
        {
            "level": "error",
            "message": {"text": f"stage {x.stage} failed: {x.message}"},
            "descriptor": {"id": x.stage},
        }
        for x in report.failures
    ]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "codeguard",
                "version": meta.version,
                "semanticVersion": meta.version,
                "informationUri": INFO_URI,
                "rules": rules,
            }
        },
        "automationDetails": {"id": f"codeguard/{report.run_id}"},
        "invocations": [
            {
                "executionSuccessful": not report.failures,
                "toolExecutionNotifications": notifications,
                "endTimeUtc": meta.time,
            }
        ],
        "results": [_result(f, index) for f in report.findings],
        "columnKind": "unicodeCodePoints",
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(report: Report, meta: RunMeta) -> str:
    return json.dumps(as_dict(report, meta), indent=2, ensure_ascii=False) + "\n"
