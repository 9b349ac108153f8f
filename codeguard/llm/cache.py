"""Verdicts remembered per (model, endpoint, policy, prompt version, chunk), so a re-run
on an unchanged change makes no calls; and the response format each server accepted.

One small JSON file per entry, written atomically: concurrent runs (a pre-commit hook and
an agent hook at once) never read half a file. Entries hold validated findings about
masked text only. A corrupt entry is a miss, never an error.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any


class Cache:
    def __init__(self, directory: str) -> None:
        self.directory = Path(directory) if directory else None

    @staticmethod
    def key(*parts: str) -> str:
        digest = hashlib.sha256()
        for part in parts:
            digest.update(part.encode("utf-8", "surrogatepass"))
            digest.update(b"\0")
        return digest.hexdigest()

    def _path(self, kind: str, key: str) -> Path | None:
        if self.directory is None:
            return None
        return self.directory / kind / key[:2] / f"{key}.json"

    def get(self, kind: str, key: str) -> Any:
        path = self._path(kind, key)
        if path is None:
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def put(self, kind: str, key: str, value: Any) -> None:
        path = self._path(kind, key)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(value, out)
            os.replace(tmp, path)
        except OSError:
            pass  # a cache that cannot be written costs calls, not correctness
