"""CatBoost: `CatBoostClassifier`, `CatBoostRegressor` and `CatBoost`. Identity from `get_all_params` (every
setting the model trained with, defaults resolved); the artifact is the model in CatBoost's own binary format
(what `save_model` writes); inputs are `feature_names_`, categorical ones typed so; the predict function is the
model's own (labels ravelled), its probabilities the score; the exact SHAP explainer reads its trees."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from typing import Any

from uitlegbaar.integrations.models.base import Feature, ModelAdapter, Scalar, plain, typed_inputs

from uitlegbaar.analysis.models import ModelView, Task


class CatBoostAdapter(ModelAdapter):
    library = "catboost"

    def is_model(self, value: Any) -> bool:
        return hasattr(value, "get_all_params") and hasattr(value, "predict")

    def hyperparameters(self, model: Any) -> dict[str, Scalar]:
        return plain(model.get_all_params())

    def defaults(self, model: Any) -> list[str]:
        given = set(model.get_params())
        return sorted(set(plain(model.get_all_params())) - given)

    def task(self, model: Any) -> Task | None:
        name = type(model).__name__
        return (
            "classification" if name == "CatBoostClassifier" else "regression" if name == "CatBoostRegressor" else None
        )

    def artifact(self, model: Any) -> tuple[Iterable[bytes], str]:
        folder = tempfile.mkdtemp(prefix="uitlegbaar-catboost-")
        path = os.path.join(folder, "model.cbm")
        try:
            model.save_model(path)
            with open(path, "rb") as handle:
                return [handle.read()], "catboost cbm"
        finally:
            if os.path.exists(path):
                os.remove(path)
            os.rmdir(folder)

    def feature_names(self, model: Any) -> list[str] | None:
        return [str(n) for n in model.feature_names_]

    def inputs(self, model: Any, X: Any, personal: Iterable[str] = (), sensitive: Iterable[str] = ()) -> list[Feature]:
        names = self.feature_names(model) or []
        categorical = set(model.get_cat_feature_indices())
        types = {n: "category" if i in categorical else "numeric" for i, n in enumerate(names)}
        return typed_inputs(names, X, types, personal, sensitive)

    def view(self, model: Any, X: Any = None, y: Any = None) -> ModelView:
        import numpy as np

        task = self.task(model)
        classes = tuple(model.classes_) if task == "classification" else None
        binary = classes is not None and len(classes) == 2
        return ModelView(
            predict=lambda rows: np.asarray(model.predict(rows)).ravel(),
            task=task,
            classes=classes,
            score=(lambda rows: np.asarray(model.predict_proba(rows))[:, -1]) if binary else None,
            feature_names=self.feature_names(model),
            tree=model,
            library="catboost",
        )


ADAPTER = CatBoostAdapter()
