"""`--trace`: exactly what the LLM was sent and what it answered, per HTTP attempt.

The messages are the masked ones (secrets never reach a trace). Diff text and model text
are hostile, so terminal control characters are shown as escapes, not sent to the tty.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _safe(text: str) -> str:
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)


def render_traces(traces: Iterable[dict[str, Any]]) -> str:
    out: list[str] = []
    for entry in traces:
        head = f"--- llm trace: chunk {entry.get('chunk', '?')} ({entry.get('covers', '')})"
        if entry.get("cached"):
            out.append(f"{head}: verdict reused from the cache, no call made")
            continue
        facts = [f"format {entry.get('mode')}"]
        for key in ("status", "latency_ms", "model", "finish_reason"):
            if entry.get(key) is not None:
                facts.append(f"{key} {entry[key]}")
        if entry.get("usage"):
            facts.append(f"tokens {json.dumps(entry['usage'], sort_keys=True)}")
        out.append(f"{head}: {', '.join(str(f) for f in facts)}")
        request = entry.get("request") or {}
        for message in request.get("messages", []):
            out.append(f"[{message.get('role')}]")
            out.append(_safe(str(message.get("content", ""))))
        if entry.get("error"):
            out.append(f"[error] {_safe(str(entry['error']))}")
        if entry.get("refusal"):
            out.append(f"[refusal] {_safe(str(entry['refusal']))}")
        if "response" in entry:
            out.append("[answer]")
            out.append(_safe(str(entry.get("response"))))
        if entry.get("invalid"):
            out.append(f"[invalid] {_safe(str(entry['invalid']))}")
    return "\n".join(out) + ("\n" if out else "")
