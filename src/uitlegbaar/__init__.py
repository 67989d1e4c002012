"""uitlegbaar: transparency about algorithms as a by-product of the ML pipeline.

    import uitlegbaar as ub

    @ub.dataset(name="aanvragen", source="s3://data/aanvragen.parquet", personal=["bsn"])
    def load() -> pd.DataFrame: ...

Importing the package is cheap: the capture machinery (pydantic, pyarrow, OpenTelemetry) loads on
first use, and pandas, sklearn or mlflow only when you use them yourself.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from uitlegbaar._version import __version__

if TYPE_CHECKING:
    from uitlegbaar.capture.decorators import dataset, evaluate, explain, record_dataset, step, train
    from uitlegbaar.capture.runs import ActiveRun, active_run, current_run, end_run, run
    from uitlegbaar.capture.settings import configure
    from uitlegbaar.errors import (
        CaptureError,
        ConfigurationError,
        StoreError,
        UitlegbaarError,
        UitlegbaarWarning,
    )
    from uitlegbaar.integrations.mlflow import autolog

_EXPORTS = {
    "dataset": "uitlegbaar.capture.decorators",
    "step": "uitlegbaar.capture.decorators",
    "train": "uitlegbaar.capture.decorators",
    "evaluate": "uitlegbaar.capture.decorators",
    "explain": "uitlegbaar.capture.decorators",
    "record_dataset": "uitlegbaar.capture.decorators",
    "run": "uitlegbaar.capture.runs",
    "ActiveRun": "uitlegbaar.capture.runs",
    "active_run": "uitlegbaar.capture.runs",
    "current_run": "uitlegbaar.capture.runs",
    "end_run": "uitlegbaar.capture.runs",
    "configure": "uitlegbaar.capture.settings",
    "autolog": "uitlegbaar.integrations.mlflow",
    "UitlegbaarError": "uitlegbaar.errors",
    "ConfigurationError": "uitlegbaar.errors",
    "StoreError": "uitlegbaar.errors",
    "CaptureError": "uitlegbaar.errors",
    "UitlegbaarWarning": "uitlegbaar.errors",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'uitlegbaar' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
