"""What `@ub.evaluate(sensitive=...)`, `@ub.explain` and `@ub.train(explain=True)` compute from a call's
arguments: the model, its inputs X, the true outcomes y and the sensitive attributes, found by name and kind.

Sensitive attributes are often deliberately not model inputs; they are found among the call's arguments
(a parameter or a pandas Series with the attribute's name, or a column of a table argument) and only
group labels and counts are kept, never the rows.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from uitlegbaar.analysis.fairness import group_metrics
from uitlegbaar.analysis.proxies import screen_proxies
from uitlegbaar.capture.tables import is_table
from uitlegbaar.evidence.results import AttributeResult, ProxyResult

TARGET_NAMES = ("y", "y_true", "y_test", "y_val", "y_train", "target", "labels", "label", "outcome")
PREDICTION_NAMES = ("y_pred", "predictions", "predicted")
MAX_GROUPS = 50  # more groups than this is an identifier or a number: bin it first
PROXY_SAMPLE = 100_000  # rows screened for proxies (a seeded sample beyond this)
DEFAULT_THRESHOLDS: dict[str, float] = {"selection_rate_ratio": 0.8}  # the four-fifths rule


@dataclass(frozen=True)
class Arguments:
    """The model, inputs, outcomes and predictions of one call, as far as they were found."""

    model: Any | None
    X: Any | None
    y: Any | None
    predictions: Any | None
    values: Mapping[str, Any]

    @classmethod
    def of(cls, arguments: Mapping[str, Any], exclude: Collection[str] = ()) -> Arguments:
        """Found by name first (`X`, `X_test`, `y`, `y_test`, …), else by kind: the first table is X, the next
        one-column table y. Arguments named in `exclude` (the sensitive attributes), or Series with such a name,
        are never taken for X or y."""
        model = next((v for v in arguments.values() if _is_estimator(v)), None)
        y = next((arguments[n] for n in TARGET_NAMES if arguments.get(n) is not None), None)
        predictions = next((arguments[n] for n in PREDICTION_NAMES if arguments.get(n) is not None), None)
        named_X = next(
            (arguments[n] for n in ("X", "x", "features", "X_test", "X_val", "X_train") if is_table(arguments.get(n))),
            None,
        )
        tables = [
            v
            for n, v in arguments.items()
            if is_table(v)
            and v is not y
            and v is not predictions
            and n not in exclude
            and getattr(v, "name", None) not in exclude
        ]
        X = named_X if named_X is not None else (tables[0] if tables else None)
        if y is None:
            y = next((t for t in tables if t is not X and _is_one_column(t)), None)
        return cls(model, X, y, predictions, arguments)

    def sensitive(self, attribute: str) -> Any | None:
        """The values of a sensitive attribute: a parameter of that name, a Series of that name, or a column."""
        if is_table(self.values.get(attribute)):
            return _one_column(self.values[attribute])
        for value in self.values.values():
            if getattr(value, "name", None) == attribute and hasattr(value, "iloc") and value.ndim == 1:
                return value
        for value in self.values.values():
            columns = getattr(value, "columns", None)
            if columns is not None and attribute in columns:
                return value[attribute]
        return None


def subgroup_analysis(
    arguments: Arguments,
    sensitive: Sequence[str],
    thresholds: Mapping[str, float] | None,
    proxy_threshold: float,
    personal: set[str],
    reported: Collection[str] = (),
) -> tuple[list[AttributeResult], list[ProxyResult], list[str]]:
    """Per-group metrics and proxy screening for each sensitive attribute; notes on what was left out.
    Attributes in `reported` (the function returned their per-group metrics itself) get no notes."""
    import numpy as np

    notes: list[str] = []
    model, X = arguments.model, arguments.X
    if model is None or X is None or arguments.y is None:
        if set(sensitive) <= set(reported):
            return [], [], []
        missing = [n for n, v in (("a fitted model", model), ("X", X), ("y", arguments.y)) if v is None]
        return [], [], [f"subgroup metrics need {', '.join(missing)} among the evaluated function's arguments"]
    columns: dict[str, Any] = {}
    for attribute in sensitive:
        values = arguments.sensitive(attribute)
        if values is None:
            if attribute not in reported:
                notes.append(f"sensitive attribute {attribute!r} was not among the arguments (pass it to the function)")
        elif attribute in personal:
            notes.append(f"sensitive attribute {attribute!r} is declared personal: pass a coarsened version")
        elif _distinct(values) > MAX_GROUPS:
            notes.append(f"sensitive attribute {attribute!r} has more than {MAX_GROUPS} values: bin it first")
        else:
            columns[attribute] = values
    if not columns:
        return [], [], notes
    from uitlegbaar.capture.models import view_of

    view = view_of(model, X, arguments.y)
    task, pos_label = view.task, view.pos_label
    if task is None or (task == "classification" and pos_label is None):
        return [], [], [*notes, "subgroup metrics cover binary classifiers and regressors; this model is neither"]
    predicted = arguments.predictions if arguments.predictions is not None else view.predict(X)
    limits = dict(DEFAULT_THRESHOLDS if thresholds is None and task == "classification" else thresholds or {})
    fairness = group_metrics(
        np.asarray(arguments.y).ravel(),
        np.asarray(predicted).ravel(),
        {a: np.asarray(v).ravel() for a, v in columns.items()},
        task=task,
        thresholds=limits,
        pos_label=pos_label,
    )
    proxies = screen(X, columns, proxy_threshold, exclude=set(sensitive) | personal)
    return fairness, proxies, notes


def screen(X: Any, sensitive: Mapping[str, Any], threshold: float, exclude: set[str]) -> list[ProxyResult]:
    """Proxy screening of X's columns (a seeded sample of at most PROXY_SAMPLE rows)."""
    import numpy as np
    import pandas as pd

    frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X))
    frame = frame.reset_index(drop=True)
    features = frame[[c for c in frame.columns if str(c) not in exclude]]
    values = {a: pd.Series(np.asarray(v).ravel()) for a, v in sensitive.items()}
    if len(features) > PROXY_SAMPLE:
        rows = np.sort(np.random.default_rng(0).permutation(len(features))[:PROXY_SAMPLE])
        features = features.iloc[rows].reset_index(drop=True)
        values = {a: v.iloc[rows].reset_index(drop=True) for a, v in values.items()}
    return screen_proxies(features, values, threshold=threshold)


def by_group(results: Sequence[AttributeResult]) -> dict[str, dict[str, dict[str, float]]]:
    """attribute → group → metric → value (defined metrics and the size), the shape cards show."""
    return {
        r.attribute: {
            g.group: {"size": float(g.size), **{m: v for m, v in g.metrics.items() if v is not None}} for g in r.groups
        }
        for r in results
    }


def _is_estimator(value: Any) -> bool:
    from uitlegbaar.capture.models import is_model

    return is_model(value)


def _is_one_column(table: Any) -> bool:
    shape: tuple[int, ...] = tuple(getattr(table, "shape", ()))
    return len(shape) == 1 or (len(shape) == 2 and shape[1] == 1)


def _one_column(table: Any) -> Any:
    return table.iloc[:, 0] if getattr(table, "ndim", 1) == 2 and hasattr(table, "iloc") else table


def _distinct(values: Any) -> int:
    import numpy as np
    import pandas as pd

    return int(pd.Series(np.asarray(values).ravel()).nunique(dropna=False))
