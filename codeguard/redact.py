"""No secret leaves codeguard unmasked: every finding's message, snippet and fingerprint
source are masked before any report, log or later stage sees them.

This runs whatever stages are enabled (turning the secrets stage off must not turn
masking off). Secrets are found in the file text the change shows, so a line of a
private key block is masked even though it says nothing on its own; then each message
and snippet is masked again on its own, for values that came from elsewhere (a command,
a value codeguard computed).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from collections.abc import Mapping

from codeguard.changes import FileChange
from codeguard.finding import Finding


def mask_lines(path: str, lines: Mapping[int, str]) -> tuple[dict[int, str], list[tuple[str, str]]]:
    """The lines (number -> text) that hold a secret, masked, and each (value, masked form).

    Secrets are found in the lines read together, so each line of a private key block
    is masked even though it says nothing on its own.
    """
    from codeguard.analyze.secrets import find_secrets
    from codeguard.analyze.secrets import masked_value

    numbers = sorted(lines)
    original = [lines[n] for n in numbers]
    masked: dict[int, str] = {}
    values: list[tuple[str, str]] = []
    # each line's part of each secret (a key block spans lines; each is masked alone)
    parts: dict[int, list[tuple[int, int]]] = {}
    for s in find_secrets("\n".join(original), path):
        for index in range(s.line - 1, min(s.end_line, len(original))):
            start = s.column - 1 if index == s.line - 1 else 0
            end = s.end_column - 1 if index == s.end_line - 1 else len(original[index])
            if start < end:
                parts.setdefault(index, []).append((start, end))
    for index, spans in parts.items():
        line, out, pos = original[index], [], 0
        for start, end in sorted(spans):
            if end <= pos:
                continue
            start = max(start, pos)
            value = line[start:end]
            out += [line[pos:start], masked_value(value)]
            if len(value) >= 4:
                values.append((value, masked_value(value)))
            pos = end
        masked[numbers[index]] = "".join([*out, line[pos:]])
    return masked, values


class _FileSecrets:
    """A changed file's secrets: the masked form of each line that holds one, and the
    values themselves (to mask them wherever a message repeats them)."""

    def __init__(self, change: FileChange) -> None:
        self.lines, self.values = mask_lines(change.path, change.lines)


def _scrub(text: str, known: list[tuple[str, str]]) -> str:
    from codeguard.analyze.secrets import mask
    from codeguard.analyze.secrets import might_contain_secret

    for value, masked in known:
        if value in text:
            text = text.replace(value, masked)
    return mask(text) if might_contain_secret(text) else text


def redact(findings: Iterable[Finding], changes: Iterable[FileChange]) -> list[Finding]:
    from codeguard.analyze.secrets import might_contain_secret

    by_path = {c.path: c for c in changes}
    files: dict[str, _FileSecrets | None] = {}
    out = []
    for f in findings:
        if f.path not in files:
            change = by_path.get(f.path)
            text = "\n".join(change.lines.values()) if change is not None else ""
            files[f.path] = _FileSecrets(change) if change and might_contain_secret(text) else None
        known = files[f.path]
        values = known.values if known is not None else []
        snippet = f.snippet
        change = by_path.get(f.path)
        line = f.start.line
        if known and line in known.lines and change and snippet == change.lines.get(line):
            snippet = known.lines[line]
        snippet = _scrub(snippet, values)
        message = _scrub(f.message, values)
        fingerprint = _scrub(f.fingerprint, values) if f.fingerprint else f.fingerprint
        if (snippet, message, fingerprint) != (f.snippet, f.message, f.fingerprint):
            f = dataclasses.replace(f, snippet=snippet, message=message, fingerprint=fingerprint)
        out.append(f)
    return out
