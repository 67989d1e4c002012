"""Screen features for proxies of sensitive attributes: how strongly each feature tracks each attribute.

    flagged = [r for r in screen_proxies(X, {"geslacht": sex}) if r.flagged]

Measures, all in [0, 1]: bias-corrected Cramér's V (Bergsma 2013) for a categorical feature and a categorical
attribute; the correlation ratio η for a numeric feature and a categorical attribute; |Pearson r| for two
numeric columns; and for a categorical feature with a numeric attribute, Cramér's V against the attribute
binned into quantiles. Rows missing either value are left out of that pair.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from uitlegbaar.evidence.results import Measure, ProxyResult

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from numpy.typing import NDArray

MAX_CATEGORICAL_LEVELS = 20  # a numeric attribute with at most this many values is treated as categorical
BINS = 10


def screen_proxies(
    features: pd.DataFrame, sensitive: Mapping[str, Any], *, threshold: float = 0.3
) -> list[ProxyResult]:
    """Every feature × attribute pair with its association strength, strongest first.

    Numeric features (numeric dtype, not bool) are numeric; others categorical. A numeric attribute with more
    than `MAX_CATEGORICAL_LEVELS` distinct values is numeric, else categorical. A column of sequences (a
    tokenizer's `input_ids`) is no one feature and is left out.
    """
    import pandas as pd

    results = []
    for attribute, values in sensitive.items():
        if len(values) != len(features):
            raise ValueError(f"sensitive attribute {attribute!r} has {len(values)} values, features {len(features)}")
        target = pd.Series(values.to_numpy() if isinstance(values, pd.Series) else values, index=features.index)
        target_numeric = _is_numeric(target) and target.nunique() > MAX_CATEGORICAL_LEVELS
        for feature in features.columns:
            if _holds_sequences(features[feature]):
                continue
            measure, strength, rows = association(features[feature], target, target_numeric=target_numeric)
            results.append(
                ProxyResult(
                    feature=str(feature),
                    attribute=attribute,
                    measure=measure,
                    strength=strength,
                    flagged=strength >= threshold,
                    rows=rows,
                )
            )
    return sorted(results, key=lambda r: -r.strength)


def association(feature: pd.Series, target: pd.Series, *, target_numeric: bool) -> tuple[Measure, float, int]:
    """The measure that fits the two columns' kinds, its strength in [0, 1] and the rows it used."""
    import numpy as np

    both = feature.notna().to_numpy() & target.notna().to_numpy()
    x, y = feature[both], target[both]
    rows = int(both.sum())
    if _is_numeric(feature):
        xs = x.to_numpy(dtype=np.float64)
        if target_numeric:
            return "pearson", abs_pearson(xs, y.to_numpy(dtype=np.float64)), rows
        return "correlation_ratio", correlation_ratio(_codes(y), xs), rows
    if target_numeric:
        return "cramers_v_binned", cramers_v(_codes(x), _quantile_codes(y)), rows
    return "cramers_v", cramers_v(_codes(x), _codes(y)), rows


def cramers_v(a: NDArray[np.intp], b: NDArray[np.intp], *, bias_correction: bool = True) -> float:
    """Cramér's V of two code arrays; with `bias_correction`, Bergsma's (2013) bias-corrected V."""
    return cramers_v_table(contingency(a, b), bias_correction=bias_correction)


def contingency(a: NDArray[np.intp], b: NDArray[np.intp]) -> NDArray[np.int64]:
    """The table of counts of two code arrays (codes 0..k-1)."""
    import numpy as np

    ka, kb = int(a.max(initial=-1)) + 1, int(b.max(initial=-1)) + 1
    table: NDArray[np.int64] = np.bincount(a * kb + b, minlength=ka * kb).reshape(ka, kb)
    return table


def cramers_v_table(table: NDArray[Any], *, bias_correction: bool = True) -> float:
    """Cramér's V of a contingency table (empty rows and columns dropped); 0 when undefined."""
    import numpy as np

    counts = np.asarray(table, dtype=np.float64)
    counts = counts[counts.sum(axis=1) > 0][:, counts.sum(axis=0) > 0]
    n = counts.sum()
    r, k = counts.shape
    if n <= 1 or min(r, k) < 2:
        return 0.0
    expected = np.outer(counts.sum(axis=1), counts.sum(axis=0)) / n
    phi2 = float(((counts - expected) ** 2 / expected).sum()) / n
    if not bias_correction:
        return _unit(np.sqrt(phi2 / (min(r, k) - 1)))
    phi2 = max(0.0, phi2 - (r - 1) * (k - 1) / (n - 1))
    r_corr, k_corr = r - (r - 1) ** 2 / (n - 1), k - (k - 1) ** 2 / (n - 1)
    denominator = min(r_corr, k_corr) - 1
    return _unit(np.sqrt(phi2 / denominator)) if denominator > 0 else 0.0


def correlation_ratio(codes: NDArray[np.intp], values: NDArray[np.float64]) -> float:
    """η: the share of the variance of `values` explained by the groups in `codes`, square-rooted."""
    import numpy as np

    if len(values) == 0:
        return 0.0
    counts = np.bincount(codes)
    present = counts > 0
    means = np.bincount(codes, weights=values)[present] / counts[present]
    mean = values.mean()
    total = float(((values - mean) ** 2).sum())
    between = float((counts[present] * (means - mean) ** 2).sum())
    return _unit(np.sqrt(between / total)) if total > 0 else 0.0


def abs_pearson(x: NDArray[np.float64], y: NDArray[np.float64]) -> float:
    """|Pearson r|; 0 when either column is constant."""
    import numpy as np

    if len(x) < 2:
        return 0.0
    dx, dy = x - x.mean(), y - y.mean()
    scale = float(np.sqrt((dx * dx).sum() * (dy * dy).sum()))
    return _unit(abs(float((dx * dy).sum())) / scale) if scale > 0 else 0.0


def _holds_sequences(column: pd.Series) -> bool:
    """True for a column of lists or arrays (its first value tells)."""
    import numpy as np

    if column.dtype != object:
        return False
    first = column.dropna()
    return len(first) > 0 and isinstance(first.iloc[0], (list, tuple, np.ndarray))


def _is_numeric(column: pd.Series) -> bool:
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    return bool(is_numeric_dtype(column.dtype) and not is_bool_dtype(column.dtype))


def _codes(column: pd.Series) -> NDArray[np.intp]:
    import numpy as np
    import pandas as pd

    codes, _ = pd.factorize(column)
    result: NDArray[np.intp] = codes.astype(np.intp)
    return result


def _quantile_codes(column: pd.Series) -> NDArray[np.intp]:
    """Codes of the quantile bin of each value (ties may merge bins)."""
    import numpy as np
    import pandas as pd

    bins = pd.qcut(column.rank(method="first"), BINS, labels=False, duplicates="drop")
    result: NDArray[np.intp] = bins.to_numpy(dtype=np.intp)
    return result


def _unit(value: Any) -> float:
    return float(min(1.0, max(0.0, float(value))))
