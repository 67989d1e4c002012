"""What capture reads of a fitted model, through the model adapter of its library (`uitlegbaar.integrations.models`,
imported only when a model is met): the fields of its model record, the view evaluation and explanation use, and
the tables inside a library's own data containers (DMatrix, lgb.Dataset, tensors). Each piece that fails becomes a
gap of its own, so a broken adapter costs that piece, never the record or the training."""

from __future__ import annotations

import hashlib
from typing import Any

from uitlegbaar.analysis.models import ModelView
from uitlegbaar.capture.redact import safe_params
from uitlegbaar.capture.runs import ActiveRun, capturing
from uitlegbaar.evidence.records import ModelInput


def _adapter(model: Any) -> Any:
    from uitlegbaar.integrations.models import adapter_for

    return adapter_for(model)


def is_model(value: Any) -> bool:
    """A fitted model of a library an adapter reads, or any object with a `predict`."""
    if isinstance(value, type):
        return False
    from uitlegbaar.capture.tables import is_table

    if is_table(value):
        return False
    from uitlegbaar.integrations.models import library_of

    if library_of(value) is not None:
        try:
            return bool(_adapter(value).is_model(value))
        except Exception:
            return False
    return hasattr(value, "predict")


def model_fields(
    run: ActiveRun, model: Any, X: Any, *, name: str, function: str, hash_artifact: bool
) -> dict[str, Any]:
    """The ModelRecord fields an adapter finds: class, library, version, hyperparameters, task, features, inputs,
    artifact hash. What the adapter cannot read is a gap; the class alone is always known."""
    cls = type(model)
    fields: dict[str, Any] = {
        "class_name": f"{cls.__module__}.{cls.__qualname__}",
        "library": cls.__module__.split(".")[0],
    }
    with capturing(run, f"the identity of model {name}", function):
        adapter = _adapter(model)
        identity = adapter.identity(model)
        fields |= {
            "class_name": identity.class_name,
            "library": identity.library,
            "library_version": identity.library_version,
            "hyperparameters": safe_params(identity.hyperparameters),
            "default_hyperparameters": identity.default_hyperparameters,
            "task": identity.task,
        }
    if hash_artifact:
        with capturing(run, f"the artifact hash of model {name}", function):
            chunks, kind = _adapter(model).artifact(model)
            digest = hashlib.sha256()
            for chunk in chunks:
                digest.update(chunk)
            fields |= {"artifact_sha256": digest.hexdigest(), "artifact_format": kind}
    fields["inputs"] = inputs_of(run, model, X, name, function)
    names = None
    with capturing(run, f"the features of model {name}", function):
        names = _adapter(model).feature_names(model)
    if names is not None:
        fields["features"] = names
    return fields


def inputs_of(run: ActiveRun, model: Any, X: Any, label: str, function: str | None = None) -> list[ModelInput]:
    """The model's inputs with their lineage and personal-data flags; a failure here is a gap."""
    with capturing(run, f"feature lineage of {label}", function):
        personal = run.personal_columns | set(run.derived_personal)
        found = _adapter(model).inputs(model, X, personal=sorted(personal), sensitive=sorted(run.sensitive_columns))
        return [
            ModelInput(
                **f.model_dump(),
                derived_from=sorted({r for s in f.sources for r in run.derived_personal.get(s, ())}),
            )
            for f in found
        ]
    return []


def view_of(model: Any, X: Any = None, y: Any = None) -> ModelView:
    """The model as evaluation and explanation see it (raises what the adapter raises)."""
    return _adapter(model).view(model, X, y)  # type: ignore[no-any-return]


def holds_data(value: Any) -> bool:
    """A data container of a model library (DMatrix, lgb.Dataset, tensor, TensorDataset, DataLoader)."""
    from uitlegbaar.integrations.models import ADAPTERS

    top = type(value).__module__.split(".")[0]
    if top not in ADAPTERS:
        return False
    from uitlegbaar.integrations.models import adapter_for

    try:
        return bool(adapter_for(value).holds_data(value))
    except Exception:
        return False


def table_of(value: Any) -> Any | None:
    """The table inside a library's data container, or None when it holds none (freed, streamed, on disk)."""
    from uitlegbaar.integrations.models import adapter_for

    return adapter_for(value).table_of(value)


def container_tables(run: ActiveRun, arguments: dict[str, Any], label: str, function: str) -> list[tuple[str, Any]]:
    """(argument name, table) for each argument that is a model library's data container holding a table (a
    DMatrix, lgb.Dataset, tensor, TensorDataset or DataLoader over one); one that cannot be read is a gap."""
    found = []
    for name, value in arguments.items():
        if not holds_data(value):
            continue
        with capturing(run, f"the data in {name} of {label}", function):
            table = table_of(value)
            if table is None:
                run.note_gap(
                    f"the data in {name} of {label}",
                    f"the {type(value).__name__} holds no table uitlegbaar can read (freed, streamed or on disk): "
                    "pass the DataFrame to the decorated function too",
                    function,
                )
            else:
                found.append((name, table))
    return found
