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


_SPECIAL = frozenset("*?[")


def _simple(name: str, pattern: str) -> bool | None:
    """`*.py`, `Makefile`: answered without a regex (most rule globs); None otherwise."""
    if not _SPECIAL & set(pattern):
        return name == pattern
    if pattern.startswith("*") and not _SPECIAL & set(pattern[1:]):
        return name.endswith(pattern[1:])
    return None


def match_path(path: str, pattern: str) -> bool:
    """gitignore-like: a pattern without '/' matches the file name at any depth."""
    if "/" not in pattern.rstrip("/"):
        name = posixpath.basename(path)
        quick = _simple(name, pattern) if not pattern.endswith("/") else None
        if quick is not None:
            return quick
        return bool(_compile(pattern).match(name))
    return bool(_compile(pattern.lstrip("/") if not path.startswith("/") else pattern).match(path))


def match_any(path: str, patterns: tuple[str, ...] | list[str]) -> bool:
    return any(match_path(path, p) for p in patterns)


def normalize_target(target: str) -> str:
    """A deletion target as the tree it destroys: `/var/lib/*` -> `/var/lib`, `~/` -> `~`."""
    t = target.strip()
    if "/**/" in t:
        t = t.split("/**/", 1)[0] + "/**"
    for home in ("${HOME}", "$HOME"):
        if t == home or t.startswith(home + "/"):
            t = "~" + t[len(home) :]
    while t.endswith(("/*", "/.*", "/**", "/.[!.]*", "/*.*")) and len(t) > 2:
        t = t.rsplit("/", 1)[0] or "/"
    if t in ("/*", "/.*", "/**", "*", "**"):
        return "/" if t.startswith("/") else "."
    if t.startswith("~") and not t.startswith(("~/", "~+", "~-")) and t != "~":
        # ~alice is alice's home directory
        user, _, rest = t[1:].partition("/")
        t = f"/home/{user}" + (f"/{rest}" if rest else "")
    if t.startswith("~"):
        head, _, rest = t.partition("/")
        rest = posixpath.normpath(rest).lstrip("/") if rest else ""
        return head if rest in ("", ".") else head + "/" + rest
    if t.startswith("/"):
        t = posixpath.normpath(t)
        # normpath keeps a leading '//' (POSIX allows it); it is still the root
        return "/" + t.lstrip("/")
    return posixpath.normpath(t) if t else t


def _tree_match(pattern: str, path: str) -> bool:
    """`pattern` matches `path`; a pattern ending in `/**` also matches its own root."""
    if pattern.endswith("/**") and _compile(pattern[:-3] or "/").match(path):
        return True
    return bool(_compile(pattern.rstrip("/") if pattern != "/" else pattern).match(path))


def is_protected(target: str, patterns: tuple[str, ...], disposable: tuple[str, ...] = ()) -> bool:
    """True when deleting `target` destroys a protected path (or a tree containing one)."""
    t = normalize_target(target)
    if not t or not t.startswith(("/", "~")):
        return False
    if disposable and any(_tree_match(p, t) for p in disposable):
        return False
    return any(_tree_match(p, t) for p in patterns)
