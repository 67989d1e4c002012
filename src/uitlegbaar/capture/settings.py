"""Process-wide settings: where evidence goes, how strict capture is, and the small-cell limit.

Settings come from `configure(...)`, else from the environment (`UITLEGBAAR_STORE`, `UITLEGBAAR_STRICT`,
`UITLEGBAAR_MIN_CELL_COUNT`), else from defaults. They are read when used, so tests and users can change the
environment between runs.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from uitlegbaar.errors import ConfigurationError

DEFAULT_STORE = ".uitlegbaar"
DEFAULT_MIN_CELL_COUNT = 10
_TRUTHY = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """Explicit settings; `None` means: fall back to the environment, then the default."""

    store: str | os.PathLike[str] | None = None
    strict: bool | None = None
    tracer_provider: Any = None
    otlp_endpoint: str | None = None
    span_exporter: Any = None
    min_cell_count: int | None = None


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
    min_cell_count: int | None = None,
) -> None:
    """Set where evidence is stored, whether capture failures raise, how spans are exported, and the
    small-cell limit: a value that occurs fewer than `min_cell_count` times (default 10) is never stored
    among a profile's most frequent values.

    `tracer_provider` hands uitlegbaar an OpenTelemetry TracerProvider of your own; by default it
    uses a private one and never touches the global provider. `otlp_endpoint` exports spans by OTLP/HTTP
    (the standard `OTEL_EXPORTER_OTLP_*` variables do the same); `span_exporter` adds an OpenTelemetry span
    exporter of its own (e.g. the one that sends spans to an MLflow tracking server).
    """
    global _settings
    if min_cell_count is not None:
        _check_cell_count(min_cell_count, "min_cell_count=")
    changes = {
        k: v
        for k, v in dict(
            store=store,
            strict=strict,
            tracer_provider=tracer_provider,
            otlp_endpoint=otlp_endpoint,
            span_exporter=span_exporter,
            min_cell_count=min_cell_count,
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


def min_cell_count() -> int:
    """The smallest count a shown value may have: configured, else `UITLEGBAAR_MIN_CELL_COUNT`, else 10."""
    if _settings.min_cell_count is not None:
        return _settings.min_cell_count
    text = os.environ.get("UITLEGBAAR_MIN_CELL_COUNT", "").strip()
    if not text:
        return DEFAULT_MIN_CELL_COUNT
    try:
        value = int(text)
    except ValueError:
        value = 0
    _check_cell_count(value, f"UITLEGBAAR_MIN_CELL_COUNT={text!r}")
    return value


def _check_cell_count(value: Any, where: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigurationError(f"{where} takes a whole number ≥ 1 (1 shows every value), not {value!r}")
