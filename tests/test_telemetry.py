"""OpenTelemetry export through the real CLI to an OTLP/HTTP receiver on 127.0.0.1: the
spans and metrics a collector gets, what never leaves, and that export never decides."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from codeguard import otelenv
from codeguard import telemetry
from codeguard.finding import Report
from tests.conftest import run_cli
from tests.fake_openai import FakeOpenAI
from tests.fake_openai import answer
from tests.fake_openai import finding
from tests.local_server import closed_port_url
from tests.otlp_receiver import OTLPReceiver
from tests.otlp_receiver import running

SECRET = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"
DESTRUCTIVE = "rm -rf /var/lib/postgresql"


@pytest.fixture
def receiver() -> Iterator[OTLPReceiver]:
    yield from running()


def _env(receiver: OTLPReceiver, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
        "CODEGUARD_AUDIT_DB": str(tmp_path / "audit.db"),
        "OTEL_SERVICE_NAME": "",
        "OTEL_RESOURCE_ATTRIBUTES": "",
        "OTEL_SDK_DISABLED": "",
        **extra,
    }


def _runs(receiver: OTLPReceiver) -> list[dict[str, object]]:
    return [s for s in receiver.spans() if s["name"] == "codeguard.run"]


def test_a_blocked_scan_exports_its_run_stages_findings_and_metrics(
    receiver: OTLPReceiver, tmp_path: Path
) -> None:
    target = tmp_path / "settings.py"
    target.write_text(f'STRIPE = "{SECRET}"\nimport shutil\nshutil.rmtree("/etc")\n')
    result = run_cli("scan", str(target), cwd=tmp_path, env=_env(receiver, tmp_path))
    assert result.code == 1, result.err
    assert "OpenTelemetry" not in result.err
    assert {r.path for r in receiver.received} == {"/v1/traces", "/v1/metrics"}
    assert all(r.content_type == "application/x-protobuf" for r in receiver.received)

    (run,) = _runs(receiver)
    attrs = run["attrs"]
    assert isinstance(attrs, dict)
    assert attrs["codeguard.verdict"] == "block" and attrs["codeguard.surface"] == "cli"
    assert attrs["codeguard.blocking"] >= 1
    assert run["resource"] == {**run["resource"], "service.name": "codeguard"}  # type: ignore[dict-item]
    events = run["events"]
    assert isinstance(events, list)
    rules = {e["attrs"]["codeguard.rule_id"] for e in events}
    assert {"CG101", "CG701"} <= rules
    assert all(e["attrs"]["code.filepath"].endswith("settings.py") for e in events)
    stages = [s for s in receiver.spans() if s["name"].startswith("codeguard.stage ")]
    assert {"codeguard.stage destructive", "codeguard.stage secrets"} <= {s["name"] for s in stages}
    assert all(s["parentSpanId"] == run["spanId"] for s in stages)
    assert all(s["traceId"] == run["traceId"] for s in stages)

    metrics = receiver.metrics()
    (runs,) = metrics["codeguard.runs"]
    assert runs["attrs"] == {"codeguard.surface": "cli", "codeguard.verdict": "block"}
    assert int(runs["asInt"]) == 1
    counted = {p["attrs"]["codeguard.rule_id"] for p in metrics["codeguard.findings"]}
    assert {"CG101", "CG701"} <= counted
    assert int(metrics["codeguard.run.duration"][0]["count"]) == 1
    # what never leaves: the secret (even masked text), messages, the code
    raw = receiver.raw()
    assert SECRET.encode() not in raw and SECRET[:12].encode() not in raw
    assert b"rmtree" not in raw and b"STRIPE" not in raw


def test_llm_calls_are_spans_with_tokens_but_never_the_prompt(
    receiver: OTLPReceiver, tmp_path: Path
) -> None:
    server = FakeOpenAI().start()
    try:
        server.script = [answer(finding("jobs/cleanup.py", 2, message="cutoff is zero"))]
        (tmp_path / ".codeguard.toml").write_text(
            f'[llm]\nbase-url = "{server.url}"\nmodel = "test-model"\nretries = 0\n'
        )
        diff = (
            "diff --git a/jobs/cleanup.py b/jobs/cleanup.py\n--- a/jobs/cleanup.py\n"
            "+++ b/jobs/cleanup.py\n@@ -1,2 +1,2 @@\n def purge(db):\n"
            "-    db.delete_older_than(days=30)\n+    db.delete_older_than(days=0)\n"
        )
        env = _env(receiver, tmp_path, CODEGUARD_LLM_API_KEY="cg-key")
        result = run_cli("scan", "--diff", "-", cwd=tmp_path, stdin=diff.encode(), env=env)
    finally:
        server.stop()
    assert result.code == 1, result.err
    (chat,) = [s for s in receiver.spans() if s["name"].startswith("chat")]
    assert chat["attrs"]["gen_ai.request.model"] == "test-model"
    assert chat["attrs"]["gen_ai.usage.input_tokens"] > 0
    assert chat["parentSpanId"] == _runs(receiver)[0]["spanId"]
    tokens = {p["attrs"]["gen_ai.token.type"] for p in receiver.metrics()["codeguard.llm.tokens"]}
    assert tokens == {"input", "output"}
    raw = receiver.raw()
    assert b"delete_older_than" not in raw and b"cutoff is zero" not in raw
    assert b"cg-key" not in raw


def test_fast_path_runs_reach_the_collector_through_the_spool(
    receiver: OTLPReceiver, tmp_path: Path
) -> None:
    env = _env(receiver, tmp_path)
    assert run_cli("scan", "--command", DESTRUCTIVE, cwd=tmp_path, env=env).code == 1
    for _ in range(3):
        assert run_cli("scan", "--command", "ls -la", cwd=tmp_path, env=env).code == 0
    assert len(_runs(receiver)) == 1  # the fast path answered without exporting
    assert (tmp_path / "audit.db.spool").exists()
    assert run_cli("runs", cwd=tmp_path, env=env).code == 0  # reading the log ingests them
    spooled = [s for s in _runs(receiver) if s["attrs"].get("codeguard.fast_path")]
    assert len(spooled) == 3
    assert {s["attrs"]["codeguard.verdict"] for s in spooled} == {"pass"}
    passes = [
        p for p in receiver.metrics()["codeguard.runs"] if p["attrs"]["codeguard.verdict"] == "pass"
    ]
    assert sum(int(p["asInt"]) for p in passes) == 3
    assert b"ls -la" not in receiver.raw()


def test_with_auditing_off_the_fast_path_steps_aside_so_every_run_is_exported(
    receiver: OTLPReceiver, tmp_path: Path
) -> None:
    (tmp_path / ".codeguard.toml").write_text("audit = false\n")
    env = _env(receiver, tmp_path)
    assert run_cli("scan", "--command", DESTRUCTIVE, cwd=tmp_path, env=env).code == 1
    for _ in range(2):
        assert run_cli("scan", "--command", "ls -la", cwd=tmp_path, env=env).code == 0
    verdicts = sorted(s["attrs"]["codeguard.verdict"] for s in _runs(receiver))
    assert verdicts == ["block", "pass", "pass"]
    assert not (tmp_path / "audit.db").exists()


def test_a_hook_answers_first_and_exports_from_a_detached_process(
    receiver: OTLPReceiver, tmp_path: Path
) -> None:
    payload = {
        "session_id": "abc", "transcript_path": "/tmp/t.jsonl", "cwd": str(tmp_path),
        "permission_mode": "default", "hook_event_name": "PreToolUse", "tool_name": "Bash",
        "tool_input": {"command": DESTRUCTIVE}, "tool_use_id": "toolu_1",
    }  # fmt: skip
    result = run_cli(
        "hook", "claude-code", cwd=tmp_path, stdin=json.dumps(payload).encode(),
        env=_env(receiver, tmp_path),
    )  # fmt: skip
    assert json.loads(result.out)["hookSpecificOutput"]["permissionDecision"] == "deny"
    receiver.wait(2)  # traces and metrics, from the detached exporter
    (run,) = _runs(receiver)
    assert run["attrs"]["codeguard.surface"] == "hook:claude-code"
    assert b"postgresql" not in receiver.raw()


@pytest.mark.parametrize("status", [None, 400])
def test_a_collector_that_is_down_or_refuses_changes_no_verdict(
    tmp_path: Path, status: int | None
) -> None:
    def scan(endpoint: str) -> tuple[int, int, str]:
        env = {
            "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
            "OTEL_EXPORTER_OTLP_TIMEOUT": "1",
            "CODEGUARD_AUDIT_DB": str(tmp_path / "audit.db"),
        }
        block = run_cli("scan", "--command", DESTRUCTIVE, cwd=tmp_path, env=env)
        full = {**env, "CODEGUARD_NO_FASTPATH": "1"}
        clean = run_cli("scan", "--command", "ls -la", cwd=tmp_path, env=full)
        return block.code, clean.code, block.err

    if status is None:
        block, clean, err = scan(closed_port_url())
    else:
        for receiver in running(status):
            block, clean, err = scan(receiver.endpoint)
            assert receiver.received  # it was asked
    assert (block, clean) == (1, 0)
    notes = [line for line in err.splitlines() if "OpenTelemetry export failed" in line]
    assert notes and all(line.startswith("codeguard: note: ") for line in notes)
    assert "Traceback" not in err


def test_disabled_or_unconfigured_sends_nothing(receiver: OTLPReceiver, tmp_path: Path) -> None:
    env = _env(receiver, tmp_path, OTEL_SDK_DISABLED="true")
    assert run_cli("scan", "--command", DESTRUCTIVE, cwd=tmp_path, env=env).code == 1
    env = {**_env(receiver, tmp_path), "OTEL_EXPORTER_OTLP_ENDPOINT": ""}
    assert run_cli("scan", "--command", DESTRUCTIVE, cwd=tmp_path, env=env).code == 1
    assert receiver.received == []
    assert otelenv.configured({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:1"})
    assert not otelenv.configured({})


def test_the_service_name_from_the_environment_wins(receiver: OTLPReceiver, tmp_path: Path) -> None:
    env = _env(receiver, tmp_path, OTEL_SERVICE_NAME="platform-guard")
    run_cli("scan", "--command", DESTRUCTIVE, cwd=tmp_path, env=env)
    (run,) = _runs(receiver)
    assert run["resource"]["service.name"] == "platform-guard"


def test_without_the_sdk_one_note_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.delenv("OTEL_SDK_DISABLED", raising=False)
    # a None entry makes `import` raise ImportError, as an absent package does
    monkeypatch.setitem(sys.modules, "opentelemetry.exporter.otlp.proto.http.metric_exporter", None)
    telemetry.export(Report(verdict="pass", findings=(), run_id="r1"), surface="cli")
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "not installed: pip install 'codeguard[otel]'" in err


def test_the_detached_exporter_refuses_what_is_not_a_document(tmp_path: Path) -> None:
    import subprocess

    proc = subprocess.run(
        [sys.executable, "-m", "codeguard.telemetry"], input=b"{not json", capture_output=True,
        check=False, env={"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9", "PATH": ""},
    )  # fmt: skip
    assert proc.returncode == 2 and proc.stdout == b""


@pytest.mark.parametrize(
    ("protocol", "words"),
    [
        ("grpc", "pip install opentelemetry-exporter-otlp-proto-grpc"),
        ("http/json", "codeguard sends http/protobuf or grpc"),
    ],
)
def test_a_protocol_it_cannot_send_is_one_note_and_no_request(
    receiver: OTLPReceiver, tmp_path: Path, protocol: str, words: str
) -> None:
    import importlib.util

    if protocol == "grpc" and importlib.util.find_spec("opentelemetry.exporter.otlp.proto.grpc"):
        pytest.skip("the gRPC exporter is installed here")
    env = _env(receiver, tmp_path, OTEL_EXPORTER_OTLP_PROTOCOL=protocol)
    result = run_cli("scan", "--command", DESTRUCTIVE, cwd=tmp_path, env=env)
    assert result.code == 1
    (note,) = [line for line in result.err.splitlines() if "OpenTelemetry" in line]
    assert note.startswith("codeguard: note: OpenTelemetry export failed: ") and words in note
    assert receiver.received == []


def test_the_http_protocol_named_explicitly_is_sent(receiver: OTLPReceiver, tmp_path: Path) -> None:
    env = _env(receiver, tmp_path, OTEL_EXPORTER_OTLP_PROTOCOL="http/protobuf")
    assert run_cli("scan", "--command", DESTRUCTIVE, cwd=tmp_path, env=env).code == 1
    assert len(_runs(receiver)) == 1
