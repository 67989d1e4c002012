"""OpenTelemetry: a run is a trace, every capture a span.

uitlegbaar uses its own TracerProvider unless the user hands it one (`configure(tracer_provider=…)`),
and never replaces the global provider. Spans are exported by OTLP/HTTP when an endpoint is configured,
explicitly or through the standard `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`
variables (the exporter reads its headers, timeout and protocol variables itself).
"""

from __future__ import annotations

import contextlib
import os
import threading
from typing import Any

from uitlegbaar._version import __version__
from uitlegbaar.capture import settings as config

TRACER_NAME = "uitlegbaar"
EXPORT_TIMEOUT_S = 2.0
FLUSH_TIMEOUT_MS = 1_000
_lock = threading.Lock()
_tracer: Any = None
_own_provider: Any = None


def tracer() -> Any:
    """The tracer every capture span comes from (created on first use)."""
    global _tracer, _own_provider
    if _tracer is None:
        with _lock:
            if _tracer is None:
                settings = config.settings()
                provider = settings.tracer_provider
                if provider is None:
                    provider = _own_provider = _new_provider(settings.otlp_endpoint, settings.span_exporter)
                _tracer = provider.get_tracer(TRACER_NAME, __version__)
    return _tracer


def exporting(endpoint: str | None = None) -> bool:
    """True when spans have somewhere to go: an explicit endpoint or the standard OTLP variables."""
    return bool(
        endpoint
        or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    )


def _new_provider(endpoint: str | None, extra: Any = None) -> Any:
    """Our own provider. With nowhere to export to, spans are not sampled: they still carry trace and
    span ids (records keep them) but cost a quarter as much as recorded spans."""
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON

    service = os.environ.get("OTEL_SERVICE_NAME", "uitlegbaar")
    exporters = []
    if exporting(endpoint):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        traces = f"{endpoint.rstrip('/')}/v1/traces" if endpoint else None
        timeout = None if _timeout_set() else EXPORT_TIMEOUT_S  # a dead collector must not hold training up
        exporters.append(OTLPSpanExporter(endpoint=traces, timeout=timeout))
    if extra is not None:
        exporters.append(extra)
    provider = TracerProvider(
        resource=Resource.create({"service.name": service}), sampler=ALWAYS_ON if exporters else ALWAYS_OFF
    )
    if exporters:
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        global _exporter
        _exporter = _CountingExporter(exporters)
        provider.add_span_processor(BatchSpanProcessor(_exporter))  # type: ignore[arg-type]  # duck-typed
    return provider


def _timeout_set() -> bool:
    return bool(os.environ.get("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT") or os.environ.get("OTEL_EXPORTER_OTLP_TIMEOUT"))


class _CountingExporter:
    """Passes spans to the real exporters and counts the batches one of them failed to deliver, which the
    SDK's `force_flush` does not tell."""

    def __init__(self, inner: list[Any]) -> None:
        self.inner = inner
        self.failures = 0

    def export(self, spans: Any) -> Any:
        from opentelemetry.sdk.trace.export import SpanExportResult

        results = [exporter.export(spans) for exporter in self.inner]
        if any(result is not SpanExportResult.SUCCESS for result in results):
            self.failures += 1
            return SpanExportResult.FAILURE
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        for exporter in self.inner:
            exporter.shutdown()

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return all(bool(exporter.force_flush(timeout_millis)) for exporter in self.inner)


def _force_flush(provider: Any) -> None:
    with contextlib.suppress(Exception):  # an exporter that is down must not fail anything
        provider.force_flush()


_exporter: _CountingExporter | None = None
_failures_reported = 0


def flush(timeout_ms: int = FLUSH_TIMEOUT_MS) -> int:
    """Push finished spans out now (at the end of a run), waiting at most `timeout_ms`.

    Returns how many span batches failed to export since the last call (a collector that is down or
    refuses them); never raises.
    """
    global _failures_reported
    provider = _own_provider
    if provider is None or _exporter is None:  # a provider of the user's, or nothing to export to
        return 0
    # The SDK's force_flush does not keep to its timeout (it exports every queued batch, each with its
    # own retries), so wait for it in a thread of its own, and no longer than we promised.
    pusher = threading.Thread(target=_force_flush, args=(provider,), name="uitlegbaar-otel-flush", daemon=True)
    pusher.start()
    pusher.join(timeout_ms / 1000)
    if pusher.is_alive() and _exporter is not None:
        _exporter.failures += 1  # still not through: count it as a failed export
    failures = _exporter.failures if _exporter is not None else 0
    new, _failures_reported = failures - _failures_reported, failures
    return new


def reset() -> None:
    """Drop the tracer so the next span picks up new settings; shuts our own provider down."""
    global _tracer, _own_provider, _exporter, _failures_reported
    with _lock:
        if _own_provider is not None:
            with contextlib.suppress(Exception):
                _own_provider.shutdown()
        _tracer = _own_provider = _exporter = None
        _failures_reported = 0


config.on_change(reset)  # `configure(otlp_endpoint=…)` and friends take effect from the next span
