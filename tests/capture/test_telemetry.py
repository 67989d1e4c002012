"""OpenTelemetry: runs as traces, spans exported by OTLP/HTTP to a real endpoint on 127.0.0.1.

No OpenTelemetry Collector runs here, so the endpoint is a small HTTP server that records what it
receives and decodes it with the OTLP protobuf classes: a test double for the collector only.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from opentelemetry import trace
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

import uitlegbaar as ub
from uitlegbaar.capture import settings
from uitlegbaar.store import LocalStore


class Receiver(HTTPServer):
    def __init__(self) -> None:
        self.requests: list[tuple[str, bytes]] = []
        self.status = 200  # what it answers, and after how long (a collector in trouble)
        self.delay_s = 0.0
        super().__init__(("127.0.0.1", 0), Handler)

    def spans(self) -> list[tuple[str, dict[str, object]]]:
        out = []
        for path, body in self.requests:
            assert path == "/v1/traces"
            request = ExportTraceServiceRequest.FromString(body)
            for resource in request.resource_spans:
                for scope in resource.scope_spans:
                    for span in scope.spans:
                        attributes = {a.key: a.value.string_value or a.value.int_value for a in span.attributes}
                        out.append(
                            (span.name, {**attributes, "trace_id": span.trace_id.hex(), "span_id": span.span_id.hex()})
                        )
        return out


class Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.requests.append((self.path, body))
        time.sleep(self.server.delay_s)
        self.send_response(self.server.status)
        self.send_header("Content-Type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


@ub.step
def add_one(x: int) -> int:
    return x + 1


def test_a_run_is_one_trace_and_each_capture_a_span_linked_to_its_record(store: Path, receiver: Receiver) -> None:
    ub.configure(otlp_endpoint=f"http://127.0.0.1:{receiver.server_port}")
    with ub.run("traced") as run:
        add_one(1)
        add_one(2)
    spans = receiver.spans()
    names = sorted(name for name, _ in spans)
    assert names == [
        "uitlegbaar.run traced",
        "uitlegbaar.step test_telemetry.add_one",
        "uitlegbaar.step test_telemetry.add_one",
    ]
    assert len({attrs["trace_id"] for _, attrs in spans}) == 1
    steps = [r for r in LocalStore.open(store).load(run.id) if r.kind == "step"]
    exported = {attrs["uitlegbaar.record_id"]: attrs for name, attrs in spans if "step" in name}
    for record in steps:
        assert exported[record.id]["span_id"] == record.span_id
        assert exported[record.id]["trace_id"] == record.trace_id
        assert exported[record.id]["uitlegbaar.run_id"] == run.id


def test_the_standard_otlp_variables_switch_export_on(
    store: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{receiver.server_port}")
    settings.reset()  # the tracer is made on first use: drop the one an earlier test made
    ub.configure(store=store)  # (reset forgets the store too: never write into the working folder)
    with ub.run("from env"):
        add_one(1)
    assert {name for name, _ in receiver.spans()} == {
        "uitlegbaar.run from env",
        "uitlegbaar.step test_telemetry.add_one",
    }


def test_the_global_tracer_provider_is_left_alone(store: Path) -> None:
    before = trace.get_tracer_provider()
    with ub.run("own provider"):
        add_one(1)
    assert trace.get_tracer_provider() is before


def test_a_provider_handed_in_is_used(store: Path) -> None:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    ub.configure(tracer_provider=provider)
    with ub.run("handed in"):
        add_one(1)
    assert sorted(s.name for s in memory.get_finished_spans()) == [
        "uitlegbaar.run handed in",
        "uitlegbaar.step test_telemetry.add_one",
    ]


def test_an_endpoint_that_refuses_connections_costs_a_warning_and_a_gap_not_the_run(store: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: connections are refused
    ub.configure(otlp_endpoint=f"http://127.0.0.1:{port}")
    with pytest.warns(ub.UitlegbaarWarning, match="OpenTelemetry spans"), ub.run("collector down") as run:
        assert add_one(41) == 42
    records = LocalStore.open(store).load(run.id)
    assert [r.kind for r in records] == ["run", "step", "gap", "run_end"]
    assert records[-1].status == "finished"  # type: ignore[attr-defined]


@pytest.mark.parametrize(("status", "delay_s"), [(500, 0.0), (200, 3.0)], ids=["answers-500", "answers-slowly"])
def test_an_endpoint_that_fails_or_answers_slowly_costs_a_warning_and_a_gap_not_the_run(
    store: Path, receiver: Receiver, status: int, delay_s: float
) -> None:
    receiver.status, receiver.delay_s = status, delay_s
    ub.configure(otlp_endpoint=f"http://127.0.0.1:{receiver.server_port}")
    with pytest.warns(ub.UitlegbaarWarning, match="OpenTelemetry spans"), ub.run("collector in trouble") as run:
        assert add_one(41) == 42
    assert receiver.requests  # the spans were offered
    records = LocalStore.open(store).load(run.id)
    assert [r.kind for r in records] == ["run", "step", "gap", "run_end"]
    assert records[2].what == "OpenTelemetry spans"  # type: ignore[attr-defined]
    assert records[-1].status == "finished"  # type: ignore[attr-defined]
