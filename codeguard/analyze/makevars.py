"""Make variables in recipes: `rm -rf $(BUILD_DIR)/*` means what BUILD_DIR was set to."""

from __future__ import annotations

import re

from codeguard.analyze.snippet import Snippet

_ASSIGN = re.compile(
    r"^(?:export\s+|override\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*(::=|:::=|:=|\?=|\+=|!=|=)\s*(.*)$"
)
_REF = re.compile(r"\$[({]([A-Za-z_][A-Za-z0-9_.-]*)[)}]")
_FUNCTION = re.compile(
    r"\$[({](?:shell|wildcard|realpath|abspath|dir|notdir|patsubst|subst|foreach|call|eval|if|or|and|firstword|lastword|word|words|filter|filter-out|sort|strip|addprefix|addsuffix|basename|suffix|join|origin|value|error|warning|info)\s[^)}]*[)}]"
)
# Variables make itself defines.
_BUILTIN = {"CURDIR": ".", "MAKE": "make", "RM": "rm -f", "SHELL": "/bin/sh", "MAKEFLAGS": ""}


def variables(text: str) -> dict[str, str]:
    """`NAME = value` assignments outside recipes (the last one wins, `+=` appends)."""
    found: dict[str, str] = {}
    for line in text.split("\n"):
        if line.startswith("\t") or line.lstrip().startswith("#"):
            continue
        m = _ASSIGN.match(line.strip())
        if m is None:
            continue
        name, op, value = m.group(1), m.group(2), m.group(3).split(" #", 1)[0].strip()
        if op == "?=" and name in found:
            continue
        if op == "!=":
            value = "$(shell " + value + ")"
        found[name] = (found.get(name, "") + " " + value).strip() if op == "+=" else value
    return found


def expand(text: str, values: dict[str, str], depth: int = 0) -> str:
    """Make's expansion of `$(NAME)`; unknown names and functions become shell variables,
    which the shell analyser treats as unknown (possibly empty) values, as make does."""
    if depth > 8 or "$" not in text:
        return text
    text = _FUNCTION.sub("${MAKE_FUNCTION_RESULT}", text)

    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name in values:
            return expand(values[name], values, depth + 1)
        if name in _BUILTIN:
            return _BUILTIN[name]
        return "${" + name.replace(".", "_").replace("-", "_") + "}"

    return _REF.sub(sub, text)


def resolve(snippet: Snippet, makefile: str) -> Snippet:
    """A recipe snippet with the Makefile's own variables substituted."""
    values = variables(makefile)
    lines = [expand(line, values) for line in snippet.text.split("\n")]
    return Snippet(snippet.language, "\n".join(lines), snippet.line_map, snippet.origin)
