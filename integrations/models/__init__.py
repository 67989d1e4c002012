"""Model adapters: for each model library, how to read a fitted model's identity (class, library version,
hyperparameters, artifact hash), its inputs (names, types, lineage where the library knows it) and a predict
function for evaluation and explanation (a `uitlegbaar.analysis.models.ModelView`).

One module per library, imported only when a model of that library is met: `adapter_for(model)` walks the model's
class hierarchy for the first library it knows (a user's `nn.Module` subclass is a torch model, a Lightning module
too), so importing this package imports no model library. Models of other libraries get the generic adapter
(`base.ModelAdapter`: pickle, `get_params`, scikit-learn's API when they follow it).

These modules import nothing of uitlegbaar but `analysis.models` and `evidence` (what they return) and each other.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

from uitlegbaar.integrations.models.base import Identity, ModelAdapter

__all__ = ["Identity", "ModelAdapter", "adapter_for", "library_of", "recognised"]

# top-level module of a class in the model's hierarchy → the adapter module that reads it
ADAPTERS = {
    "sklearn": "sklearn",
    "xgboost": "xgboost",
    "lightgbm": "lightgbm",
    "catboost": "catboost",
    "statsmodels": "statsmodels",
    "transformers": "transformers",
    "datasets": "transformers",  # Hugging Face datasets: data, read by the transformers adapter
    "keras": "keras",
    "lightning": "torch",
    "pytorch_lightning": "torch",
    "torch": "torch",
}
_loaded: dict[str, ModelAdapter] = {}


def library_of(model: Any) -> str | None:
    """The first library in the model's class hierarchy that an adapter reads (None: the generic adapter)."""
    for cls in type(model).__mro__:
        top = cls.__module__.split(".")[0]
        if top in ADAPTERS and top in sys.modules:
            return top
    return None


def recognised(value: Any) -> bool:
    """True for a fitted model some adapter reads (without importing any library)."""
    if isinstance(value, type):
        return False
    library = library_of(value)
    if library is None:
        return False
    return adapter_for(value).is_model(value)


def adapter_for(model: Any) -> ModelAdapter:
    """The adapter of the model's library (loaded on first use), or the generic one."""
    library = library_of(model)
    module = ADAPTERS.get(library or "", "base")
    adapter = _loaded.get(module)
    if adapter is None:
        adapter = importlib.import_module(f"uitlegbaar.integrations.models.{module}").ADAPTER
        _loaded[module] = adapter
    return adapter
