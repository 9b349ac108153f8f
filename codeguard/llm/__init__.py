"""The LLM reviewer: a prompted classifier against a written policy.

`view` turns a change into what the model may see (masked, neutralised, chunked by a
token budget), `prompt` wraps it in per-request nonce envelopes, `client` talks to any
OpenAI-compatible server (format negotiation, retries, traces), `answer` validates what
comes back and anchors it to changed lines, `cache` remembers verdicts per chunk, and
`review` runs the chunks concurrently. Nothing here imports `openai` until a call is made.
"""
