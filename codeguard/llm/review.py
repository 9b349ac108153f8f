"""Review a change: chunks in parallel, cached verdicts reused, answers anchored.

The result says what was reviewed and what was not: a chunk whose call failed is named
in the failure, and the findings of the chunks that did finish are kept (the LLM can add
findings even on a partly failed run; the run still fails per `on-error`).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from codeguard.changes import ChangeSet
from codeguard.config import LLMConfig
from codeguard.llm import answer
from codeguard.llm import prompt
from codeguard.llm.cache import Cache
from codeguard.llm.client import MODES
from codeguard.llm.client import Endpoint
from codeguard.llm.client import LLMFailure
from codeguard.llm.client import complete
from codeguard.llm.view import DEFAULT_EXCLUDE
from codeguard.llm.view import Chunk
from codeguard.llm.view import build
from codeguard.llm.view import tokens

OUTPUT_ALLOWANCE = 2500  # tokens kept free for the contract's framing and the answer


@dataclass
class Outcome:
    found: list[tuple[answer.Anchored, Chunk]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    traces: list[dict[str, Any]] = field(default_factory=list)
    calls: int = 0
    cached: int = 0
    chunks: int = 0


@dataclass
class _ChunkResult:
    index: int
    raws: list[answer.Raw] | None
    error: str | None
    trace: list[dict[str, Any]]
    cached: bool


def review(
    changes: ChangeSet,
    config: LLMConfig,
    api_key: str,
    cache_dir: str,
    description: str = "",
    endpoint: Endpoint | None = None,
) -> Outcome:
    policy = prompt.load_policy(config.policy)
    system_probe = prompt.system_message(policy, "0" * 24)
    budget = config.max_input_tokens - tokens(system_probe) - tokens(description) - OUTPUT_ALLOWANCE
    if budget < 500:
        raise LLMFailure(
            f"llm.max-input-tokens ({config.max_input_tokens}) leaves no room for the change"
            " after the policy; raise it or shorten the policy"
        )
    exclude = (*(config.exclude or DEFAULT_EXCLUDE), *config.extend_exclude)
    view = build(changes, budget, exclude)
    outcome = Outcome(chunks=len(view.chunks))
    if view.skipped:
        shown = ", ".join(view.skipped[:5]) + (" ..." if len(view.skipped) > 5 else "")
        outcome.notes.append(f"llm: not shown to the model: {shown}")
    if not view.chunks:
        return outcome
    cache = Cache(cache_dir)
    endpoint = endpoint or Endpoint(
        base_url=config.base_url,
        model=config.model,
        api_key=api_key,
        timeout=config.timeout,
        retries=config.retries,
        max_output_tokens=config.max_output_tokens,
    )
    mode_key = Cache.key("mode", endpoint.base_url, endpoint.model)
    remembered = cache.get("modes", mode_key)
    if isinstance(remembered, str) and remembered in MODES:
        endpoint.mode = remembered
    started_mode = endpoint.mode

    def one(index: int, chunk: Chunk) -> _ChunkResult:
        key = Cache.key(
            prompt.PROMPT_VERSION, endpoint.base_url, endpoint.model, policy.digest,
            prompt.cache_text(chunk, description),
        )  # fmt: skip
        hit = cache.get("verdicts", key)
        if isinstance(hit, list):
            try:
                raws = answer.parse(_json(hit))
            except answer.InvalidAnswer:
                raws = None
            if raws is not None:
                return _ChunkResult(index, raws, None, [{"cached": True, "key": key}], True)
        trace: list[dict[str, Any]] = []
        nonce = prompt.new_nonce()
        try:
            system = prompt.system_message(policy, nonce)
            user = prompt.user_message(chunk, nonce, description)
            messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
            if not config.system_message:
                messages = [{"role": "user", "content": f"{system}\n\n{user}"}]
        except prompt.NonceInInput as exc:
            return _ChunkResult(index, None, str(exc), trace, False)
        leaked = [s for s in view.secrets if any(s in m["content"] for m in messages)]
        if leaked:
            # masking is checked, not trusted: a value that survived it is never sent
            return _ChunkResult(index, None, "a credential survived masking; not sent", [], False)
        try:
            raws = complete(endpoint, messages, trace)
        except LLMFailure as exc:
            return _ChunkResult(index, None, str(exc), trace, False)
        cache.put("verdicts", key, answer.to_json(raws))
        return _ChunkResult(index, raws, None, trace, False)

    workers = max(1, min(config.concurrency, len(view.chunks)))
    started = time.perf_counter()
    if workers == 1:
        results = [one(i, c) for i, c in enumerate(view.chunks)]
    else:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="codeguard-llm") as pool:
            results = list(pool.map(lambda ic: one(*ic), enumerate(view.chunks)))
    outcome.notes.append(
        f"llm: {len(view.chunks)} chunk(s), {sum(r.cached for r in results)} from cache,"
        f" {round((time.perf_counter() - started) * 1000)} ms"
    )
    learned = endpoint.mode != started_mode or remembered is None
    if learned and any(r.raws is not None and not r.cached for r in results):
        cache.put("modes", mode_key, endpoint.mode)
    for result in results:
        chunk = view.chunks[result.index]
        for entry in result.trace:
            entry["chunk"] = result.index
            entry["covers"] = chunk.describe()
        outcome.traces.extend(result.trace)
        outcome.cached += result.cached
        outcome.calls += sum(1 for e in result.trace if "request" in e)
        if result.raws is None:
            outcome.failures.append(f"{chunk.describe()} not reviewed: {result.error}")
            continue
        for raw in result.raws:
            placed = answer.anchor(raw, chunk)
            if isinstance(placed, str):
                outcome.notes.append(f"llm: dropped a finding that {placed}")
            else:
                outcome.found.append((placed, chunk))
    return outcome


def _json(value: Any) -> str:
    import json

    return json.dumps({"findings": value})
