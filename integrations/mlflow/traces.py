"""The runs' OpenTelemetry spans into MLflow: an exporter that posts each MLflow run's spans by OTLP/HTTP to the
tracking server's `/v1/traces`, with the headers that attach them to the run's experiment and run
(`x-mlflow-experiment-id`, `x-mlflow-run-id`). Spans of runs not linked to MLflow are not sent."""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from uitlegbaar.integrations.mlflow.link import auth_headers

EXPORT_TIMEOUT_S = 2.0


class MlflowSpanExporter(SpanExporter):
    """OTLP/HTTP to `<tracking URI>/v1/traces`, one exporter per (experiment, run)."""

    def __init__(self, tracking_uri: str | None = None) -> None:
        self.tracking_uri = tracking_uri
        self._exporters: dict[tuple[str, str, str], Any] = {}

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        groups: dict[tuple[str, str], list[ReadableSpan]] = defaultdict(list)
        for span in spans:
            attributes = span.attributes or {}
            experiment, run = (
                attributes.get("uitlegbaar.mlflow.experiment_id"),
                attributes.get("uitlegbaar.mlflow.run_id"),
            )
            if experiment and run:
                groups[str(experiment), str(run)].append(span)
        uri = self._uri()
        if not uri:
            return SpanExportResult.SUCCESS if not groups else SpanExportResult.FAILURE
        results = [self._exporter(uri, experiment, run).export(batch) for (experiment, run), batch in groups.items()]
        return SpanExportResult.FAILURE if SpanExportResult.FAILURE in results else SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        exporters, self._exporters = self._exporters, {}
        for exporter in exporters.values():
            exporter.shutdown()

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return True  # every export is sent at once

    def _uri(self) -> str | None:
        if self.tracking_uri:
            return self.tracking_uri
        mlflow = sys.modules.get("mlflow")
        uri = mlflow.get_tracking_uri() if mlflow is not None else None
        return uri if isinstance(uri, str) and uri.startswith(("http://", "https://")) else None

    def _exporter(self, uri: str, experiment: str, run: str) -> Any:
        key = (uri, experiment, run)
        if key not in self._exporters:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            headers = {"x-mlflow-experiment-id": experiment, "x-mlflow-run-id": run, **auth_headers()}
            self._exporters[key] = OTLPSpanExporter(
                endpoint=f"{uri.rstrip('/')}/v1/traces", headers=headers, timeout=EXPORT_TIMEOUT_S
            )
        return self._exporters[key]


def send_traces_to_mlflow(tracking_uri: str | None = None) -> None:
    """From now on, send every MLflow-linked run's spans to the tracking server (next to any OTLP export)."""
    from uitlegbaar.capture import settings as config

    current = config.settings().span_exporter
    if isinstance(current, MlflowSpanExporter) and current.tracking_uri == tracking_uri:
        return
    config.configure(span_exporter=MlflowSpanExporter(tracking_uri))
