"""OpenTelemetry export: a span per run (children per stage and per LLM call) and metrics
(runs, findings, run duration, stage failures, LLM tokens), for teams whose dashboards
already speak OTLP.

On when OTEL_EXPORTER_OTLP_ENDPOINT (or a signal's own endpoint) is set and the SDK and
the OTLP/HTTP exporter are installed (`pip install 'codeguard[otel]'`); OTEL_SDK_DISABLED
turns it off. What leaves the machine: verdicts, surfaces, rule ids, stages, severities,
file paths and lines, counts, durations and token counts. Never a finding's message, code,
a command or what the LLM was shown: those stay in the local audit log.

A run becomes a plain document first (`document`), then spans and metrics collected in
memory and sent with one request per signal, so the outcome is known (a batch
processor's thread would die with a short-lived process). The CLI sends before it exits
and a failure is one note on stderr. An agent hook cannot afford the SDK's start-up
(~0.25 s of imports, measured in bench/audit_bench.py) before answering, and agents do
not show a hook's stderr: it hands the document to a detached `python -m
codeguard.telemetry` and answers at once. Export never changes a verdict.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterable
from collections.abc import Mapping
from typing import TYPE_CHECKING
from typing import Any

from codeguard import __version__
from codeguard.otelenv import configured

if TYPE_CHECKING:
    from codeguard.finding import Report

# a gate waits for its export: a collector that does not answer costs this per signal
# (OTEL_EXPORTER_OTLP_TIMEOUT, in seconds as the Python SDK reads it, overrides it)
DEFAULT_TIMEOUT_S = 2.0
MAX_TEXT = 300

Doc = dict[str, Any]


def export(
    report: Report | None,
    *,
    surface: str = "",
    source: str = "",
    config_hash: str = "",
    spooled: Iterable[tuple[str, float, str, str, str]] = (),
    detach: bool = False,
) -> None:
    """Best effort: send this run (None: none) and the clean runs the audit log just took
    from the fast path's spool (id, time, surface, source, config hash), when configured."""
    if not configured():
        return
    runs = [_spooled(*row) for row in spooled]
    if report is not None:
        runs.append(document(report, surface, source, config_hash, time.time_ns()))
    if not runs:
        return
    if detach and _detach({"runs": runs}):
        return
    for problem in send({"runs": runs}):
        print(f"codeguard: note: OpenTelemetry export failed: {problem}", file=sys.stderr)


def document(report: Report, surface: str, source: str, config_hash: str, end_ns: int) -> Doc:
    """What is exported of a run, as JSON-ready data (no message, code or prompt)."""
    failed = {failure.stage for failure in report.failures}
    return {
        **_run(report.run_id, surface, source, config_hash),
        "verdict": report.verdict,
        "end_ns": end_ns,
        "findings": [
            {
                "codeguard.rule_id": f.rule_id,
                "codeguard.rule_name": f.name,
                "codeguard.stage": f.stage,
                "codeguard.severity": f.severity.label,
                "codeguard.blocking": f.blocking,
                "codeguard.suppressed": f.suppressed,
                "codeguard.fingerprint": f.fingerprint,
                "code.filepath": f.path[:MAX_TEXT],
                "code.lineno": f.start.line,
            }
            for f in report.findings
        ],
        "stages": [[name, ms, name in failed] for name, ms in report.timings_ms.items() if ms >= 0],
        "failed_stages": sorted(failed),
        "llm": [_llm(entry) for entry in report.traces],
    }


def _run(run_id: str, surface: str, source: str, config_hash: str) -> Doc:
    return {
        "run_id": run_id,
        "surface": surface,
        "source": source[:MAX_TEXT],
        "config_hash": config_hash,
        "fast_path": False,
        "findings": [],
        "stages": [],
        "failed_stages": [],
        "llm": [],
    }


def _spooled(run_id: str, at: float, surface: str, source: str, config_hash: str) -> Doc:
    """A clean run the fast path spooled (fastpath.spool), ingested by the audit log."""
    return {
        **_run(run_id, surface, source, config_hash),
        "verdict": "pass",
        "end_ns": int(at * 1e9),
        "fast_path": True,
    }


def _llm(entry: Mapping[str, Any]) -> Doc:
    """One LLM request: model, tokens, status and latency (gen_ai conventions), never the
    messages or the answer."""
    request = entry.get("request")
    model = request.get("model") if isinstance(request, Mapping) else None
    raw_usage = entry.get("usage")
    usage: Mapping[str, Any] = raw_usage if isinstance(raw_usage, Mapping) else {}
    latency = entry.get("latency_ms")
    attributes: Doc = {"gen_ai.operation.name": "chat"}
    if isinstance(model, str):
        attributes["gen_ai.request.model"] = model[:200]
    if isinstance(entry.get("model"), str) and entry["model"]:
        attributes["gen_ai.response.model"] = entry["model"][:200]
    for key, name in (
        ("prompt_tokens", "gen_ai.usage.input_tokens"),
        ("completion_tokens", "gen_ai.usage.output_tokens"),
    ):
        if isinstance(usage.get(key), int):
            attributes[name] = usage[key]
    if isinstance(entry.get("status"), int):
        attributes["http.response.status_code"] = entry["status"]
    return {
        "attributes": attributes,
        "duration_ns": int(float(latency) * 1e6) if isinstance(latency, (int, float)) else 0,
        "failed": bool(entry.get("error") or entry.get("invalid")),
    }


def _detach(doc: Doc) -> bool:
    """Hand the document to a detached exporter process; False if it cannot start."""
    try:
        child = subprocess.Popen(
            [sys.executable, "-m", "codeguard.telemetry"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # outlives the hook; the agent's signals do not reach it
        )
        if child.stdin is None:
            return False
        child.stdin.write(json.dumps(doc).encode())
        child.stdin.close()
    except OSError:
        return False
    return True


def send(doc: Doc) -> list[str]:
    """Send the runs in `doc`; the problems, one line each (empty: all accepted)."""
    try:
        return _send(doc)
    except ImportError as exc:
        missing = exc.name or "opentelemetry"
        return [f"{missing} is not installed: pip install 'codeguard[otel]'"]
    except Exception as exc:
        return [f"{type(exc).__name__}: {exc}"]


def _timeout(signal: str) -> float | None:
    env = os.environ
    if env.get("OTEL_EXPORTER_OTLP_TIMEOUT") or env.get(f"OTEL_EXPORTER_OTLP_{signal}_TIMEOUT"):
        return None  # the SDK reads it
    return DEFAULT_TIMEOUT_S


def _resource() -> Any:
    from opentelemetry.sdk.resources import Resource

    attributes: dict[str, str] = {"service.version": __version__}
    named = os.environ.get("OTEL_SERVICE_NAME") or "service.name=" in os.environ.get(
        "OTEL_RESOURCE_ATTRIBUTES", ""
    )
    if not named:
        attributes["service.name"] = "codeguard"
    return Resource.create(attributes)


def _protocol(signal: str) -> str:
    env = os.environ
    chosen = env.get(f"OTEL_EXPORTER_OTLP_{signal}_PROTOCOL") or env.get(
        "OTEL_EXPORTER_OTLP_PROTOCOL", ""
    )
    return chosen.strip().lower() or "http/protobuf"


def _exporters() -> tuple[Any, Any]:
    """The span and metric exporter classes for OTEL_EXPORTER_OTLP_PROTOCOL."""
    protocols = {_protocol("TRACES"), _protocol("METRICS")}
    if protocols == {"http/protobuf"}:
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter, OTLPMetricExporter
    if protocols == {"grpc"}:
        import importlib

        base = "opentelemetry.exporter.otlp.proto.grpc"
        try:
            traces = importlib.import_module(f"{base}.trace_exporter")
            metrics = importlib.import_module(f"{base}.metric_exporter")
        except ImportError:
            raise _Unusable(
                "OTEL_EXPORTER_OTLP_PROTOCOL is grpc: pip install"
                " opentelemetry-exporter-otlp-proto-grpc (or use http/protobuf)"
            ) from None
        return traces.OTLPSpanExporter, metrics.OTLPMetricExporter
    raise _Unusable(
        f"OTEL_EXPORTER_OTLP_PROTOCOL {' and '.join(sorted(protocols))}: codeguard sends"
        " http/protobuf or grpc, one for both signals"
    )


class _Unusable(Exception):
    """The environment asks for an export codeguard cannot make: one note, no retry."""


def _send(doc: Doc) -> list[str]:
    import logging

    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.metrics.export import MetricExportResult
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export import SpanExportResult
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    messages: list[str] = []

    class Collect(logging.Handler):
        """The exporters report failures through logging: keep them for one note each."""

        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage().splitlines()[0][:MAX_TEXT])

    try:
        span_class, metric_class = _exporters()
    except _Unusable as exc:
        return [str(exc)]
    resource = _resource()
    spans = InMemorySpanExporter()
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    reader = InMemoryMetricReader()
    meter_provider = MeterProvider(resource=resource, metric_readers=[reader])
    tracer = tracer_provider.get_tracer("codeguard", __version__)
    _measure(meter_provider.get_meter("codeguard", __version__), doc["runs"])
    for run in doc["runs"]:
        _trace(tracer, run)

    collect = Collect(logging.WARNING)
    otel_log = logging.getLogger("opentelemetry")
    otel_log.addHandler(collect)
    propagate, otel_log.propagate = otel_log.propagate, False
    problems: list[str] = []
    try:
        span_exporter = span_class(timeout=_timeout("TRACES"))
        if span_exporter.export(spans.get_finished_spans()) is not SpanExportResult.SUCCESS:
            problems.append("traces: " + ("; ".join(messages) or "not accepted"))
        span_exporter.shutdown()
        messages.clear()
        data = reader.get_metrics_data()
        metric_exporter = metric_class(timeout=_timeout("METRICS"))
        if data is not None and metric_exporter.export(data) is not MetricExportResult.SUCCESS:
            problems.append("metrics: " + ("; ".join(messages) or "not accepted"))
        metric_exporter.shutdown()
    finally:
        otel_log.removeHandler(collect)
        otel_log.propagate = propagate
        tracer_provider.shutdown()
        meter_provider.shutdown()
    return problems


def _trace(tracer: Any, run: Doc) -> None:
    from opentelemetry.trace import Status
    from opentelemetry.trace import StatusCode
    from opentelemetry.trace import set_span_in_context

    # stages overlap (bandit runs beside the others): the run spans their sum, and each
    # stage span carries its measured duration from the run's start
    end_ns = int(run["end_ns"])
    start_ns = end_ns - int(sum(ms for _, ms, _ in run["stages"]) * 1e6)
    root = tracer.start_span(
        "codeguard.run",
        start_time=start_ns,
        attributes={
            "codeguard.run_id": run["run_id"],
            "codeguard.surface": run["surface"],
            "codeguard.source": run["source"],
            "codeguard.config_hash": run["config_hash"],
            "codeguard.version": __version__,
            "codeguard.verdict": run["verdict"],
            "codeguard.fast_path": run["fast_path"],
            "codeguard.findings": sum(not f["codeguard.suppressed"] for f in run["findings"]),
            "codeguard.blocking": sum(bool(f["codeguard.blocking"]) for f in run["findings"]),
            "codeguard.failures": len(run["failed_stages"]),
        },
    )
    context = set_span_in_context(root)
    for name, ms, failed in run["stages"]:
        span = tracer.start_span(
            f"codeguard.stage {name}",
            context=context,
            start_time=start_ns,
            attributes={"codeguard.stage": name},
        )
        if failed:
            span.set_status(Status(StatusCode.ERROR, "the stage did not finish"))
        span.end(end_time=start_ns + int(ms * 1e6))
    for finding in run["findings"]:
        root.add_event("codeguard.finding", attributes=finding)
    for call in run["llm"]:
        name = f"chat {call['attributes'].get('gen_ai.request.model', '')}".strip()
        span = tracer.start_span(
            name,
            context=context,
            start_time=end_ns - call["duration_ns"],
            attributes=call["attributes"],
        )
        if call["failed"]:
            span.set_status(Status(StatusCode.ERROR, "no valid answer"))
        span.end(end_time=end_ns)
    if run["failed_stages"]:
        root.set_status(Status(StatusCode.ERROR, "a stage did not finish"))
    root.end(end_time=end_ns)


def _measure(meter: Any, runs: list[Doc]) -> None:
    counter = meter.create_counter("codeguard.runs", unit="{run}", description="Runs by verdict")
    findings = meter.create_counter(
        "codeguard.findings", unit="{finding}", description="Findings by rule"
    )
    duration = meter.create_histogram(
        "codeguard.run.duration", unit="ms", description="Time spent in stages per run"
    )
    failures = meter.create_counter(
        "codeguard.stage.failures", unit="{failure}", description="Stages that did not finish"
    )
    tokens = meter.create_counter(
        "codeguard.llm.tokens", unit="{token}", description="LLM tokens in and out"
    )
    for run in runs:
        outcome = {"codeguard.surface": run["surface"], "codeguard.verdict": run["verdict"]}
        counter.add(1, outcome)
        if not run["fast_path"]:  # the fast path measures nothing
            duration.record(sum(ms for _, ms, _ in run["stages"]), outcome)
        for finding in run["findings"]:
            keys = ("rule_id", "stage", "severity", "blocking", "suppressed")
            findings.add(1, {f"codeguard.{k}": finding[f"codeguard.{k}"] for k in keys})
        for stage in run["failed_stages"]:
            failures.add(1, {"codeguard.stage": stage})
        for call in run["llm"]:
            for key, kind in (("input_tokens", "input"), ("output_tokens", "output")):
                count = call["attributes"].get(f"gen_ai.usage.{key}")
                if isinstance(count, int):
                    tokens.add(count, {"gen_ai.token.type": kind})


def main() -> int:
    """The detached exporter: a document on stdin (see `export`)."""
    try:
        doc = json.loads(sys.stdin.buffer.read())
    except ValueError:
        return 2
    return 1 if send(doc) else 0


if __name__ == "__main__":
    raise SystemExit(main())
