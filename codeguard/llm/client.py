"""One review call against an OpenAI-compatible server, with everything that can go wrong
turned into either findings or an `LLMFailure`, and every HTTP attempt traced.

Structured output is negotiated: OpenAI-style `json_schema` first, then llama.cpp's
`{"type": "json_object", "schema": ...}`, then plain `json_object`, then none; a server's
400/422 to a format moves down the list, and the format that worked is remembered per
endpoint and model. Whatever the format, every answer is validated; an invalid answer is
sent back once with the validation error, then the call fails. 429 honours `retry-after`,
5xx, timeouts and connection errors back off and retry a bounded number of times.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from codeguard.llm.answer import SCHEMA
from codeguard.llm.answer import InvalidAnswer
from codeguard.llm.answer import Raw
from codeguard.llm.answer import parse

MODES = ("json_schema", "json_object_schema", "json_object", "none")
MAX_RETRY_AFTER = 60.0  # seconds; a longer wait is reported as a failure instead


class LLMFailure(Exception):
    """The model could not give a valid review (the message says why, once, plainly)."""


@dataclass
class Endpoint:
    base_url: str
    model: str
    api_key: str = field(repr=False)
    timeout: float
    retries: int = 2
    max_output_tokens: int = 2000
    # shared across threads: what this server accepted (negotiated once per run)
    mode: str = MODES[0]
    dropped: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    sleep: Callable[[float], None] = time.sleep
    _client: Any = field(default=None, repr=False)

    def client(self) -> Any:
        with self.lock:
            if self._client is None:
                import openai

                self._client = openai.OpenAI(
                    base_url=self.base_url or None,
                    api_key=self.api_key or "unused",
                    timeout=self.timeout,
                    max_retries=0,  # retries are ours: bounded, traced, retry-after honoured
                )
            return self._client


def _response_format(mode: str) -> dict[str, Any] | None:
    if mode == "json_schema":
        return {
            "type": "json_schema",
            "json_schema": {"name": "codeguard_review", "strict": True, "schema": SCHEMA},
        }
    if mode == "json_object_schema":
        # a grammar-constrained model stops only when the schema lets it: bound the list
        findings = {**SCHEMA["properties"]["findings"], "maxItems": 20}
        return {
            "type": "json_object",
            "schema": {**SCHEMA, "properties": {"findings": findings}},
        }
    if mode == "json_object":
        return {"type": "json_object"}
    return None


def _request(endpoint: Endpoint, messages: list[dict[str, str]], mode: str) -> dict[str, Any]:
    body: dict[str, Any] = {"model": endpoint.model, "messages": messages}
    if "temperature" not in endpoint.dropped:
        body["temperature"] = 0
    if "max_tokens" not in endpoint.dropped:
        body["max_tokens"] = endpoint.max_output_tokens
    elif "max_completion_tokens" not in endpoint.dropped:
        body["max_completion_tokens"] = endpoint.max_output_tokens
    fmt = _response_format(mode)
    if fmt is not None:
        body["response_format"] = fmt
    return body


def _status_text(exc: Any) -> str:
    try:
        data = exc.response.json()
        err = data.get("error", data) if isinstance(data, dict) else data
        message = err.get("message", "") if isinstance(err, dict) else str(err)
    except Exception:
        message = getattr(exc, "message", "") or ""
    return " ".join(str(message).split())[:300]


def _retry_after(exc: Any) -> float | None:
    headers = getattr(getattr(exc, "response", None), "headers", None) or {}
    for name in ("retry-after-ms", "retry-after"):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value)
        except ValueError:
            from email.utils import parsedate_to_datetime

            try:
                seconds = parsedate_to_datetime(value).timestamp() - time.time()
            except (TypeError, ValueError):
                continue
        return float(max(0.0, seconds / 1000 if name == "retry-after-ms" else seconds))
    return None


def _backoff(attempt: int) -> float:
    jitter = 0.5 + random.random() / 2  # noqa: S311 - jitter, not a secret
    return min(8.0, 0.5 * 2.0**attempt) * jitter


def _drop_parameter(endpoint: Endpoint, message: str, body: dict[str, Any]) -> bool:
    """A 400 that names a sampling parameter: drop it and retry (reasoning models refuse
    `temperature`; newer OpenAI models want `max_completion_tokens`)."""
    for name in ("max_completion_tokens", "max_tokens", "temperature"):
        if name in body and name not in endpoint.dropped and re.search(rf"\b{name}\b", message):
            endpoint.dropped.add(name)
            return True
    return False


_FORMAT_WORDS = re.compile(r"response_format|json_schema|json_object|schema|format|grammar", re.I)


def complete(
    endpoint: Endpoint, messages: list[dict[str, str]], trace: list[dict[str, Any]]
) -> list[Raw]:
    """Ask for a review of one chunk and return its validated findings.

    Every HTTP attempt is appended to `trace` (request body, response or error, tokens,
    latency). Raises LLMFailure when no valid answer comes back.
    """
    import openai

    client = endpoint.client()
    convo = list(messages)
    attempts = 0
    corrections = 0
    negotiations = 0
    while True:
        mode = endpoint.mode
        body = _request(endpoint, convo, mode)
        started = time.perf_counter()
        entry: dict[str, Any] = {"request": body, "mode": mode}
        trace.append(entry)
        try:
            response = client.chat.completions.create(**_typed(body))
        except openai.APIStatusError as exc:
            entry["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
            entry["status"] = exc.status_code
            entry["error"] = message = _status_text(exc)
            # llama.cpp's server answers an unknown response_format with a 500
            refused = exc.status_code in (400, 422) or (
                exc.status_code >= 500 and "response_format" in message
            )
            if refused and negotiations < len(MODES) + 3:
                negotiations += 1
                with endpoint.lock:
                    if _drop_parameter(endpoint, message, body):
                        continue
                    about_format = not message or _FORMAT_WORDS.search(message) is not None
                    if (
                        about_format
                        and endpoint.mode == mode
                        and MODES.index(mode) + 1 < len(MODES)
                    ):
                        endpoint.mode = MODES[MODES.index(mode) + 1]
                        continue
                    if endpoint.mode != mode:
                        continue  # another thread already moved on
            if exc.status_code == 429 or exc.status_code >= 500:
                wait = _retry_after(exc) if exc.status_code == 429 else None
                if attempts < endpoint.retries and (wait is None or wait <= MAX_RETRY_AFTER):
                    attempts += 1
                    entry["retry_in_s"] = round(wait if wait is not None else _backoff(attempts), 3)
                    endpoint.sleep(entry["retry_in_s"])
                    continue
                if wait is not None and wait > MAX_RETRY_AFTER:
                    raise LLMFailure(
                        f"rate limited by the server (retry after {wait:.0f} s)"
                    ) from None
            raise LLMFailure(f"the server answered HTTP {exc.status_code}: {message}") from None
        except openai.APITimeoutError:
            entry["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
            entry["error"] = f"timed out after {endpoint.timeout:g} s"
            if attempts < endpoint.retries:
                attempts += 1
                endpoint.sleep(_backoff(attempts))
                continue
            raise LLMFailure(f"the server did not answer within {endpoint.timeout:g} s") from None
        except openai.APIConnectionError as exc:
            entry["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
            entry["error"] = f"connection failed: {exc.__class__.__name__}"
            if attempts < endpoint.retries:
                attempts += 1
                entry["retry_in_s"] = round(_backoff(attempts), 3)
                endpoint.sleep(entry["retry_in_s"])
                continue
            raise LLMFailure(f"cannot reach {endpoint.base_url or 'the API'}") from None
        except openai.OpenAIError as exc:
            entry["error"] = f"{exc.__class__.__name__}"
            raise LLMFailure(f"the client failed: {exc.__class__.__name__}") from None
        entry["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
        entry["status"] = 200
        content, problem = _content(response, entry)
        if problem is not None:
            raise LLMFailure(problem)
        try:
            return parse(content)
        except InvalidAnswer as exc:
            entry["invalid"] = str(exc)
            if corrections >= 1:
                raise LLMFailure(f"the model's answer was invalid twice: {exc}") from None
            corrections += 1
            convo = [
                *messages,
                {"role": "assistant", "content": (content or "")[:4000]},
                {
                    "role": "user",
                    "content": f"That answer is invalid: {exc}. Answer again with one JSON"
                    ' object of the form {"findings": [...]} and nothing else.',
                },
            ]


def _typed(body: dict[str, Any]) -> dict[str, Any]:
    """The request as keyword arguments; llama.cpp's `schema` key travels in extra_body."""
    fmt = body.get("response_format")
    if isinstance(fmt, dict) and fmt.get("type") == "json_object" and "schema" in fmt:
        rest = {k: v for k, v in body.items() if k != "response_format"}
        return {**rest, "extra_body": {"response_format": fmt}}
    return body


def _content(response: Any, entry: dict[str, Any]) -> tuple[str | None, str | None]:
    """The answer's text, or why there is none (refusal, filter, no choices)."""
    usage = getattr(response, "usage", None)
    if usage is not None:
        entry["usage"] = {
            "prompt_tokens": getattr(usage, "prompt_tokens", None),
            "completion_tokens": getattr(usage, "completion_tokens", None),
        }
    entry["model"] = str(getattr(response, "model", "") or "")[:200]
    choices = getattr(response, "choices", None) or []
    if not choices:
        entry["response"] = None
        return None, "the server's answer had no choices"
    choice = choices[0]
    message = choice.message
    content = getattr(message, "content", None)
    refusal = getattr(message, "refusal", None)
    entry["finish_reason"] = choice.finish_reason
    entry["response"] = content
    if refusal:
        entry["refusal"] = str(refusal)[:2000]
        return None, f"the model refused to review: {' '.join(str(refusal).split())[:200]}"
    if choice.finish_reason == "content_filter":
        return None, "the server's content filter stopped the answer"
    return content, None


def describe_request(body: dict[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=False, indent=2)
