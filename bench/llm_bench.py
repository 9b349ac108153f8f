"""The LLM stage measured against the scripted OpenAI-compatible server on 127.0.0.1:

- planted secrets: every credential of the secrets test corpus (provider formats, keys,
  passwords in 30 file types) added, deleted and left as context in a change; counted:
  request bodies that contain any part of 6+ characters of a value;
- faults: each injected fault under `on-error = block` and `warn`; counted: runs whose
  verdict is not the configured one;
- re-run: HTTP calls made by a second run of an unchanged change;
- a 5,000-line diff reviewed in chunks, one at a time vs concurrently (wall time), with
  the server answering after a fixed delay per request like a hosted model.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _scan(server: Any, diff: str, cache: str = "", **llm: Any) -> Any:
    from codeguard.config import Config
    from codeguard.config import LLMConfig
    from codeguard.pipeline import run
    from codeguard.ruleset import builtin_rules_dir
    from codeguard.ruleset import load_rules
    from codeguard.sources.patch import from_diff
    from codeguard.stage import LLMAccess
    from codeguard.stages import STAGES

    settings: dict[str, Any] = {"base_url": server.url, "model": "m", "retries": 1, "timeout": 5}
    settings.update(llm)
    config = Config(bandit=False, llm=LLMConfig(**settings))
    changes = from_diff(diff.encode(), origin="bench", cwd=Path("/nonexistent"))
    rules = _rules(load_rules, builtin_rules_dir)
    return run(config, changes, rules, STAGES, llm=LLMAccess(api_key="k", cache_dir=cache))


_RULES: list[Any] = []


def _rules(load: Any, where: Any) -> list[Any]:
    if not _RULES:
        _RULES.extend(load([where()]))
    return _RULES


def _diff(path: str, added: str, removed: str, context: str) -> str:
    plus = added.split("\n")
    minus = removed.split("\n")
    ctx = context.split("\n")
    body = [f" {c}" for c in ctx] + [f"-{m}" for m in minus] + [f"+{p}" for p in plus]
    old = len(ctx) + len(minus)
    new = len(ctx) + len(plus)
    return f"--- a/{path}\n+++ b/{path}\n@@ -1,{old} +1,{new} @@\n" + "\n".join(body) + "\n"


def planted_secrets() -> tuple[int, list[str]]:
    """(cases, ids of cases whose value reached a request body)."""
    from tests.fake_openai import FakeOpenAI
    from tests.test_secrets import KEYWORD_CASES
    from tests.test_secrets import PROVIDER_CASES

    cases = [(k, t, v, "config.txt") for k, t, v in PROVIDER_CASES] + [
        (k, t, v, p or "settings.conf") for k, t, v, p in KEYWORD_CASES
    ]
    server = FakeOpenAI().start()
    leaks = []
    try:
        for i, (kind, text, value, path) in enumerate(cases):
            other = text.replace(value, value[::-1]) if len(value) > 8 else text
            diff = _diff(path, text, other, text if i % 2 else "x = 1")
            before = len(server.requests)
            _scan(server, diff)
            sent = "\n".join(str(r) for r in server.requests[before:])
            parts = {value[j : j + 6] for j in range(0, max(1, len(value) - 5), 3)}
            if len(server.requests) == before:
                raise RuntimeError(f"case {i} ({kind}) sent nothing: the count would be vacuous")
            if len(value) >= 6 and any(p in sent for p in parts if p.strip()):
                leaks.append(f"{kind} in {path}")
    finally:
        server.stop()
    return len(cases), leaks


def faults() -> tuple[int, list[str]]:
    from tests.fake_openai import FakeOpenAI
    from tests.fake_openai import Reply

    diff = _diff("app.py", "x = compute()\ndelete_all()", "x = 1", "import app")
    scripts = {
        "invalid JSON twice": [Reply(content="nope"), Reply(content="nope")],
        "schema violation twice": [Reply(content='{"findings": 3}')] * 2,
        "refusal": [Reply(refusal="no")],
        "content filter": [Reply(finish_reason="content_filter", content="")],
        "HTTP 500 (retries exhausted)": [Reply(status=500)] * 2,
        "HTTP 429 retry-after 600 s": [Reply(status=429, headers={"retry-after": "600"})],
        "HTTP 401": [Reply(status=401)],
        "timeout": [Reply(delay=1.5)] * 2,
        "empty answer": [Reply(content=""), Reply(content="")],
        "not JSON at all (raw body)": [Reply(raw=b"<html>bad gateway</html>")] * 2,
    }
    wrong = []
    runs = 0
    server = FakeOpenAI().start()
    try:
        for name, script in scripts.items():
            for on_error, want in (("block", "error"), ("warn", "warn")):
                server.script = list(script)
                report = _scan(server, diff, on_error=on_error, timeout=0.5)
                runs += 1
                if report.verdict != want or not report.failures:
                    wrong.append(f"{name} / on-error={on_error}: {report.verdict}")
    finally:
        server.stop()
    return runs, wrong


def rerun_calls() -> int:
    from tests.fake_openai import FakeOpenAI

    diff = _diff("app.py", "x = compute()\ndelete_all()", "x = 1", "import app")
    server = FakeOpenAI().start()
    try:
        with tempfile.TemporaryDirectory() as cache:
            _scan(server, diff, cache=cache)
            first = len(server.requests)
            _scan(server, diff, cache=cache)
            return len(server.requests) - first
    finally:
        server.stop()


def chunked(lines: int = 5000, latency: float = 0.4) -> dict[str, float]:
    from tests.fake_openai import FakeOpenAI
    from tests.fake_openai import Reply

    body = "".join(
        f"+result_{i} = transform(batch[{i}], mode='fast')  # {i}\n" for i in range(lines)
    )
    diff = f"--- /dev/null\n+++ b/big.py\n@@ -0,0 +1,{lines} @@\n{body}"
    server = FakeOpenAI().start()
    server.default = Reply(delay=latency)
    out: dict[str, float] = {}
    try:
        for label, concurrency in (("sequential", 1), ("concurrent", 4)):
            before = len(server.requests)
            started = time.perf_counter()
            report = _scan(server, diff, concurrency=concurrency, max_input_tokens=16000)
            out[label] = time.perf_counter() - started
            out[f"{label} chunks"] = len(server.requests) - before
            assert report.verdict == "pass", report.failures  # noqa: S101 - a broken bench
    finally:
        server.stop()
    return out


def section() -> list[str]:
    lines = ["### LLM stage (scripted OpenAI-compatible server on 127.0.0.1)", ""]
    started = time.perf_counter()
    total, leaks = planted_secrets()
    lines.append(
        f"- planted secrets: {total} credentials (added, deleted, as context): "
        f"**{len(leaks)}** reached a request body" + (f" ({', '.join(leaks)})" if leaks else "")
    )
    runs, wrong = faults()
    lines.append(
        f"- injected faults: {runs} runs (10 faults x on-error block/warn): "
        f"**{runs - len(wrong)}/{runs}** gave the configured verdict"
        + (f"; wrong: {'; '.join(wrong)}" if wrong else "")
    )
    lines.append(f"- unchanged re-run: **{rerun_calls()}** HTTP calls")
    timing = chunked()
    ratio = timing["sequential"] / timing["concurrent"]
    lines.append(
        f"- 5,000-line diff, {int(timing['concurrent chunks'])} chunks, 0.4 s per answer:"
        f" sequential {timing['sequential']:.1f} s, concurrency 4 {timing['concurrent']:.1f} s"
        f" (**{ratio:.1f}x** faster)"
    )
    lines += ["", f"({time.perf_counter() - started:.1f} s in all)", ""]
    return lines


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__).parse_args(argv)
    print("\n".join(section()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
