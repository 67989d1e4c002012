"""The generic model adapter, and what every library's adapter returns: an `Identity`, the artifact's bytes, the
inputs and a `ModelView`. A library's adapter subclasses `ModelAdapter` and overrides what its library does its own
way; what is left is read the scikit-learn way (`get_params`, `predict`, `predict_proba`, `classes_`)."""

from __future__ import annotations

import inspect
import pickle
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from uitlegbaar.integrations.sklearn import Feature

from uitlegbaar.analysis.models import ModelView, Task, view_of_estimator

Scalar = str | int | float | bool | None
PLAIN = (str, int, float, bool, type(None))

__all__ = ["ADAPTER", "Feature", "Identity", "ModelAdapter", "column_names", "outputs_view", "plain", "typed_inputs"]


@dataclass(frozen=True)
class Identity:
    """Who a model is: its class, library and version, hyperparameters (those left at their default named) and
    what it predicts."""

    class_name: str
    library: str
    library_version: str | None
    hyperparameters: dict[str, Scalar] = field(default_factory=dict)
    default_hyperparameters: list[str] = field(default_factory=list)
    task: Task | None = None


class ModelAdapter:
    """How to read a model of one library; this generic one reads any picklable object the scikit-learn way."""

    library: str | None = None  # the import name of the library, None for the generic adapter

    def is_model(self, value: Any) -> bool:
        """True for a fitted model of this library (not its data, not a callback)."""
        return hasattr(value, "predict") and not isinstance(value, type)

    def identity(self, model: Any) -> Identity:
        cls = type(model)
        library = self.library or cls.__module__.split(".")[0]
        return Identity(
            class_name=f"{cls.__module__}.{cls.__qualname__}",
            library=library,
            library_version=version_of(library),
            hyperparameters=self.hyperparameters(model),
            default_hyperparameters=self.defaults(model),
            task=self.task(model),
        )

    def hyperparameters(self, model: Any) -> dict[str, Scalar]:
        """`get_params(deep=True)` without nested objects (a pipeline gives each step's settings)."""
        get_params = getattr(model, "get_params", None)
        if get_params is None:
            return {}
        return plain(get_params(deep=True))

    def defaults(self, model: Any) -> list[str]:
        """The `get_params(deep=True)` names whose value is its owner's constructor default."""
        get_params = getattr(model, "get_params", None)
        if get_params is None:
            return []
        try:
            params = get_params(deep=True)
        except Exception:
            return []
        owners = {"": model, **{k: v for k, v in params.items() if hasattr(v, "get_params")}}
        found = []
        for key, value in params.items():
            prefix, _, name = key.rpartition("__")
            owner = owners.get(prefix)
            try:
                default = inspect.signature(type(owner).__init__).parameters[name].default if owner else None
            except (KeyError, TypeError, ValueError):
                continue
            if isinstance(value, PLAIN) and type(default) is type(value) and default == value:
                found.append(key)
        return found

    def task(self, model: Any) -> Task | None:
        """Classification or regression, as scikit-learn's tags tell (None when the model does not say)."""
        if "sklearn" not in sys.modules:
            return None
        from sklearn.base import is_classifier, is_regressor

        try:
            return "classification" if is_classifier(model) else "regression" if is_regressor(model) else None
        except Exception:
            return None

    def artifact(self, model: Any) -> tuple[Iterable[bytes], str]:
        """The bytes the artifact hash is taken of (in chunks), and what they are."""
        return [pickle.dumps(model, protocol=5)], "pickle"

    def feature_names(self, model: Any) -> list[str] | None:
        names = getattr(model, "feature_names_in_", None)
        return None if names is None else [str(n) for n in names]

    def inputs(self, model: Any, X: Any, personal: Iterable[str] = (), sensitive: Iterable[str] = ()) -> list[Feature]:
        """The model's inputs: names and types, each its own source when it is a column of X (the columns of X when
        the model keeps no names of its own, as a torch or Keras network)."""
        names = self.feature_names(model) or column_names(X)
        return typed_inputs(names, X, {}, personal, sensitive) if names else []

    def view(self, model: Any, X: Any = None, y: Any = None) -> ModelView:
        """The model as evaluation and explanation see it (X and y may tell what the model's outputs mean)."""
        return view_of_estimator(model)

    def table_of(self, value: Any) -> Any | None:
        """A library's own data container (DMatrix, lgb.Dataset, a tensor, …) as a table, if it holds one."""
        return None

    def holds_data(self, value: Any) -> bool:
        """True for a data container of this library (`table_of` reads it, or says why not)."""
        return False


ADAPTER = ModelAdapter()


def version_of(library: str) -> str | None:
    """The version of an imported library (its `__version__`; the distribution's metadata otherwise)."""
    module = sys.modules.get(library)
    version = getattr(module, "__version__", None)
    if isinstance(version, str):
        return version
    from importlib import metadata

    try:
        return metadata.version({"sklearn": "scikit-learn"}.get(library, library))
    except metadata.PackageNotFoundError:
        return None


def column_names(X: Any) -> list[str] | None:
    """The column names of a table (pandas, polars, Arrow: whose `columns` are the columns' data), None for an
    array."""
    arrow = type(X).__module__.startswith("pyarrow")
    names = getattr(X, "column_names" if arrow else "columns", None)
    return None if names is None else [str(c) for c in names]


def plain(params: Mapping[str, Any]) -> dict[str, Scalar]:
    """The scalar values of a mapping (floats that are not finite as text), keys as text."""
    out: dict[str, Scalar] = {}
    for key, value in params.items():
        if isinstance(value, PLAIN):
            out[str(key)] = str(value) if isinstance(value, float) and value != value else value
        elif type(value).__module__ == "numpy" and getattr(value, "shape", None) == ():
            out[str(key)] = value.item()
    return out


def typed_inputs(
    names: list[str],
    X: Any,
    types: Mapping[str, str],
    personal: Iterable[str] = (),
    sensitive: Iterable[str] = (),
) -> list[Feature]:
    """Inputs named by the library, typed by X's dtypes where X has the column (else by `types`), each traced to
    the column of X of the same name."""
    from uitlegbaar.integrations.sklearn import _dtypes

    dtypes = _dtypes(X)
    personal_set, sensitive_set = set(personal), set(sensitive)
    return [
        Feature(
            name=name,
            type=dtypes.get(name) or types.get(name),
            sources=[name],
            transforms=[],
            personal=name in personal_set,
            sensitive=name in sensitive_set,
        )
        for name in names
    ]


def outputs_view(
    forward: Any,
    y: Any,
    *,
    library: str,
    feature_names: list[str] | None,
    estimator: Any = None,
) -> ModelView:
    """The view of a network whose forward pass gives one output per row (a logit, a probability or a value) or
    one per class: several outputs are classes 0…k-1 (softmax of the outputs when they are not probabilities); one
    output is a binary classifier's when the outcomes y are 0/1 (sigmoid when not a probability), else a value."""
    import numpy as np

    def outputs(X: Any) -> Any:
        return np.asarray(forward(X), dtype=float)

    classes = _classes(y)
    probe_width = None

    def width(X: Any) -> int:
        nonlocal probe_width
        if probe_width is None:
            probe_width = int(np.atleast_2d(outputs(X[:1] if not hasattr(X, "iloc") else X.iloc[:1])).shape[-1])
        return probe_width

    def probabilities(X: Any) -> Any:
        found = outputs(X)
        if found.ndim == 2 and found.shape[1] > 1:
            if found.min() < 0 or not np.allclose(found.sum(axis=1), 1, atol=1e-3):
                shifted = np.exp(found - found.max(axis=1, keepdims=True))
                found = shifted / shifted.sum(axis=1, keepdims=True)
            return found
        found = found.reshape(-1)
        return found if found.min() >= 0 and found.max() <= 1 else 1 / (1 + np.exp(-found))

    def predict(X: Any) -> Any:
        if width(X) > 1:
            return probabilities(X).argmax(axis=1)
        if classes is None:
            return outputs(X).reshape(-1)
        return (probabilities(X) >= 0.5).astype(int)

    def score(X: Any) -> Any:
        found = probabilities(X)
        return found[:, 1] if found.ndim == 2 else found

    return ModelView(
        predict=predict,
        task="classification" if classes is not None else "regression" if y is not None else None,
        classes=classes,
        score=score if classes is not None and len(classes) == 2 else None,
        feature_names=feature_names,
        estimator=estimator,
        library=library,
    )


def _classes(y: Any) -> tuple[Any, ...] | None:
    """The classes the outcomes y are labels of: (0, 1) for 0/1 outcomes, 0…k-1 for whole numbers, else None."""
    if y is None:
        return None
    import numpy as np

    values = np.asarray(y).ravel()
    found = set(np.unique(values).tolist())
    if found <= {0, 1}:
        return (0, 1)
    if values.dtype.kind in "iu" and min(found) >= 0 and max(found) < 1_000:
        return tuple(range(int(max(found)) + 1))
    return None
