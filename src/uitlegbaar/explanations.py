"""Global explanations with a stability check: permutation importance on a bounded sample, and the
coefficients of linear models.

Permutation importance works for any fitted estimator (sklearn, always available). It is computed
on samples (by default three of at most 2,000 rows each, fixed seed) so that explaining stays a small fraction of
training time, and repeated on several disjoint samples: the agreement of the importance rankings
across them (mean Spearman correlation) says how much the ranking can be trusted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_SAMPLE = 2_000
DEFAULT_REPEATS = 3
DEFAULT_SAMPLES = 3
STABILITY_TOP = 10  # rank agreement over the most important inputs: noise inputs rank at random


class Explanation(BaseModel):
    """What was explained, how, and how stable the answer is."""

    model_config = ConfigDict(frozen=True)

    method: str
    library: str
    library_version: str | None = None
    sample_size: int
    seed: int
    scoring: str | None = None
    importances: dict[str, float] = Field(description="per model input, mean over the samples")
    by_source: dict[str, float] = Field(default_factory=dict, description="summed per source column")
    stability: float | None = Field(
        default=None, description="mean Spearman rank correlation of the top inputs between samples"
    )
    samples: int = 1


def permutation_explanation(
    model: Any,
    X: Any,
    y: Any,
    *,
    sample: int = DEFAULT_SAMPLE,
    samples: int = DEFAULT_SAMPLES,
    repeats: int = DEFAULT_REPEATS,
    seed: int = 0,
    scoring: str | None = None,
    sources: Mapping[str, Sequence[str]] | None = None,
) -> Explanation:
    """Permutation importance of `model` on `samples` disjoint samples of at most `sample` rows of
        (X, y); importances are the mean over the samples, stability the agreement of their rankings of
    the (at most ten) most important inputs.
        `sources` maps a model input to the source columns it was derived from (for `by_source`)."""
    import numpy as np
    from sklearn.inspection import permutation_importance

    rng = np.random.default_rng(seed)
    rows = len(X)
    size = min(sample, max(1, rows // samples)) if samples > 1 else min(sample, rows)
    order = rng.permutation(rows)
    names = [str(c) for c in getattr(X, "columns", range(np.shape(X)[1]))]
    per_sample = []
    for k in range(max(1, min(samples, rows // max(size, 1)))):
        chosen = np.sort(order[k * size : (k + 1) * size])
        result = permutation_importance(
            model,
            _take(X, chosen),
            _take(y, chosen),
            n_repeats=repeats,
            random_state=seed + k,
            scoring=scoring,
            n_jobs=1,
        )
        per_sample.append(np.asarray(result.importances_mean, dtype=float))
    matrix = np.vstack(per_sample)
    mean = matrix.mean(axis=0)
    importances = {name: float(v) for name, v in zip(names, mean, strict=True)}
    return Explanation(
        method="permutation_importance",
        library="scikit-learn",
        library_version=_sklearn_version(),
        sample_size=size,
        seed=seed,
        scoring=scoring or "estimator default",
        importances=importances,
        by_source=aggregate_by_source(importances, sources or {}),
        stability=rank_agreement(matrix[:, np.argsort(-mean)[:STABILITY_TOP]]),
        samples=len(per_sample),
    )


def coefficient_explanation(model: Any, sources: Mapping[str, Sequence[str]] | None = None) -> Explanation | None:
    """The coefficients of a fitted linear model (the last step of a pipeline), or None when it has none.
    For several classes the importance of an input is the mean absolute coefficient over the classes."""
    import numpy as np

    estimator = model.steps[-1][1] if hasattr(model, "steps") else model
    coefficients = getattr(estimator, "coef_", None)
    if coefficients is None:
        return None
    names = _input_names(model, estimator)
    values = np.atleast_2d(np.asarray(coefficients, dtype=float))
    weights = values[0] if values.shape[0] == 1 else np.abs(values).mean(axis=0)
    if names is None or len(names) != len(weights):
        return None
    importances = {n: float(w) for n, w in zip(names, weights, strict=True)}
    return Explanation(
        method="coefficients",
        library="scikit-learn",
        library_version=_sklearn_version(),
        sample_size=0,
        seed=0,
        importances=importances,
        by_source=aggregate_by_source(importances, sources or {}),
    )


def aggregate_by_source(importances: Mapping[str, float], sources: Mapping[str, Sequence[str]]) -> dict[str, float]:
    """Importances summed per source column (an input from several sources counts for each, shared
    equally); inputs without known sources count as their own source."""
    out: dict[str, float] = {}
    for name, value in importances.items():
        origin = list(sources.get(name) or [name])
        for source in origin:
            out[source] = out.get(source, 0.0) + value / len(origin)
    return dict(sorted(out.items(), key=lambda kv: -abs(kv[1])))


def rank_agreement(matrix: Any) -> float | None:
    """Mean Spearman correlation between the importance rankings of every pair of rows (None for one row)."""
    import numpy as np

    rows = np.asarray(matrix, dtype=float)
    if rows.shape[0] < 2 or rows.shape[1] < 2:
        return None
    ranks = np.argsort(np.argsort(-rows, axis=1), axis=1).astype(float)
    scores = []
    for i in range(len(ranks)):
        for j in range(i + 1, len(ranks)):
            a, b = ranks[i] - ranks[i].mean(), ranks[j] - ranks[j].mean()
            scores.append(float((a @ b) / np.sqrt((a @ a) * (b @ b))))
    return float(np.mean(scores))


def _take(data: Any, rows: Any) -> Any:
    return data.iloc[rows] if hasattr(data, "iloc") else data[rows]


def _input_names(model: Any, estimator: Any) -> list[str] | None:
    names = getattr(estimator, "feature_names_in_", None)
    if names is None and hasattr(model, "steps") and len(model.steps) > 1:
        try:
            names = model[:-1].get_feature_names_out()
        except (AttributeError, ValueError):
            names = None
    return None if names is None else [str(n) for n in names]


def _sklearn_version() -> str | None:
    from uitlegbaar.capture.provenance import package_versions

    return package_versions(("scikit-learn",)).get("scikit-learn")
