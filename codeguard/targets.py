"""Is a deletion target production? Paths with unknown parts, relative paths, globs."""

from __future__ import annotations

import posixpath
import re

from codeguard.analyze.shellwords import UNKNOWN_CLOSE
from codeguard.analyze.shellwords import UNKNOWN_OPEN
from codeguard.globs import is_protected
from codeguard.globs import match_path
from codeguard.globs import normalize_target

_MARKER = re.compile(f"{UNKNOWN_OPEN}(.*?){UNKNOWN_CLOSE}")
WORKING_TREE = frozenset({".", "./", "*", "./*", ".*", "./.*", "..", "../", "../*", "../.*"})


def _variants(target: str, may_be_empty: bool) -> list[str]:
    """What a target with unknown parts may turn into.

    In shell an unset variable expands to nothing (`rm -rf "$DIR/"*` is `rm -rf /*`),
    unless written `${DIR:?}`. In Python an unknown part is some non-empty name.
    """
    if UNKNOWN_OPEN not in target:
        return [target]
    named = _MARKER.sub("x", target)
    if not may_be_empty:
        return [named]
    empty = _MARKER.sub(lambda m: "x" if m.group(1).endswith(":?") else "", target)
    return [named, empty] if empty.strip() else [named]


def resolve(target: str, cwd: str) -> str:
    """A target against a known working directory (`cd /; rm -rf *` deletes `/*`)."""
    if target.startswith(("/", "~")) or not cwd or UNKNOWN_OPEN in cwd:
        return target
    if cwd.startswith("./"):
        return target
    return posixpath.join(cwd, target)


def protected_target(
    target: str,
    *,
    cwd: str,
    protected: tuple[str, ...],
    disposable: tuple[str, ...],
    may_be_empty: bool,
) -> str | None:
    """The protected tree deleting `target` would destroy, or None."""
    if not target or target.startswith("-"):
        return None
    for variant in _variants(target, may_be_empty):
        path = resolve(variant, cwd)
        if is_protected(path, protected, disposable):
            return normalize_target(path)
    return None


def working_tree_target(target: str, cwd: str) -> bool:
    """`rm -rf .` or `*` where the agent starts: the whole project, uncommitted work too."""
    return not cwd and target in WORKING_TREE


def branch_matches(ref: str, branches: tuple[str, ...]) -> bool:
    name = ref.removeprefix("refs/heads/").removeprefix("origin/")
    return any(
        match_path(name, b) if "/" in b else name == b or match_path(name, b) for b in branches
    )


def refspec_destination(spec: str) -> tuple[str, bool, bool]:
    """(destination branch, forced, deletes) of a `git push` refspec."""
    forced = spec.startswith("+")
    spec = spec.lstrip("+")
    if ":" in spec:
        src, _, dst = spec.partition(":")
        return dst, forced, src == ""
    return spec, forced, False
