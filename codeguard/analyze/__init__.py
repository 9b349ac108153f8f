"""Parse each changed file once and share the result between stages."""

from __future__ import annotations

import posixpath
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from codeguard.changes import FileChange

_PY_SHEBANG = re.compile(r"^#!.*\bpython[0-9.]*\b")


def is_python(change: FileChange) -> bool:
    if change.is_command:
        return False
    ext = posixpath.splitext(change.path)[1].lower()
    if ext in (".py", ".pyi", ".pyw"):
        return True
    if ext:
        return False
    first = change.lines.get(1, "")
    return bool(_PY_SHEBANG.match(first))
