"""Glob patterns for file selection and protected paths: `*` stays inside one segment."""

from __future__ import annotations

import functools
import posixpath
import re


@functools.lru_cache(maxsize=1024)
def _compile(pattern: str) -> re.Pattern[str]:
    out = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(ch))
            else:
                body = pattern[i + 1 : end].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end
        else:
            out.append(re.escape(ch))
        i += 1
    return re.compile("".join(out) + r"\Z", re.DOTALL)


def match_path(path: str, pattern: str) -> bool:
    """gitignore-like: a pattern without '/' matches the file name at any depth."""
    if "/" not in pattern.rstrip("/"):
        return bool(_compile(pattern).match(posixpath.basename(path)))
    return bool(_compile(pattern.lstrip("/") if not path.startswith("/") else pattern).match(path))


def match_any(path: str, patterns: tuple[str, ...] | list[str]) -> bool:
    return any(match_path(path, p) for p in patterns)


def normalize_target(target: str) -> str:
    """A deletion target as the tree it destroys: `/var/lib/*` -> `/var/lib`, `~/` -> `~`."""
    t = target.strip()
    if t.startswith("$HOME") or t.startswith("${HOME}"):
        t = "~" + t.split("}", 1)[1] if t.startswith("${HOME}") else "~" + t[5:]
    while t.endswith(("/*", "/.*", "/**")) and len(t) > 2:
        t = t.rsplit("/", 1)[0] or "/"
    if t in ("/*", "/.*", "/**"):
        return "/"
    if t.startswith("~"):
        head, _, rest = t.partition("/")
        return head if not rest else head + "/" + posixpath.normpath(rest).lstrip("/")
    if t.startswith("/"):
        t = posixpath.normpath(t)
        # normpath keeps a leading '//' (POSIX allows it); it is still the root
        return "/" + t.lstrip("/")
    return t


def is_protected(target: str, patterns: tuple[str, ...]) -> bool:
    """True when deleting `target` destroys a protected path (or a tree containing one)."""
    t = normalize_target(target)
    if not t:
        return False
    return any(_compile(p.rstrip("/") if p != "/" else p).match(t) for p in patterns)
