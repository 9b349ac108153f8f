"""Helpers every renderer shares: safe text and the one-line summary."""

from __future__ import annotations

import re
from collections import Counter

from codeguard.finding import Report

# C0/C1 controls (newlines included: every field is one line) and bidi/invisible
# formatting: a hostile diff must not drive a terminal, forge an extra output line or
# hide text from the reader. Tab is kept.
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def safe(text: str) -> str:
    """Text made harmless to print: controls shown as escapes, never interpreted."""
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary(report: Report) -> str:
    active = report.active
    counts = Counter(f.severity.label for f in active)
    parts = [
        plural(len(report.blocking), "blocking finding"),
        plural(counts["error"], "error"),
        plural(counts["warning"], "warning"),
        plural(counts["note"], "note"),
    ]
    suppressed = len(report.findings) - len(active)
    if suppressed:
        parts.append(f"{suppressed} suppressed")
    if report.failures:
        parts.append(plural(len(report.failures), "stage failure"))
    return f"codeguard: {report.verdict}: " + ", ".join(parts)
