"""An OTLP/HTTP receiver on 127.0.0.1 for tests: it records every export request and
decodes it with the OpenTelemetry protobuf definitions, as a collector would."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from google.protobuf.json_format import MessageToDict
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from tests.local_server import LocalServer
from tests.local_server import QuietHandler


@dataclass
class Received:
    path: str
    content_type: str
    body: bytes


class OTLPReceiver(LocalServer):
    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.received: list[Received] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                with receiver.lock:
                    receiver.received.append(
                        Received(self.path, self.headers.get("content-type", ""), body)
                    )
                self.send_response(receiver.status)
                self.send_header("content-type", "application/x-protobuf")
                self.send_header("content-length", "0")
                self.end_headers()

        super().__init__(Handler)

    @property
    def endpoint(self) -> str:
        return self.origin

    def wait(self, requests: int, timeout: float = 60.0) -> None:
        """Until `requests` exports have arrived (a hook exports from a detached process)."""
        deadline = time.monotonic() + timeout
        while len(self.received) < requests:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.received)} of {requests} exports arrived")
            time.sleep(0.05)

    def raw(self) -> bytes:
        return b"".join(r.body for r in self.received)

    def spans(self) -> list[dict[str, Any]]:
        """Every span received, with its resource's and its own attributes as dicts."""
        out = []
        for r in self.received:
            if r.path != "/v1/traces":
                continue
            request = ExportTraceServiceRequest()
            request.ParseFromString(r.body)
            doc = MessageToDict(request)
            for resource_spans in doc.get("resourceSpans", []):
                resource = _attributes(resource_spans.get("resource", {}))
                for scope in resource_spans.get("scopeSpans", []):
                    for span in scope.get("spans", []):
                        span["attrs"] = _attributes(span)
                        span["resource"] = resource
                        for event in span.get("events", []):
                            event["attrs"] = _attributes(event)
                        out.append(span)
        return out

    def metrics(self) -> dict[str, list[dict[str, Any]]]:
        """Data points by metric name, each with its attributes as a dict."""
        out: dict[str, list[dict[str, Any]]] = {}
        for r in self.received:
            if r.path != "/v1/metrics":
                continue
            request = ExportMetricsServiceRequest()
            request.ParseFromString(r.body)
            for resource_metrics in MessageToDict(request).get("resourceMetrics", []):
                for scope in resource_metrics.get("scopeMetrics", []):
                    for metric in scope.get("metrics", []):
                        data = metric.get("sum") or metric.get("histogram") or {}
                        for point in data.get("dataPoints", []):
                            point["attrs"] = _attributes(point)
                            out.setdefault(metric["name"], []).append(point)
        return out


def _attributes(item: dict[str, Any]) -> dict[str, Any]:
    return {a["key"]: _value(a.get("value", {})) for a in item.get("attributes", [])}


def _value(value: dict[str, Any]) -> Any:
    for kind in ("stringValue", "boolValue", "doubleValue"):
        if kind in value:
            return value[kind]
    if "intValue" in value:
        return int(value["intValue"])
    return value


def running(status: int = 200) -> Iterator[OTLPReceiver]:
    receiver = OTLPReceiver(status).start()
    try:
        yield receiver
    finally:
        receiver.stop()
