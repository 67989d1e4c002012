"""LightGBM: the scikit-learn API (`LGBMClassifier`, `LGBMRegressor`) and the native `Booster` that
`lightgbm.train` returns. The artifact is the model in LightGBM's own text format (`model_to_string`, what
`save_model` writes); a Booster's hyperparameters are the parameters it was trained with (`Booster.params`) and its
number of trees; its predict function is `Booster.predict` on the rows as given; its exact SHAP values are
LightGBM's own (`pred_contrib`), with shap's tree explainer to fall back on. An `lgb.Dataset` handed to a decorated
function is read back as a table while it still holds its data (`free_raw_data=False`, or before training): its
features as given, its label as the float32 LightGBM trains on."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from uitlegbaar.integrations.models.base import Feature, ModelAdapter, Scalar, plain, typed_inputs

from uitlegbaar.analysis.models import ModelView, Task, view_of_estimator

BINARY = {"binary", "cross_entropy", "xentropy", "cross_entropy_lambda", "xentlambda"}
MULTICLASS = {"multiclass", "softmax", "multiclassova", "multiclass_ova", "ova", "ovr"}
RANKING = {"lambdarank", "rank_xendcg", "xendcg", "xe_ndcg", "xe_ndcg_mart", "xendcg_mart"}
OBJECTIVE_NAMES = ("objective", "objective_type", "app", "application", "loss")


def _booster(model: Any) -> Any:
    return model if type(model).__name__ == "Booster" else model.booster_


def tree_shap(booster: Any) -> Any:
    """LightGBM's own exact SHAP values (`pred_contrib`) of rows: the positive or last class's, and base values."""

    def contributions(rows: Any) -> tuple[Any, Any]:
        import numpy as np

        raw = np.asarray(booster.predict(rows, pred_contrib=True))
        per_class = raw.reshape(len(raw), -1, booster.num_feature() + 1)[:, -1, :]  # a block of columns per class
        return per_class[:, :-1], per_class[:, -1]

    return contributions


def objective_task(params: dict[str, Any]) -> Task | None:
    """What a Booster trained with `params` predicts (LightGBM's default objective is regression)."""
    objective = next((params[k] for k in OBJECTIVE_NAMES if k in params), "regression")
    if not isinstance(objective, str):
        return None  # a custom objective function says nothing of its task
    if objective in BINARY or objective in MULTICLASS:
        return "classification"
    return None if objective in RANKING else "regression"


class LightGBMAdapter(ModelAdapter):
    library = "lightgbm"

    def is_model(self, value: Any) -> bool:
        return type(value).__name__ == "Booster" or hasattr(value, "booster_")

    def hyperparameters(self, model: Any) -> dict[str, Scalar]:
        if type(model).__name__ != "Booster":
            return super().hyperparameters(model)
        return {**plain(model.params), "num_trees": model.num_trees()}

    def defaults(self, model: Any) -> list[str]:
        return [] if type(model).__name__ == "Booster" else super().defaults(model)

    def task(self, model: Any) -> Task | None:
        return objective_task(model.params) if type(model).__name__ == "Booster" else super().task(model)

    def artifact(self, model: Any) -> tuple[Iterable[bytes], str]:
        return [_booster(model).model_to_string().encode()], "lightgbm text"

    def feature_names(self, model: Any) -> list[str] | None:
        return [str(n) for n in _booster(model).feature_name()]

    def inputs(self, model: Any, X: Any, personal: Iterable[str] = (), sensitive: Iterable[str] = ()) -> list[Feature]:
        return typed_inputs(self.feature_names(model) or [], X, {}, personal, sensitive)

    def view(self, model: Any, X: Any = None, y: Any = None) -> ModelView:
        if type(model).__name__ != "Booster":
            view = view_of_estimator(model, tree=model.booster_, library="lightgbm")
        else:
            view = self._booster_view(model)
        return dataclasses.replace(view, contributions=tree_shap(_booster(model)))

    def _booster_view(self, model: Any) -> ModelView:
        import numpy as np

        params = model.params
        task = objective_task(params)
        objective = next((params[k] for k in OBJECTIVE_NAMES if k in params), "regression")
        names = self.feature_names(model)
        if task == "classification" and objective in BINARY:
            return ModelView(
                predict=lambda rows: (np.asarray(model.predict(rows)) >= 0.5).astype(int),
                task=task,
                classes=(0, 1),
                score=lambda rows: np.asarray(model.predict(rows)),
                feature_names=names,
                tree=model,
                library="lightgbm",
                arrays=True,
            )
        if task == "classification":
            count = int(params.get("num_class", 1))
            return ModelView(
                predict=lambda rows: np.asarray(model.predict(rows)).reshape(len(rows), -1).argmax(axis=1),
                task=task,
                classes=tuple(range(count)),
                feature_names=names,
                tree=model,
                library="lightgbm",
                arrays=True,
            )
        return ModelView(
            predict=model.predict,
            task=task,
            feature_names=names,
            tree=model,
            library="lightgbm",
            arrays=True,
        )

    def holds_data(self, value: Any) -> bool:
        return type(value).__name__ == "Dataset" and type(value).__module__.startswith("lightgbm")

    def table_of(self, value: Any) -> Any | None:
        """The data an lgb.Dataset holds (with its label), or None once LightGBM freed it."""
        data = getattr(value, "data", None)
        if data is None or isinstance(data, (str, bytes)) or hasattr(data, "__fspath__"):
            return None
        import numpy as np
        import pandas as pd

        frame = data.copy() if isinstance(data, pd.DataFrame) else pd.DataFrame(np.asarray(data))
        if not isinstance(data, pd.DataFrame):
            names = value.feature_name if isinstance(value.feature_name, list) else None
            frame.columns = names or [f"Column_{i}" for i in range(frame.shape[1])]
        label = value.get_label() if value.label is not None else None
        if label is not None:
            frame["label"] = np.asarray(label, dtype=np.float32)  # what LightGBM trains on
        return frame


ADAPTER = LightGBMAdapter()
