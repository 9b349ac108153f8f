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


def _load_bandit() -> Any:
    """Import bandit (the slow part, ~200 ms) before the request arrives: the scan starts
    this process as soon as it knows bandit will run, and the imports overlap its own
    parsing and rule loading."""
    import types

    if "rich" not in sys.modules:
        # bandit imports rich (~60 ms) for a progress bar on its command line; this
        # process never shows one
        rich = types.ModuleType("rich")
        progress = types.ModuleType("rich.progress")
        progress.track = lambda sequence, *args, **kwargs: sequence  # type: ignore[attr-defined]
        rich.progress = progress  # type: ignore[attr-defined]
        sys.modules["rich"] = rich
        sys.modules["rich.progress"] = progress
    from bandit.core import config as b_config
    from bandit.core import manager as b_manager

    logging.getLogger("bandit").setLevel(logging.CRITICAL)
    return b_config, b_manager


def scan(request: dict[str, Any]) -> dict[str, Any]:
    b_config, b_manager = _load_bandit()
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
    _load_bandit()
    data = sys.stdin.read()
    if not data:
        return 0  # started early, then not needed (no Python in the change)
    json.dump(scan(json.loads(data)), sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
