"""Process-wide settings: where evidence goes and how strict capture is.

Settings come from `configure(...)`, else from the environment (`UITLEGBAAR_STORE`,
`UITLEGBAAR_STRICT`), else from defaults. They are read when used, so tests and users can change the
environment between runs.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

DEFAULT_STORE = ".uitlegbaar"
_TRUTHY = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """Explicit settings; `None` means: fall back to the environment, then the default."""

    store: str | os.PathLike[str] | None = None
    strict: bool | None = None
    tracer_provider: Any = None
    otlp_endpoint: str | None = None
    span_exporter: Any = None


_settings = Settings()
_listeners: list[Callable[[], None]] = []


def on_change(listener: Callable[[], None]) -> None:
    """Call `listener` whenever the span settings change (the tracer is made again from them)."""
    _listeners.append(listener)


def _changed() -> None:
    for listener in _listeners:
        listener()


def configure(
    *,
    store: str | os.PathLike[str] | None = None,
    strict: bool | None = None,
    tracer_provider: Any = None,
    otlp_endpoint: str | None = None,
    span_exporter: Any = None,
) -> None:
    """Set where evidence is stored, whether capture failures raise, and how spans are exported.

    `tracer_provider` hands uitlegbaar an OpenTelemetry TracerProvider of your own; by default it
    uses a private one and never touches the global provider. `otlp_endpoint` exports spans by OTLP/HTTP
    (the standard `OTEL_EXPORTER_OTLP_*` variables do the same); `span_exporter` adds an OpenTelemetry span
    exporter of its own (e.g. the one that sends spans to an MLflow tracking server).
    """
    global _settings
    changes = {
        k: v
        for k, v in dict(
            store=store,
            strict=strict,
            tracer_provider=tracer_provider,
            otlp_endpoint=otlp_endpoint,
            span_exporter=span_exporter,
        ).items()
        if v is not None
    }
    _settings = replace(_settings, **changes)
    if tracer_provider is not None or otlp_endpoint is not None or span_exporter is not None:
        _changed()


def reset() -> None:
    """Forget everything set by `configure` (mainly for tests)."""
    global _settings
    _settings = Settings()
    _changed()


def settings() -> Settings:
    return _settings


def store_path() -> Path:
    """The local store folder: configured, else `UITLEGBAAR_STORE`, else `./.uitlegbaar`."""
    chosen = _settings.store or os.environ.get("UITLEGBAAR_STORE") or DEFAULT_STORE
    return Path(chosen)


def strict() -> bool:
    """True when capture failures must raise instead of warning."""
    if _settings.strict is not None:
        return _settings.strict
    return os.environ.get("UITLEGBAAR_STRICT", "").strip().lower() in _TRUTHY
