"""Runs bandit in a process of its own, beside the main pipeline (`python -m ...`).

Input on stdin (JSON): {"skip": [test ids], "files": [{"name": str, "text": str}]}.
Output on stdout (JSON): {"issues": [...], "skipped": [[name, reason], ...]}.
bandit costs ~120-200 ms to import; in its own process that time overlaps the rest of
the scan instead of adding to it.
"""

from __future__ import annotations

import io
import json
import logging
import sys
from typing import Any


def scan(request: dict[str, Any]) -> dict[str, Any]:
    from bandit.core import config as b_config
    from bandit.core import manager as b_manager

    logging.getLogger("bandit").setLevel(logging.CRITICAL)
    profile = {"exclude": list(request.get("skip", []))}
    # nosec comments are ignored: the code under review is AI-written and could add its own
    # (codeguard's suppressions, which need a reason, still apply)
    mgr = b_manager.BanditManager(
        b_config.BanditConfig(), "file", quiet=True, profile=profile, ignore_nosec=True
    )
    names = [f["name"] for f in request["files"]]
    mgr.files_list = list(names)
    for f in request["files"]:
        mgr._parse_file(f["name"], io.BytesIO(f["text"].encode("utf-8", "surrogatepass")), names)
    issues = [
        {
            "file": i.fname,
            "test_id": i.test_id,
            "test": i.test,
            "severity": str(i.severity),
            "confidence": str(i.confidence),
            "text": i.text,
            "line": i.lineno,
            "col": i.col_offset,
            "end_col": getattr(i, "end_col_offset", None),
            "lines": list(getattr(i, "linerange", []) or [i.lineno]),
            "cwe": getattr(getattr(i, "cwe", None), "id", None),
        }
        for i in mgr.get_issue_list()
    ]
    return {"issues": issues, "skipped": [list(s) for s in mgr.skipped]}


def main() -> int:
    request = json.load(sys.stdin)
    json.dump(scan(request), sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
