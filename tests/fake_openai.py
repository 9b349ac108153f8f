"""A scripted OpenAI-compatible chat-completions server on 127.0.0.1 for tests.

Each request pops the next scripted reply (or the default one); every request body is
recorded so tests can assert what was and was not sent. Replies can be a model answer,
an HTTP error with headers, a refusal, a delay (to trigger the client's timeout), or a
format rule that rejects `response_format` types the way real servers do.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from tests.local_server import LocalServer
from tests.local_server import QuietHandler


@dataclass
class Reply:
    status: int = 200
    content: str | None = '{"findings": []}'
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    refusal: str | None = None
    finish_reason: str = "stop"
    error: str = ""
    raw: bytes | None = None  # a body sent as is (not even JSON)


def answer(*findings: dict[str, Any]) -> Reply:
    return Reply(content=json.dumps({"findings": list(findings)}))


def finding(path: str, line: int, **extra: Any) -> dict[str, Any]:
    return {
        "path": path,
        "line": line,
        "end_line": None,
        "severity": "error",
        "category": "data-loss",
        "message": "deletes every row",
        "confidence": 0.9,
        **extra,
    }


class FakeOpenAI(LocalServer):
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.script: list[Reply | Callable[[dict[str, Any]], Reply]] = []
        self.default: Reply | Callable[[dict[str, Any]], Reply] = Reply()
        # response_format types this server refuses with a 400, like servers that lack them
        self.refuse_formats: set[str] = set()
        self.refuse_status = 400  # llama.cpp's server says 500 (a validation error)
        self.lock = threading.Lock()
        fake = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                with fake.lock:
                    fake.requests.append(body)
                    fake.headers.append({k.lower(): v for k, v in self.headers.items()})
                    fmt = body.get("response_format") or {}
                    kind = fmt.get("type", "none") if isinstance(fmt, dict) else "none"
                    if kind == "json_object" and "schema" in fmt:
                        kind = "json_object_schema"
                    if kind in fake.refuse_formats:
                        reply: Reply | Callable[[dict[str, Any]], Reply] = Reply(
                            status=fake.refuse_status,
                            error=f"1 validation error: ('body', 'response_format', 'type')"
                            f" Input should be 'text' or 'json_object' (got {kind!r})",
                        )
                    elif fake.script:
                        reply = fake.script.pop(0)
                    else:
                        reply = fake.default
                if callable(reply):
                    reply = reply(body)
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.raw is not None:
                    data = reply.raw
                elif reply.status != 200:
                    data = json.dumps(
                        {"error": {"message": reply.error or "error", "type": "server_error"}}
                    ).encode()
                else:
                    message: dict[str, Any] = {"role": "assistant", "content": reply.content}
                    if reply.refusal is not None:
                        message = {"role": "assistant", "content": None, "refusal": reply.refusal}
                    data = json.dumps(
                        {
                            "id": "chatcmpl-test",
                            "object": "chat.completion",
                            "created": 0,
                            "model": body.get("model", ""),
                            "choices": [
                                {
                                    "index": 0,
                                    "message": message,
                                    "finish_reason": reply.finish_reason,
                                }
                            ],
                            "usage": {
                                "prompt_tokens": len(json.dumps(body)) // 4,
                                "completion_tokens": len(reply.content or "") // 4,
                                "total_tokens": 0,
                            },
                        }
                    ).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

        super().__init__(Handler)

    @property
    def url(self) -> str:
        return f"{self.origin}/v1"

    def bodies(self) -> str:
        """Every request body as one text (to search for what must never be sent)."""
        return "\n".join(json.dumps(r, ensure_ascii=False) for r in self.requests)

    def user_text(self, index: int = -1) -> str:
        messages = self.requests[index]["messages"]
        return "\n".join(m["content"] for m in messages if m["role"] == "user")
