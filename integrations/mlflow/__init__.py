"""MLflow: capture from MLflow runs without decorators, link decorated runs to MLflow runs, and use a tracking
server as the shared evidence store.

    import uitlegbaar as ub
    mlflow.sklearn.autolog()
    ub.autolog()                 # = uitlegbaar.integrations.mlflow.autolog()

Importing this package does not import mlflow; each part loads it when used.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "autolog": "uitlegbaar.integrations.mlflow.hooks",
    "sync": "uitlegbaar.integrations.mlflow.link",
    "pending": "uitlegbaar.integrations.mlflow.link",
    "MlflowLink": "uitlegbaar.integrations.mlflow.link",
    "MlflowStore": "uitlegbaar.integrations.mlflow.store",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
