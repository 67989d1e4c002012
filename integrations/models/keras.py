"""Keras 3 (any backend; uitlegbaar's tests and extras use the torch backend, `KERAS_BACKEND=torch`).

Identity is the model's class with its size, layers, optimizer and loss; the artifact is its weights, each variable's
path, dtype, shape and bytes in order; inputs are X's columns; the predict function is the model called on X as
float32 in inference mode, its outputs read as `base.outputs_view` says."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any

from uitlegbaar.integrations.models.base import ModelAdapter, Scalar, column_names, outputs_view
from uitlegbaar.integrations.models.torch import state_chunks

from uitlegbaar.analysis.models import ModelView


class KerasAdapter(ModelAdapter):
    library = "keras"

    def is_model(self, value: Any) -> bool:
        return hasattr(value, "layers") and hasattr(value, "count_params") and hasattr(value, "get_weights")

    def hyperparameters(self, model: Any) -> dict[str, Scalar]:
        optimizer = getattr(model, "optimizer", None)
        found: dict[str, Scalar] = {
            "parameters": int(model.count_params()),
            "layers": ", ".join(type(layer).__name__ for layer in model.layers),
            "optimizer": type(optimizer).__name__ if optimizer is not None else None,
            "loss": str(getattr(model, "loss", None)) if getattr(model, "loss", None) is not None else None,
        }
        if optimizer is not None and hasattr(optimizer, "learning_rate"):
            with contextlib.suppress(TypeError, ValueError):
                found["learning_rate"] = float(optimizer.learning_rate)
        return {k: v for k, v in found.items() if v is not None}

    def defaults(self, model: Any) -> list[str]:
        return []

    def task(self, model: Any) -> Any:
        return None

    def artifact(self, model: Any) -> tuple[Iterable[bytes], str]:
        import numpy as np

        items = [(v.path, np.asarray(v.numpy())) for v in model.weights]
        return state_chunks(items), "keras weights"

    def feature_names(self, model: Any) -> list[str] | None:
        return None  # a network keeps no names: its inputs are the columns of X

    def view(self, model: Any, X: Any = None, y: Any = None) -> ModelView:
        import keras
        import numpy as np

        def forward(rows: Any) -> Any:
            return keras.ops.convert_to_numpy(model(np.asarray(rows, dtype=np.float32), training=False))

        names = column_names(X)
        return outputs_view(forward, y, library="keras", feature_names=names)


ADAPTER = KerasAdapter()
