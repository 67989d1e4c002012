"""What one outermost training call of a model library trained, for `autolog`'s hooks (hooks.py): the model, the
data it was given (read once the run is known, see `read`), the validation data given with it, and what could not
be read, with what to do instead. One function per training API:

- Lightning's `Trainer.fit(model, train_dataloaders, val_dataloaders, datamodule)` (`lightning` and
  `pytorch_lightning`): the DataLoaders the Trainer itself kept (`trainer.train_dataloader`, `val_dataloaders`:
  those of a datamodule too, as it made them for this fit, so no datamodule code runs again); the LightningModule;
- Keras's `Model.fit(x, y, validation_data=…)`: arrays, DataFrames, tensors (or a DataLoader over tensors); with
  `validation_split`, the rows Keras trains on and the rows it validates on;
- Hugging Face's `Trainer.train()`: the trainer's `train_dataset` and `eval_dataset` (a `datasets.Dataset` is read
  as its Arrow table) and its `model`.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from uitlegbaar.capture.runs import ActiveRun, capturing

ADVICE = (
    "uitlegbaar reads arrays, DataFrames, tensors, TensorDatasets (and Subsets of one), DataLoaders over them and "
    "Hugging Face Datasets; record this data yourself with ub.record_dataset(table, name=...) or "
    "mlflow.log_input(mlflow.data.from_pandas(...)) in the same run"
)


@dataclass
class Trained:
    """What one outermost training call trained. `data` is what the model was trained on, X first ((argument name,
    value): a table, a library's data container, or what went wrong reading it before training); `held_out` the
    validation data given with it; `gaps` (what, why) what the call was given that cannot be read; `aliases` other
    objects MLflow may log as the same model (a Trainer's `model`)."""

    model: Any
    data: list[tuple[str, Any]] | BaseException
    held_out: list[tuple[str, Any]] = field(default_factory=list)
    gaps: list[tuple[str, str]] = field(default_factory=list)
    aliases: tuple[Any, ...] = ()


def arguments(original: Any, self: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    """The call's arguments by name, as the unwrapped method names them ({} when they do not bind)."""
    try:
        bound = inspect.signature(inspect.unwrap(original)).bind_partial(self, *args, **kwargs)
    except (TypeError, ValueError):
        return dict(kwargs)
    return {k: v for k, v in bound.arguments.items() if k != "self"}


def lightning(trainer: Any, given: dict[str, Any]) -> Trained:
    """`Trainer.fit`: the LightningModule and the DataLoaders the Trainer kept for this fit."""
    model = given.get("model")
    if model is None:
        model = trainer.lightning_module
    train = trainer.train_dataloader
    if train is None and not _is_datamodule(given.get("train_dataloaders")):
        train = given.get("train_dataloaders")
    val = trainer.val_dataloaders
    if val is None:
        val = given.get("val_dataloaders")
    gaps = []
    if train is None:
        source = "the datamodule's train_dataloader()" if given.get("datamodule") is not None else "train_dataloaders"
        gaps.append(("the training data of Trainer.fit", f"the Trainer kept no DataLoader of {source}: {ADVICE}"))
    return Trained(
        model,
        list(_flat("train_dataloaders", train)),
        list(_flat("val_dataloaders", val)),
        gaps,
        aliases=(getattr(trainer, "model", None),),
    )


def keras(model: Any, given: dict[str, Any]) -> Trained:
    """`Model.fit(x, y, …, validation_data=…)`: x and y when they are arrays, DataFrames or tensors; a dataset, a
    generator or a dict of inputs is a gap. With `validation_split` (and no validation data) Keras trains on the
    first rows and validates on the last ones, split where it splits them: those are what is recorded."""
    x, y, validation = given.get("x"), given.get("y"), given.get("validation_data")
    split, rows = given.get("validation_split") or 0.0, _rows_of(x)
    if split and validation is None and rows is not None:
        at = math.floor(rows * (1.0 - split))  # as keras's train_validation_split
        data = [("x", _rows(x, 0, at)), ("y", _rows(y, 0, at))]
        return Trained(model, data, [("validation_split.x", _rows(x, at)), ("validation_split.y", _rows(y, at))])
    held_out = [("validation_data", validation)]
    if isinstance(validation, (tuple, list)) and len(validation) in (2, 3):
        held_out = [("validation_data.x", validation[0]), ("validation_data.y", validation[1])]
    return Trained(model, [("x", x), ("y", y)], held_out)


def _rows_of(value: Any) -> int | None:
    """How many rows an array, DataFrame or tensor has (None for anything else: a dataset, a generator, a dict)."""
    shape = getattr(value, "shape", None)
    return int(shape[0]) if shape is not None and len(shape) and hasattr(value, "__getitem__") else None


def _rows(value: Any, start: int, end: int | None = None) -> Any:
    """Rows start to end of an array, DataFrame or tensor (None stays None)."""
    if value is None:
        return None
    return value.iloc[start:end] if hasattr(value, "iloc") else value[start:end]


def transformers(trainer: Any) -> Trained:
    """`Trainer.train()`: the trainer's model, its `train_dataset` and `eval_dataset` (one or a dict of them)."""
    return Trained(
        trainer.model,
        list(_flat("train_dataset", trainer.train_dataset)),
        list(_flat("eval_dataset", trainer.eval_dataset)),
    )


def read(run: ActiveRun, values: list[tuple[str, Any]], label: str, function: str) -> list[tuple[str, Any]]:
    """(name, table) of each value that is a table, or a library's data container holding one; anything else is a
    gap saying what to do, and a failure reading one is a gap too (strict: raises)."""
    from uitlegbaar.capture.models import holds_data, table_of
    from uitlegbaar.capture.tables import is_table

    found = []
    for name, value in values:
        if value is None:
            continue
        what = f"the data in {name} of {label}"
        with capturing(run, what, function):
            if is_table(value):
                found.append((name, value))
                continue
            table = table_of(value) if holds_data(value) else None
            if table is None:
                run.note_gap(what, f"{_described(value)} is not a table in memory: {ADVICE}", function)
            else:
                found.append((name, table))
    return found


def _flat(name: str, value: Any) -> Iterator[tuple[str, Any]]:
    """A value, or each item of a list or mapping of them (Lightning's several loaders, HF's eval datasets)."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _flat(f"{name}[{key}]", item)
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _flat(f"{name}[{i}]", item)
    elif value is not None:
        yield name, value


def _is_datamodule(value: Any) -> bool:
    return any(c.__name__ == "LightningDataModule" for c in type(value).__mro__)


def _described(value: Any) -> str:
    """What a value is, by type (a DataLoader by the dataset it loads); never its contents."""
    cls = type(value)
    text = f"a {cls.__module__}.{cls.__qualname__}"
    dataset = getattr(value, "dataset", None) if cls.__name__ == "DataLoader" else None
    if dataset is not None:
        text += f" over a {type(dataset).__module__}.{type(dataset).__qualname__}"
    return text
