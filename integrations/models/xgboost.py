"""XGBoost: the scikit-learn API (`XGBClassifier`, `XGBRegressor`, …) and the native `Booster` that `xgboost.train`
returns. The artifact is the model in XGBoost's own UBJSON format (`save_raw`), which is what `save_model` writes;
a Booster's hyperparameters are its learner configuration (`save_config`); its predict function is
`inplace_predict` on the rows as given (a DataFrame or an array, no DMatrix built); its exact SHAP values are
XGBoost's own (`pred_contribs`), with shap's tree explainer to fall back on. A DMatrix handed to a decorated
function is read back as a table (features, then the label)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from typing import Any

from uitlegbaar.integrations.models.base import Feature, ModelAdapter, Scalar, plain, typed_inputs

from uitlegbaar.analysis.models import ModelView, Task, view_of_estimator

CONFIG_SECTIONS = (
    ("learner", "learner_train_param"),
    ("learner", "gradient_booster", "tree_train_param"),
    ("learner", "learner_model_param"),
)
FEATURE_TYPES = {"float": "numeric", "int": "numeric", "i": "bool", "q": "numeric", "c": "category"}


def _booster(model: Any) -> Any:
    return model if type(model).__name__ == "Booster" else model.get_booster()


def tree_shap(booster: Any) -> Any:
    """XGBoost's own exact SHAP values (`pred_contribs`) of rows: the positive or last class's, and base values."""

    def contributions(rows: Any) -> tuple[Any, Any]:
        import numpy as np
        import xgboost as xgb

        raw = np.asarray(booster.predict(xgb.DMatrix(rows, enable_categorical=True), pred_contribs=True))
        per_class = raw[:, -1, :] if raw.ndim == 3 else raw  # rows × classes × (inputs + 1) for several classes
        return per_class[:, :-1], per_class[:, -1]

    return contributions


def objective_task(objective: str) -> Task | None:
    """What an XGBoost objective predicts."""
    if objective.startswith(("binary:", "multi:")):
        return "classification"
    if objective.startswith(("reg:", "count:", "survival:", "rank:")):
        return "regression" if not objective.startswith("rank:") else None
    return None


class XGBoostAdapter(ModelAdapter):
    library = "xgboost"

    def is_model(self, value: Any) -> bool:
        return type(value).__name__ == "Booster" or hasattr(value, "get_booster")

    def _config(self, model: Any) -> dict[str, Any]:
        config: dict[str, Any] = json.loads(_booster(model).save_config())
        return config

    def hyperparameters(self, model: Any) -> dict[str, Scalar]:
        if type(model).__name__ != "Booster":
            return super().hyperparameters(model)
        config, found = self._config(model), {}
        for path in CONFIG_SECTIONS:
            section: Any = config
            for key in path:
                section = section.get(key, {})
            found.update(plain(section))
        found["num_boost_round"] = model.num_boosted_rounds()
        return found

    def defaults(self, model: Any) -> list[str]:
        return [] if type(model).__name__ == "Booster" else super().defaults(model)

    def task(self, model: Any) -> Task | None:
        if type(model).__name__ != "Booster":
            return super().task(model)
        return objective_task(self._objective(model))

    def _objective(self, model: Any) -> str:
        return str(self._config(model)["learner"]["learner_train_param"].get("objective", ""))

    def artifact(self, model: Any) -> tuple[Iterable[bytes], str]:
        return [bytes(_booster(model).save_raw("ubj"))], "xgboost ubj"

    def feature_names(self, model: Any) -> list[str] | None:
        names = _booster(model).feature_names
        if names is None:
            count = _booster(model).num_features()
            return [f"f{i}" for i in range(count)]
        return [str(n) for n in names]

    def inputs(self, model: Any, X: Any, personal: Iterable[str] = (), sensitive: Iterable[str] = ()) -> list[Feature]:
        booster = _booster(model)
        names = self.feature_names(model) or []
        types = {
            n: FEATURE_TYPES.get(str(t), "numeric") for n, t in zip(names, booster.feature_types or [], strict=False)
        }
        return typed_inputs(names, X, types, personal, sensitive)

    def view(self, model: Any, X: Any = None, y: Any = None) -> ModelView:
        if type(model).__name__ != "Booster":
            view = view_of_estimator(model, tree=model.get_booster(), library="xgboost")
        else:
            view = self._booster_view(model)
        return dataclasses.replace(view, contributions=tree_shap(_booster(model)))

    def _booster_view(self, model: Any) -> ModelView:
        import numpy as np

        objective = self._objective(model)
        task = objective_task(objective)
        num_class = int(float(self._config(model)["learner"]["learner_model_param"].get("num_class", "0")))
        raw = objective in ("binary:logitraw",)

        def answer(rows: Any) -> Any:
            return np.asarray(model.inplace_predict(rows))

        def probability(rows: Any) -> Any:
            found = answer(rows)
            return 1 / (1 + np.exp(-found)) if raw else found

        if task == "classification" and num_class <= 1:
            return ModelView(
                predict=lambda rows: (probability(rows) >= 0.5).astype(int),
                task=task,
                classes=(0, 1),
                score=probability,
                feature_names=self.feature_names(model),
                tree=model,
                library="xgboost",
                arrays=True,
            )
        if task == "classification":
            return ModelView(
                predict=lambda rows: np.asarray(answer(rows)).reshape(len(rows), -1).argmax(axis=1),
                task=task,
                classes=tuple(range(num_class)),
                feature_names=self.feature_names(model),
                tree=model,
                library="xgboost",
                arrays=True,
            )
        return ModelView(
            predict=answer,
            task=task,
            feature_names=self.feature_names(model),
            tree=model,
            library="xgboost",
        )

    def holds_data(self, value: Any) -> bool:
        return type(value).__name__ in ("DMatrix", "QuantileDMatrix")

    def table_of(self, value: Any) -> Any | None:
        """A DMatrix's features and label as a DataFrame (a QuantileDMatrix keeps no features: None)."""
        if type(value).__name__ != "DMatrix":
            return None
        import numpy as np
        import pandas as pd

        matrix = value.get_data()
        names = value.feature_names or [f"f{i}" for i in range(value.num_col())]
        frame = pd.DataFrame(matrix.toarray(), columns=names)
        label = value.get_label()
        if np.size(label):
            frame["label"] = label
        return frame


ADAPTER = XGBoostAdapter()
