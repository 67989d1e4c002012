"""scikit-learn: estimators and pipelines, read the way `base.ModelAdapter` reads any estimator, with the feature
lineage of `uitlegbaar.integrations.sklearn` (which input columns each model input came from)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import uitlegbaar.integrations.sklearn as lineage
from uitlegbaar.integrations.models.base import Feature, ModelAdapter


class SklearnAdapter(ModelAdapter):
    library = "sklearn"

    def inputs(self, model: Any, X: Any, personal: Iterable[str] = (), sensitive: Iterable[str] = ()) -> list[Feature]:
        return lineage.feature_lineage(model, X, personal=personal, sensitive=sensitive)


ADAPTER = SklearnAdapter()
