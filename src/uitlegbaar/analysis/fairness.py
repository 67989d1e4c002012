"""Model performance per group of each sensitive attribute, with disparities and threshold checks.

    results = group_metrics(y_true, y_pred, {"geslacht": sex, "regio": region},
                            thresholds={"selection_rate_ratio": 0.8})

Each attribute is counted in one vectorised pass (group codes from `np.unique(..., return_inverse=True)`,
counts from one `np.bincount`), so a million rows take milliseconds per attribute. The results hold group
labels and numbers only, never the rows themselves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from uitlegbaar.evidence.results import (
    CHECK_KINDS,
    CLASSIFICATION_METRICS,
    REGRESSION_METRICS,
    AttributeResult,
    Disparity,
    GroupMetrics,
    Task,
    ThresholdCheck,
    threshold_names,
)

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = [  # the metric tables live with the results they describe; kept importable from here
    "CHECK_KINDS",
    "CLASSIFICATION_METRICS",
    "REGRESSION_METRICS",
    "disparity",
    "group_codes",
    "group_metrics",
    "threshold_names",
]


def group_metrics(
    y_true: Any,
    y_pred: Any,
    groups: Mapping[str, Any],
    *,
    task: Task = "classification",
    thresholds: Mapping[str, float] | None = None,
    pos_label: Any = 1,
) -> list[AttributeResult]:
    """Metrics per group of each sensitive attribute in `groups`, with disparities and threshold checks.

    Classification (binary; `pos_label` is positive, anything else negative): size, selection_rate,
    true_positive_rate, false_positive_rate, accuracy, precision, recall. Regression: size, mae, rmse.
    "Best" group per metric: highest for selection rate, TPR, accuracy, precision and recall; lowest for
    FPR, MAE and RMSE. Disparity difference is |best − worst|; ratio is min/max (in [0, 1], 1 = parity).
    `thresholds` maps `<metric>_ratio` (pass when ≥) or `<metric>_difference` (pass when ≤) to a bound.
    """
    import numpy as np

    metrics = CLASSIFICATION_METRICS if task == "classification" else REGRESSION_METRICS
    checks = _parse_thresholds(thresholds or {}, metrics)
    truth, pred = np.asarray(y_true).ravel(), np.asarray(y_pred).ravel()
    _check_lengths(len(truth), len(pred), groups)
    if task not in ("classification", "regression"):
        raise ValueError(f"task must be 'classification' or 'regression', not {task!r}")
    if task == "classification":
        positive, predicted = truth == pos_label, pred == pos_label
    else:
        errors = _errors(truth, pred)
    results = []
    for attribute, column in groups.items():
        labels, codes = group_codes(column)
        if task == "classification":
            per_group = _classification(positive, predicted, codes, len(labels))
        else:
            per_group = _regression(errors, codes, len(labels))
        results.append(_attribute_result(attribute, task, labels, per_group, metrics, checks))
    return results


def group_codes(values: Any) -> tuple[list[str], NDArray[np.intp]]:
    """Sorted group labels (as text) and each row's index into them."""
    import numpy as np

    if str(getattr(values, "dtype", "")) == "category":
        uniques, inverse = np.unique(values.cat.codes.to_numpy(), return_inverse=True)
        categories = values.cat.categories
        return [str(categories[u]) if u >= 0 else "nan" for u in uniques.tolist()], inverse.ravel()
    array = np.asarray(values).ravel()
    if array.dtype == object:
        return _object_codes(array)
    uniques, inverse = np.unique(array, return_inverse=True)
    return [str(u) for u in uniques.tolist()], inverse.ravel()


def _object_codes(array: NDArray[Any]) -> tuple[list[str], NDArray[np.intp]]:
    """Codes of an object array: a hash factorisation with pandas when it is there, else via text."""
    import numpy as np

    try:
        import pandas as pd
    except ImportError:
        uniques, inverse = np.unique(array.astype(str), return_inverse=True)
        return [str(u) for u in uniques.tolist()], inverse.ravel()
    codes, uniques = pd.factorize(array, sort=True, use_na_sentinel=False)
    return [str(u) for u in uniques.tolist()], codes.astype(np.intp)


def _check_lengths(rows: int, predictions: int, groups: Mapping[str, Any]) -> None:
    if rows == 0:
        raise ValueError("y_true is empty")
    if predictions != rows:
        raise ValueError(f"y_pred has {predictions} values, y_true {rows}")
    for name, column in groups.items():
        if len(column) != rows:
            raise ValueError(f"sensitive attribute {name!r} has {len(column)} values, y_true {rows}")


def _parse_thresholds(
    thresholds: Mapping[str, float], metrics: Mapping[str, bool]
) -> list[tuple[str, str, str, float]]:
    """(name, metric, kind, bound) per threshold; unknown names raise ValueError."""
    parsed = []
    for name, bound in thresholds.items():
        metric, _, kind = name.rpartition("_")
        if metric not in metrics or kind not in CHECK_KINDS:
            known = ", ".join(f"{m}_{k}" for m in metrics for k in CHECK_KINDS)
            raise ValueError(f"unknown threshold {name!r}; known: {known}")
        parsed.append((name, metric, kind, float(bound)))
    return parsed


def _errors(truth: NDArray[Any], pred: NDArray[Any]) -> NDArray[np.float64]:
    import numpy as np

    errors: NDArray[np.float64] = pred.astype(np.float64) - truth.astype(np.float64)
    if not np.isfinite(errors).all():
        raise ValueError("y_true and y_pred must be finite for regression")
    return errors


def _classification(
    truth: NDArray[np.bool_], pred: NDArray[np.bool_], codes: NDArray[np.intp], k: int
) -> list[tuple[int, dict[str, float | None]]]:
    """(size, metrics) per group from one bincount of the confusion cells."""
    import numpy as np

    cells = codes * 4 + truth.astype(np.intp) * 2 + pred.astype(np.intp)
    counts = np.bincount(cells, minlength=4 * k).reshape(k, 2, 2)
    tn, fp, fn, tp = counts[:, 0, 0], counts[:, 0, 1], counts[:, 1, 0], counts[:, 1, 1]
    size = counts.sum(axis=(1, 2))
    columns = {
        "selection_rate": _divide(tp + fp, size),
        "true_positive_rate": _divide(tp, tp + fn),
        "false_positive_rate": _divide(fp, fp + tn),
        "accuracy": _divide(tp + tn, size),
        "precision": _divide(tp, tp + fp),
        "recall": _divide(tp, tp + fn),
    }
    return [(int(size[g]), {m: v[g] for m, v in columns.items()}) for g in range(k)]


def _regression(
    errors: NDArray[np.float64], codes: NDArray[np.intp], k: int
) -> list[tuple[int, dict[str, float | None]]]:
    """(size, metrics) per group from three bincounts."""
    import numpy as np

    size = np.bincount(codes, minlength=k)
    mae = _divide(np.bincount(codes, weights=np.abs(errors), minlength=k), size)
    rmse = _divide(np.sqrt(np.bincount(codes, weights=errors * errors, minlength=k) / np.maximum(size, 1)), size > 0)
    return [(int(size[g]), {"mae": mae[g], "rmse": rmse[g]}) for g in range(k)]


def _divide(numerator: NDArray[Any], denominator: NDArray[Any]) -> list[float | None]:
    """Element-wise quotient as floats, None where the denominator is zero."""
    return [
        None if d == 0 else float(n) / float(d) for n, d in zip(numerator.tolist(), denominator.tolist(), strict=True)
    ]


def _attribute_result(
    attribute: str,
    task: Task,
    labels: Sequence[str],
    per_group: Sequence[tuple[int, dict[str, float | None]]],
    metrics: Mapping[str, bool],
    checks: Sequence[tuple[str, str, str, float]],
) -> AttributeResult:
    groups = tuple(GroupMetrics(group=g, size=n, metrics=m) for g, (n, m) in zip(labels, per_group, strict=True))
    disparities = {m: disparity(m, higher, groups) for m, higher in metrics.items()}
    return AttributeResult(
        attribute=attribute,
        task=task,
        groups=groups,
        disparities=tuple(disparities.values()),
        checks=tuple(_check(name, getattr(disparities[m], kind), kind, bound) for name, m, kind, bound in checks),
    )


def disparity(metric: str, higher_is_better: bool, groups: Sequence[GroupMetrics]) -> Disparity:
    """Best and worst group on `metric`, with difference |best − worst| and ratio min/max."""
    defined = [(v, g.group) for g in groups if (v := g.metrics.get(metric)) is not None]
    if not defined:
        return Disparity(
            metric=metric,
            higher_is_better=higher_is_better,
            best_group=None,
            worst_group=None,
            difference=None,
            ratio=None,
        )
    low, high = min(defined, key=lambda t: t[0]), max(defined, key=lambda t: t[0])
    best, worst = (high, low) if higher_is_better else (low, high)
    return Disparity(
        metric=metric,
        higher_is_better=higher_is_better,
        best_group=best[1],
        worst_group=worst[1],
        difference=high[0] - low[0],
        ratio=low[0] / high[0] if high[0] > 0 else 1.0,
    )


def _check(name: str, value: float | None, kind: str, bound: float) -> ThresholdCheck:
    passed = None if value is None else (value >= bound if kind == "ratio" else value <= bound)
    return ThresholdCheck(name=name, threshold=bound, value=value, passed=passed)
