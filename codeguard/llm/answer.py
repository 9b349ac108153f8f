"""The answer contract: parse, validate against the schema, anchor to changed lines.

Model output is hostile input like the diff it read: it is validated field by field,
its text is cut to size and stripped of control characters, and a finding that does not
name a changed line of a file the model was shown is dropped with a note.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from codeguard.llm.prompt import CATEGORIES
from codeguard.llm.view import Chunk

_FINDING: dict[str, Any] = {
    "type": "object",
    "properties": {
        "path": {"type": "string"},
        "line": {"type": "integer"},
        "end_line": {"type": ["integer", "null"]},
        "severity": {"type": "string", "enum": ["error", "warning", "note"]},
        "category": {"type": "string"},
        "message": {"type": "string"},
        "confidence": {"type": "number"},
    },
    "required": ["path", "line", "end_line", "severity", "category", "message", "confidence"],
    "additionalProperties": False,
}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"findings": {"type": "array", "items": _FINDING}},
    "required": ["findings"],
    "additionalProperties": False,
}
MAX_MESSAGE = 500


class InvalidAnswer(ValueError):
    """The model's answer broke the contract; the message says how (sent back once)."""


@dataclass(frozen=True, slots=True)
class Raw:
    """A validated finding as the model gave it (before anchoring)."""

    path: str
    line: int
    end_line: int | None
    severity: str
    category: str
    message: str
    confidence: float


@lru_cache(maxsize=1)
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(_lenient(SCHEMA))


def _lenient(schema: dict[str, Any]) -> dict[str, Any]:
    """What we accept: `end_line` may be missing (strict servers need it listed)."""
    finding = dict(_FINDING)
    finding["required"] = [k for k in _FINDING["required"] if k != "end_line"]
    finding["properties"] = {**_FINDING["properties"], "confidence": {"type": "number"}}
    return {**schema, "properties": {"findings": {"type": "array", "items": finding}}}


_FENCE = re.compile(r"\A\s*```(?:json)?\s*\n(.*?)\n\s*```\s*\Z", re.DOTALL)


def parse(content: str | None) -> list[Raw]:
    """The findings in an answer, or InvalidAnswer saying what is wrong."""
    if content is None or not content.strip():
        raise InvalidAnswer("the answer was empty; answer with the JSON object only")
    text = content.strip()
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1)
    try:
        data = json.loads(text, strict=False)  # raw newlines in strings: small models
    except json.JSONDecodeError as exc:
        raise InvalidAnswer(
            f"the answer is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno});"
            " answer with the JSON object only"
        ) from None
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path) or "the top level"
        raise InvalidAnswer(f"the answer does not match the schema at {where}: {errors[0].message}")
    out = []
    for item in data["findings"]:
        confidence = float(item["confidence"])
        if not 0.0 <= confidence <= 1.0:
            raise InvalidAnswer(f"confidence {confidence} is outside 0.0-1.0")
        out.append(
            Raw(
                path=item["path"],
                line=item["line"],
                end_line=item.get("end_line"),
                severity=item["severity"],
                category=item["category"],
                message=item["message"],
                confidence=confidence,
            )
        )
    return out


def to_json(raws: list[Raw]) -> list[dict[str, Any]]:
    return [
        {
            "path": r.path,
            "line": r.line,
            "end_line": r.end_line,
            "severity": r.severity,
            "category": r.category,
            "message": r.message,
            "confidence": r.confidence,
        }
        for r in raws
    ]


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str, limit: int = MAX_MESSAGE) -> str:
    """Model text made safe to print: one line, no control or bidi characters, bounded."""
    text = " ".join(_CONTROL.sub(" ", text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def category(value: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")
    return slug if slug in CATEGORIES else "other"


@dataclass(frozen=True, slots=True)
class Anchored:
    raw: Raw
    end_line: int
    at_deletion: bool


def anchor(raw: Raw, chunk: Chunk) -> Anchored | str:
    """The finding placed on a changed line of the chunk, or why it cannot be."""
    if raw.path not in chunk.paths:
        return f"names a file it was not shown ({clean_text(raw.path, 80)!r})"
    anchors = chunk.anchors(raw.path)
    if raw.line not in anchors:
        return f"names {clean_text(raw.path, 80)}:{raw.line}, which this change does not touch"
    end = raw.end_line if raw.end_line is not None and raw.end_line >= raw.line else raw.line
    if end not in anchors:
        end = raw.line
    return Anchored(raw, end, raw.line in chunk.deletion_points(raw.path))
