"""Global explanations with a stability check: permutation importance on bounded samples, the
coefficients of linear models, and SHAP values when the shap package is installed.

Every function takes a fitted model or its `ModelView` (analysis/models.py): the view's predict function is all
permutation importance needs, so it works for every library a model adapter reads. It is computed
on samples (by default three of at most 1,000 rows each, fixed seed) so that explaining stays a small fraction of
training time, and repeated on several disjoint samples: the agreement of the importance rankings
across them (mean Spearman correlation) says how much the ranking can be trusted. With the estimator's
own score it predicts each input's permuted copies in one call (the same permutations scikit-learn
draws, so the numbers equal `sklearn.inspection.permutation_importance`).

`explain_model` runs what applies to a model and returns the explanations plus notes on what was left out.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from uitlegbaar.analysis.models import ModelView, as_view, names_of, numeric_array
from uitlegbaar.evidence.records import Explanation, LocalExplanation

DEFAULT_SAMPLE = 1_000
DEFAULT_REPEATS = 3
DEFAULT_SAMPLES = 3
DEFAULT_SHAP_SAMPLE = 500
DEFAULT_LOCAL = 3
SHAP_BACKGROUND = 100
BATCH_ROWS = 100_000  # rows per call of the model in permutation importance
SHAP_ESTIMATE_SAMPLE = 100  # rows a model-agnostic SHAP estimate explains (each costs 2·inputs+1 predictions)
STABILITY_TOP = 10  # rank agreement over the most important inputs: noise inputs rank at random

__all__ = [
    "Explanation",
    "ExplanationSettings",
    "aggregate_by_source",
    "coefficient_explanation",
    "explain_model",
    "permutation_explanation",
    "rank_agreement",
    "shap_explanation",
]


@dataclass(frozen=True)
class ExplanationSettings:
    """How `explain_model` explains: sample sizes, seed, scoring, and whether to use SHAP (None: when installed)."""

    sample: int = DEFAULT_SAMPLE
    samples: int = DEFAULT_SAMPLES
    repeats: int = DEFAULT_REPEATS
    seed: int = 0
    scoring: str | None = None
    shap: bool | None = None
    shap_sample: int = DEFAULT_SHAP_SAMPLE
    local: int = DEFAULT_LOCAL


def explain_model(
    model: Any,
    X: Any,
    y: Any | None,
    settings: ExplanationSettings = ExplanationSettings(),
    sources: Mapping[str, Sequence[str]] | None = None,
) -> tuple[list[Explanation], list[str]]:
    """Every explanation that applies to `model`: coefficients (linear models), permutation importance
    (needs `y`), SHAP (when installed, unless `settings.shap` is False). Returns them with notes on what was
    not computed and why."""
    view = as_view(model)
    found: list[Explanation] = [
        e.model_copy(update={"by_source": aggregate_by_source(e.importances, sources or {})}) for e in view.explanations
    ]
    notes: list[str] = []
    coefficients = None if found else coefficient_explanation(view, sources)
    if coefficients is not None:
        found.append(coefficients)
    if y is None:
        notes.append("permutation importance needs the true outcomes: pass y to the explained function")
    else:
        found.append(
            permutation_explanation(
                view,
                X,
                y,
                sample=settings.sample,
                samples=settings.samples,
                repeats=settings.repeats,
                seed=settings.seed,
                scoring=settings.scoring,
                sources=sources,
            )
        )
    if settings.shap is not False:
        if view.contributions is None and not _shap_available():
            notes.append("SHAP not computed: the shap package is not installed (pip install shap)")
        else:
            try:
                found.append(
                    shap_explanation(
                        view, X, sample=settings.shap_sample, local=settings.local, seed=settings.seed, sources=sources
                    )
                )
            except Exception as exc:  # SHAP is the optional extra: the other explanations stand
                notes.append(f"SHAP not computed: {type(exc).__name__}: {str(exc)[:200]}")
    return found, notes


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

    view = as_view(model)
    rng = np.random.default_rng(seed)
    rows = len(X)
    size = min(sample, max(1, rows // samples)) if samples > 1 else min(sample, rows)
    order = rng.permutation(rows)
    names = list(names_of(X))
    score, scored_by = _score_function(view, scoring)
    per_sample = []
    for k in range(max(1, min(samples, rows // max(size, 1)))):
        chosen = np.sort(order[k * size : (k + 1) * size])
        X_k, y_k = _take(X, chosen), np.asarray(_take(y, chosen)).ravel()
        X_k = numeric_array(view, X_k) if score is not None else X_k
        if score is not None:
            importances = _batched_permutation(X_k, y_k, score, repeats, seed + k)
        else:
            from sklearn.inspection import permutation_importance

            result = permutation_importance(
                view.estimator, X_k, y_k, n_repeats=repeats, random_state=seed + k, scoring=scoring, n_jobs=1
            )
            importances = np.asarray(result.importances_mean, dtype=float)
        per_sample.append(importances)
    matrix = np.vstack(per_sample)
    mean = matrix.mean(axis=0)
    importances_by_name = {name: float(v) for name, v in zip(names, mean, strict=True)}
    return Explanation(
        method="permutation_importance",
        library="uitlegbaar" if view.estimator is None else "scikit-learn",
        library_version=_version("uitlegbaar" if view.estimator is None else "scikit-learn"),
        sample_size=size,
        seed=seed,
        scoring=scored_by,
        importances=importances_by_name,
        by_source=aggregate_by_source(importances_by_name, sources or {}),
        stability=rank_agreement(matrix[:, np.argsort(-mean)[:STABILITY_TOP]]),
        samples=len(per_sample),
        settings={"repeats": repeats, "samples": samples, "sample": sample},
    )


def coefficient_explanation(model: Any, sources: Mapping[str, Sequence[str]] | None = None) -> Explanation | None:
    """The coefficients of a fitted linear model (the last step of a pipeline), or None when it has none.
    For several classes the importance of an input is the mean absolute coefficient over the classes."""
    import numpy as np

    view = as_view(model)
    estimator = _final_estimator(view.estimator)
    coefficients = getattr(estimator, "coef_", None)
    if coefficients is None:
        return None
    names = view.feature_names
    values = np.atleast_2d(np.asarray(coefficients, dtype=float))
    weights = values[0] if values.shape[0] == 1 else np.abs(values).mean(axis=0)
    if names is None or len(names) != len(weights):
        return None
    importances = {n: float(w) for n, w in zip(names, weights, strict=True)}
    return Explanation(
        method="coefficients",
        library=view.library,
        library_version=_version(_distribution(view.library)),
        sample_size=0,
        seed=None,
        importances=importances,
        by_source=aggregate_by_source(importances, sources or {}),
    )


def shap_explanation(
    model: Any,
    X: Any,
    *,
    sample: int = DEFAULT_SHAP_SAMPLE,
    local: int = DEFAULT_LOCAL,
    seed: int = 0,
    sources: Mapping[str, Sequence[str]] | None = None,
) -> Explanation:
    """Mean absolute SHAP value per model input on a sample of at most `sample` rows, plus the contributions
    for `local` of those rows. Exact where the model's library computes them (TreeSHAP in LightGBM and XGBoost) or
    shap has an exact explainer for the model: tree ensembles (the tree explainer) and linear models (the linear
    explainer, in the model's margin); any other model gets a bounded model-agnostic estimate (the permutation
    explainer on at most 100 rows, 2·inputs+1 evaluations each, over a background of 100 rows), its settings
    recorded."""
    import numpy as np

    view = as_view(model)
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.permutation(len(X))[: min(sample, len(X))])
    rows = _take(X, chosen)
    inputs = _dense(view.prepare(rows)) if view.prepare is not None else rows
    found = None
    if view.contributions is not None:
        try:
            found = view.contributions(inputs)
        except Exception:  # rows the library's own explainer does not take: shap's explainers below
            found = None
    if found is not None:
        library, how = view.library or "shap", "tree"
        settings: dict[str, Any] = {"exact": True, "explainer": f"{library} TreeSHAP"}
    else:
        library = "shap"
        found, how, settings = _shap_values(view, X, rows, inputs, chosen, seed)
        if not settings["exact"]:
            chosen = chosen[: settings["rows"]]
    matrix, base_values = found
    matrix = np.asarray(matrix, dtype=float)
    names = view.feature_names if view.prepare is not None else list(names_of(X))
    names = names or [f"x{i}" for i in range(matrix.shape[1])]
    importances = {n: float(v) for n, v in zip(names, np.abs(matrix).mean(axis=0), strict=True)}
    base = _base_values(base_values, len(matrix))
    return Explanation(
        method="shap",
        library=library,
        library_version=_version(_distribution(library)),
        sample_size=len(chosen),
        seed=seed,
        scoring=f"mean |SHAP value| ({how} explainer)" if settings["exact"] else f"mean |SHAP value| ({how})",
        importances=importances,
        by_source=aggregate_by_source(importances, sources or {}),
        local=[
            LocalExplanation(
                row=int(chosen[i]),
                base_value=float(base[i]),
                contributions={n: float(v) for n, v in zip(names, matrix[i], strict=True)},
            )
            for i in range(min(local, len(matrix)))
        ],
        settings=settings,
    )


def _shap_values(
    view: ModelView, X: Any, rows: Any, inputs: Any, chosen: Any, seed: int
) -> tuple[tuple[Any, Any], str, dict[str, Any]]:
    """((SHAP values of the positive or last class, base values), the explainer, its settings) from shap: exact for
    trees and linear models, else a bounded permutation estimate on the first rows (`settings["rows"]` of them)."""
    import numpy as np
    import shap

    values = None
    if view.tree is not None:
        try:
            values, how = shap.TreeExplainer(view.tree)(inputs, check_additivity=False), "tree"
        except Exception:  # not a tree model shap knows
            values = None
    if values is None and view.linear is not None:
        coefficients, intercept = view.linear
        background = inputs[:SHAP_BACKGROUND]
        values = shap.LinearExplainer((coefficients, intercept), shap.maskers.Independent(background))(inputs)
        how = "linear"
    settings: dict[str, Any] = {"exact": True}
    if values is None:  # sample the model's predictions over a background of other rows: an estimate
        keep = min(len(chosen), SHAP_ESTIMATE_SAMPLE)
        rows = _take(rows, np.arange(keep))
        background = rows[:SHAP_BACKGROUND]
        evaluations = 2 * np.shape(rows)[1] + 1
        masker = shap.maskers.Independent(_as_array(background), max_samples=SHAP_BACKGROUND)
        explainer = shap.PermutationExplainer(_prediction_function(view, X), masker, seed=seed)
        values = explainer(_as_array(rows), max_evals=evaluations, silent=True)
        how = "model-agnostic permutation estimate"
        settings = {"exact": False, "explainer": "permutation", "background": min(SHAP_BACKGROUND, keep)}
        settings |= {"max_evals": evaluations, "rows": keep}
    matrix = np.asarray(values.values, dtype=float)
    if matrix.ndim == 3:  # one column per class: explain the positive (last) class
        matrix = matrix[:, :, -1]
    return (matrix, values.base_values), how, settings


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


# ---------------------------------------------------------------- batched permutation importance


_SCORERS = {  # scoring name → (metric on (y, prediction), uses the positive class's probability)
    "accuracy": ("accuracy_score", False),
    "balanced_accuracy": ("balanced_accuracy_score", False),
    "f1": ("f1_score", False),
    "precision": ("precision_score", False),
    "recall": ("recall_score", False),
    "roc_auc": ("roc_auc_score", True),
    "r2": ("r2_score", False),
}


def _score_function(view: ModelView, scoring: str | None) -> tuple[Any, str]:
    """((response of the model to X, metric of (y_true, response)), its name), or (None, name) when
    scikit-learn's own path scores the estimator: a scoring name it alone knows, or an estimator that scores
    otherwise than by accuracy or R²."""
    from sklearn import metrics

    if scoring is None and view.estimator is not None:
        own = _batched_score(view.estimator)
        if own is None:
            return None, "estimator's own score"
        return (view.predict, own), "accuracy" if own is metrics.accuracy_score else "r2"
    if scoring is None:
        if view.task is None:
            raise ValueError("permutation importance needs a classifier or a regressor; this model is neither")
        scoring = "accuracy" if view.task == "classification" else "r2"
    if scoring not in _SCORERS:
        if view.estimator is not None:
            return None, scoring
        raise ValueError(f"scoring {scoring!r} is not known for this model; use one of {', '.join(_SCORERS)}")
    name, on_score = _SCORERS[scoring]
    if on_score and view.score is None:
        raise ValueError(f"scoring {scoring!r} needs a binary classifier's probabilities")
    metric = _FAST.get(name) or getattr(metrics, name)
    return (view.score if on_score else view.predict, metric), scoring


def _accuracy(y: Any, predicted: Any) -> float:
    """scikit-learn's accuracy_score for labels of one kind, without its input checks (called once per copy)."""
    import numpy as np

    return float(np.mean(np.asarray(y).ravel() == np.asarray(predicted).ravel()))


def _r2(y: Any, predicted: Any) -> float:
    """scikit-learn's r2_score of one output, without its input checks."""
    import numpy as np

    truth, found = np.asarray(y, dtype=float).ravel(), np.asarray(predicted, dtype=float).ravel()
    total = float(np.sum((truth - truth.mean()) ** 2))
    residual = float(np.sum((truth - found) ** 2))
    if total == 0:
        return 1.0 if residual == 0 else 0.0
    return 1.0 - residual / total


_FAST = {"accuracy_score": _accuracy, "r2_score": _r2}


def _batched_score(model: Any) -> Any:
    """The metric behind the estimator's own `score` (accuracy or R²) as f(y_true, y_pred), or None when the
    estimator scores otherwise: then scikit-learn's permutation_importance runs instead."""
    from sklearn.base import ClassifierMixin, RegressorMixin
    from sklearn.metrics import accuracy_score, r2_score
    from sklearn.pipeline import Pipeline

    scored = model.steps[-1][1] if isinstance(model, Pipeline) else model  # a pipeline scores with its last step
    score = getattr(type(scored), "score", None)
    if score is ClassifierMixin.score:
        return accuracy_score
    if score is RegressorMixin.score:
        return r2_score
    return None  # a score of its own (a search's scorer, a pipeline's last step): sklearn's own path


def _batched_permutation(X: Any, y: Any, score: tuple[Any, Any], repeats: int, seed: int) -> Any:
    """Mean drop in score per input over `repeats` permutations, predicting the permuted copies of as many inputs
    as fit in BATCH_ROWS rows in one call (a call has a cost of its own: threads woken, inputs checked). The
    permutations are the ones scikit-learn's permutation_importance draws for this seed (each repeat shuffles the
    previous one again)."""
    import numpy as np

    response, metric = score
    baseline = metric(y, response(X))
    column_seed = np.random.RandomState(seed).randint(np.iinfo(np.int32).max + 1)
    base = X.reset_index(drop=True) if hasattr(X, "iloc") else np.asarray(X).copy()
    stacked = _stack([base] * repeats)
    per_call = max(1, BATCH_ROWS // max(1, len(stacked)))
    drops: list[float] = []
    for start in range(0, base.shape[1], per_call):
        columns = range(start, min(start + per_call, base.shape[1]))
        copies = [_permuted_copy(base, stacked, j, repeats, column_seed) for j in columns]
        answered = np.asarray(response(_stack(copies))).reshape(len(copies), repeats, len(base), *np.shape(y)[1:])
        for k in range(len(copies)):
            drops.append(float(np.mean([baseline - metric(y, answered[k, r]) for r in range(repeats)])))
    return np.asarray(drops, dtype=float)


def _permuted_copy(base: Any, stacked: Any, j: int, repeats: int, column_seed: int) -> Any:
    """`stacked` (the rows `repeats` times) with column j shuffled as scikit-learn shuffles it, repeat by repeat."""
    import numpy as np

    generator, order = np.random.RandomState(column_seed), np.arange(len(base))
    column, permuted = _column(base, j), []
    for _ in range(repeats):
        generator.shuffle(order)
        column = _take(column, order)
        permuted.append(column)
    copy = stacked.copy()
    _set_column(copy, j, _stack(permuted))
    return copy


def _stack(parts: Sequence[Any]) -> Any:
    """Frames, series or arrays one under the other (a fresh index for pandas)."""
    import numpy as np

    if hasattr(parts[0], "iloc"):
        import pandas as pd

        return pd.concat(parts, ignore_index=True)
    return np.concatenate(parts)


def _column(data: Any, j: int) -> Any:
    return data.iloc[:, j].reset_index(drop=True) if hasattr(data, "iloc") else data[:, j].copy()


def _set_column(data: Any, j: int, values: Any) -> None:
    """Replace column `j` in place, keeping a pandas column's dtype (categories included)."""
    if hasattr(data, "iloc"):
        from pandas.api.types import is_extension_array_dtype

        data.isetitem(j, values.array if is_extension_array_dtype(values.dtype) else values.to_numpy())
    else:
        data[:, j] = values


# ---------------------------------------------------------------- helpers


def _take(data: Any, rows: Any) -> Any:
    return data.iloc[rows] if hasattr(data, "iloc") else data[rows]


def _final_estimator(model: Any) -> Any:
    return model.steps[-1][1] if hasattr(model, "steps") else model


def _prediction_function(view: ModelView, X: Any) -> Any:
    """What a model-agnostic explainer explains: the positive class probability, else the prediction; rows come
    as an array and are given back the columns of X."""
    import numpy as np

    answer = view.score if view.score is not None else view.predict
    columns = getattr(X, "columns", None)
    if columns is None:
        return lambda rows: np.asarray(answer(rows), dtype=float)
    import pandas as pd

    dtypes = X.dtypes.to_dict()

    def predict(rows: Any) -> Any:
        return np.asarray(answer(pd.DataFrame(rows, columns=columns).astype(dtypes)), dtype=float)

    return predict


def _base_values(found: Any, rows: int) -> Any:
    """One base value per row (the positive class's, when there is one per class)."""
    import numpy as np

    values = np.asarray(found, dtype=float)
    if values.size <= 1:
        return np.full(rows, float(values.ravel()[0]) if values.size else 0.0)
    return values.reshape(rows, -1)[:, -1]


def _as_array(rows: Any) -> Any:
    import numpy as np

    return rows.to_numpy() if hasattr(rows, "to_numpy") else np.asarray(rows)


def _distribution(library: str | None) -> str:
    return {"sklearn": "scikit-learn", None: "scikit-learn"}.get(library, library or "scikit-learn")


def _dense(data: Any) -> Any:
    return data.toarray() if hasattr(data, "toarray") else data


def _shap_available() -> bool:
    try:
        import shap  # noqa: F401  (imported here once, then cached for shap_explanation)
    except ImportError:
        return False
    return True


@functools.lru_cache(maxsize=16)
def _version(distribution: str) -> str | None:
    """The installed version of `distribution` (read once: reading metadata is slow), else of the module of that
    name (xgboost comes as xgboost-cpu too)."""
    import sys
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        version = getattr(sys.modules.get(distribution), "__version__", None)
        return version if isinstance(version, str) else None
