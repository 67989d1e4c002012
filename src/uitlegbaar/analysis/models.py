"""A fitted model as the analyses see it, whatever its library: a predict function, what it predicts, and what an
exact explainer can take.

Model adapters (`uitlegbaar.integrations.models`) build a `ModelView` for each library; `view_of_estimator` builds
one for any object that follows scikit-learn's API (`predict`, `predict_proba`, `classes_`), which is also how a
raw model handed to an analysis function is read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from uitlegbaar.evidence.records import Explanation

Task = Literal["classification", "regression"]

__all__ = ["ModelView", "Task", "as_view", "view_of_estimator"]


@dataclass(frozen=True)
class ModelView:
    """What evaluation and explanation need of a fitted model.

    `predict` maps the model's inputs X (as the caller holds them: a DataFrame or an array) to labels for a
    classifier or values for a regressor; `score` to the positive class's probability of a binary classifier (None
    otherwise). `prepare` maps X to what `tree`/`linear` take (None: X itself). `tree` is an object shap's exact
    TreeExplainer takes, `linear` a (coefficients, intercept) pair for shap's exact LinearExplainer;
    `contributions` the library's own exact SHAP values (TreeSHAP, as LightGBM's and XGBoost's predict give it):
    rows as `tree` takes them to a (rows × inputs) matrix in the model's margin (the positive or last class's) and
    each row's base value, preferred to shap's explainer as the same values without converting the model; `explanations`
    are the library's own explanations (the coefficients of a fitted linear model, with their intervals).
    `estimator` is the object itself when it follows scikit-learn's API (its own `score` and scorers work on it).
    `arrays`: `predict` and `score` take a float array with X's columns in order as well as X itself, so analyses
    may hand them one (no DataFrame per call).
    """

    predict: Callable[[Any], Any]
    task: Task | None = None
    classes: tuple[Any, ...] | None = None
    score: Callable[[Any], Any] | None = None
    feature_names: list[str] | None = None
    prepare: Callable[[Any], Any] | None = None
    tree: Any | None = None
    linear: tuple[Any, Any] | None = None
    contributions: Callable[[Any], tuple[Any, Any]] | None = None
    explanations: list[Explanation] = field(default_factory=list)
    estimator: Any | None = None
    library: str | None = None
    arrays: bool = False  # predict takes a float array with X's columns in order (faster than a DataFrame)

    @property
    def pos_label(self) -> Any:
        """The positive label of a binary classifier (its second class), else None."""
        if self.task == "classification" and self.classes is not None and len(self.classes) == 2:
            return self.classes[1]
        return None

    @property
    def binary(self) -> bool:
        return self.pos_label is not None


def as_view(model: Any) -> ModelView:
    """`model` itself when it is a view, else the view of a scikit-learn-style estimator."""
    return model if isinstance(model, ModelView) else view_of_estimator(model)


def view_of_estimator(model: Any, *, tree: Any | None = None, library: str | None = None) -> ModelView:
    """The view of an object with scikit-learn's API (a pipeline's last step is what shap and coefficients read)."""
    final = model.steps[-1][1] if hasattr(model, "steps") else model
    prepare = model[:-1].transform if hasattr(model, "steps") and len(model.steps) > 1 else None
    task = _task_of(model)
    classes = getattr(model, "classes_", None)
    score = None
    if task == "classification" and classes is not None and len(classes) == 2 and hasattr(model, "predict_proba"):
        score = _positive_probability(model)
    return ModelView(
        predict=model.predict,
        task=task,
        classes=None if classes is None else tuple(classes),
        score=score,
        feature_names=_input_names(model, final),
        prepare=prepare,
        tree=final if tree is None else tree,
        linear=_linear(final),
        estimator=model,
        library=library or type(final).__module__.split(".")[0],
    )


def _positive_probability(model: Any) -> Callable[[Any], Any]:
    return lambda X: model.predict_proba(X)[:, -1]


def _task_of(model: Any) -> Task | None:
    from sklearn.base import is_classifier, is_regressor

    try:
        return "classification" if is_classifier(model) else "regression" if is_regressor(model) else None
    except Exception:  # a model whose tags cannot be read says nothing
        return None


def _linear(estimator: Any) -> tuple[Any, Any] | None:
    """(coefficients, intercept) of a fitted linear model with one output (a binary or single target)."""
    import numpy as np

    coefficients = getattr(estimator, "coef_", None)
    if coefficients is None:
        return None
    values = np.atleast_2d(np.asarray(coefficients, dtype=float))
    if values.shape[0] != 1:
        return None
    intercept = np.ravel(np.asarray(getattr(estimator, "intercept_", 0.0), dtype=float))
    return values[0], float(intercept[0]) if intercept.size else 0.0


def _input_names(model: Any, estimator: Any) -> list[str] | None:
    names = getattr(estimator, "feature_names_in_", None)
    if names is None and hasattr(model, "steps") and len(model.steps) > 1:
        try:
            names = model[:-1].get_feature_names_out()
        except (AttributeError, ValueError):
            names = None
    return None if names is None else [str(n) for n in names]


def numeric_array(view: ModelView, X: Any) -> Any:
    """X as one float array when the view takes arrays and X is a numeric DataFrame; X itself otherwise."""
    if not view.arrays or not hasattr(X, "dtypes"):
        return X
    if not all(getattr(d, "kind", "O") in "biuf" for d in X.dtypes):
        return X
    return X.to_numpy(dtype=float)


def names_of(X: Any) -> Sequence[str]:
    """The column names of X (x0, x1, … for an array)."""
    import numpy as np

    columns = getattr(X, "columns", None)
    return [str(c) for c in columns] if columns is not None else [f"x{i}" for i in range(np.shape(X)[1])]
