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

TRACER_NAME = "uitlegbaar"
_lock = threading.Lock()
_tracer: Any = None
_own_provider: Any = None


def tracer() -> Any:
    """The tracer every capture span comes from (created on first use)."""
    global _tracer, _own_provider
    if _tracer is None:
        with _lock:
            if _tracer is None:
                from uitlegbaar import config

                provider = config.settings().tracer_provider
                if provider is None:
                    provider = _own_provider = _new_provider(config.settings().otlp_endpoint)
                _tracer = provider.get_tracer(TRACER_NAME, __version__)
    return _tracer


def exporting(endpoint: str | None = None) -> bool:
    """True when spans have somewhere to go: an explicit endpoint or the standard OTLP variables."""
    return bool(
        endpoint
        or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    )


def _new_provider(endpoint: str | None) -> Any:
    """Our own provider. With nowhere to export to, spans are not sampled: they still carry trace and
    span ids (records keep them) but cost a quarter as much as recorded spans."""
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON

    service = os.environ.get("OTEL_SERVICE_NAME", "uitlegbaar")
    export = exporting(endpoint)
    provider = TracerProvider(
        resource=Resource.create({"service.name": service}), sampler=ALWAYS_ON if export else ALWAYS_OFF
    )
    if export:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        traces = f"{endpoint.rstrip('/')}/v1/traces" if endpoint else None
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=traces)))
    return provider


def flush(timeout_ms: int = 5_000) -> None:
    """Push finished spans out now (at the end of a run); never raises."""
    provider = _own_provider
    if provider is not None:
        with contextlib.suppress(Exception):  # an exporter that is down must not fail the run
            provider.force_flush(timeout_ms)


def reset() -> None:
    """Drop the tracer so the next span picks up new settings; shuts our own provider down."""
    global _tracer, _own_provider
    with _lock:
        if _own_provider is not None:
            with contextlib.suppress(Exception):
                _own_provider.shutdown()
        _tracer = _own_provider = None
