"""Baselines: the findings an existing codebase already has, so adopting codeguard blocks
only new ones. Entries are content fingerprints (rule, path, matched text), so they
survive lines moving; no source text is stored, so no secret lands in the file.
"""

from __future__ import annotations

import json
from pathlib import Path

from codeguard.errors import InputError
from codeguard.finding import Report

SCHEMA = "codeguard.baseline/1"


def write(report: Report, path: Path) -> int:
    entries = [
        {"fingerprint": f.fingerprint, "rule_id": f.rule_id, "path": f.path, "line": f.start.line}
        for f in report.findings
        if not f.suppressed
    ]
    doc = {"schema": SCHEMA, "findings": entries}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot write: {exc.strerror}") from None
    return len(entries)


def read(path: Path) -> frozenset[str]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            f"{path}: no such baseline (create it with `codeguard baseline create`)"
        ) from None
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not a codeguard baseline: {exc}") from None
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        raise InputError(f"{path}: not a codeguard baseline (schema {SCHEMA} expected)")
    findings = doc.get("findings", [])
    if not isinstance(findings, list):
        raise InputError(f"{path}: findings: expected a list")
    return frozenset(str(e.get("fingerprint")) for e in findings if isinstance(e, dict))
