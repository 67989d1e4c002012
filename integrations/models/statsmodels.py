"""statsmodels: fitted results of GLM, Logit/Probit, OLS and the other regression models, from arrays or formulas.

Their explanation is what statisticians report: each coefficient with its standard error, 95% confidence interval
and p-value. Identity is the model class with its family and link; inputs are the design matrix's columns, traced
to the data frame's columns they were made from (formulas: `C(gemeente)[T.B]` ← gemeente); the predict function is
`results.predict` (the constant added when X lacks it), a binary model's labels its probabilities ≥ 0.5. The
artifact hash is of the fitted state: class, design columns, coefficients and their covariance."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from uitlegbaar.integrations.models.base import Feature, ModelAdapter, Scalar, version_of

from uitlegbaar.analysis.models import ModelView, Task
from uitlegbaar.evidence.records import Coefficient, Explanation

CONSTANTS = ("const", "Intercept")
CONFIDENCE = 0.95


class StatsmodelsAdapter(ModelAdapter):
    library = "statsmodels"

    def is_model(self, value: Any) -> bool:
        return hasattr(value, "params") and hasattr(value, "model") and hasattr(value, "predict")

    def identity_class(self, results: Any) -> str:
        cls = type(results.model)
        return f"{cls.__module__}.{cls.__qualname__}"

    def identity(self, model: Any) -> Any:
        found = super().identity(model)
        from dataclasses import replace

        return replace(found, class_name=self.identity_class(model))

    def hyperparameters(self, model: Any) -> dict[str, Scalar]:
        inner = model.model
        family = getattr(inner, "family", None)
        found: dict[str, Scalar] = {
            "family": type(family).__name__ if family is not None else None,
            "link": type(family.link).__name__ if family is not None else None,
            "formula": getattr(inner, "formula", None),
            "method": getattr(model, "method", None) if isinstance(getattr(model, "method", None), str) else None,
            "cov_type": getattr(model, "cov_type", None),
            "nobs": float(model.nobs),
            "df_model": float(model.df_model),
            "df_resid": float(model.df_resid),
        }
        return {k: v for k, v in found.items() if v is not None}

    def defaults(self, model: Any) -> list[str]:
        return []

    def artifact(self, model: Any) -> tuple[Iterable[bytes], str]:
        """The fitted state: model class, design columns, coefficients and their covariance (a pickle of the
        results is no stable artifact: statsmodels caches what is computed from it later)."""
        import numpy as np

        names = "|".join(self.feature_names(model) or [])
        head = f"{self.identity_class(model)}|{names}|".encode()
        params = np.ascontiguousarray(np.asarray(model.params, dtype=float)).tobytes()
        covariance = np.ascontiguousarray(np.asarray(model.cov_params(), dtype=float)).tobytes()
        return [head, params, covariance], "statsmodels params and covariance"

    def task(self, model: Any) -> Task | None:
        inner = model.model
        family = getattr(inner, "family", None)
        if family is not None:
            return "classification" if type(family).__name__ == "Binomial" else "regression"
        binary = any(c.__name__ == "BinaryModel" for c in type(inner).__mro__)
        if binary:
            return "classification"
        if any(c.__name__ in ("RegressionModel", "GenericLikelihoodModel") for c in type(inner).__mro__):
            return "regression"
        return None

    def feature_names(self, model: Any) -> list[str] | None:
        return [str(n) for n in model.model.exog_names]

    def inputs(self, model: Any, X: Any, personal: Iterable[str] = (), sensitive: Iterable[str] = ()) -> list[Feature]:
        personal_set, sensitive_set = set(personal), set(sensitive)
        frame = getattr(model.model.data, "frame", None)
        columns = [str(c) for c in (frame.columns if frame is not None else getattr(X, "columns", []))]
        found = []
        for name in self.feature_names(model) or []:
            sources = [] if name in CONSTANTS else _sources(name, columns)
            transforms = [] if sources == [name] or not sources else [name]
            found.append(
                Feature(
                    name=name,
                    type="numeric",
                    sources=sources,
                    transforms=transforms,
                    personal=any(s in personal_set for s in sources),
                    sensitive=any(s in sensitive_set for s in sources),
                )
            )
        return found

    def view(self, model: Any, X: Any = None, y: Any = None) -> ModelView:
        import numpy as np

        names = self.feature_names(model) or []
        formula = getattr(model.model, "formula", None) is not None

        def exog(rows: Any) -> Any:
            if formula or len(names) != np.shape(rows)[1] + 1 or names[0] not in CONSTANTS:
                return rows
            if hasattr(rows, "columns"):
                return rows.assign(**{names[0]: 1.0})[names]
            return np.column_stack([np.ones(len(rows)), np.asarray(rows, dtype=float)])

        def answer(rows: Any) -> Any:
            return np.asarray(model.predict(exog(rows)), dtype=float)

        task = self.task(model)
        given = [n for n in names if n not in CONSTANTS]
        linear = None
        if not formula and X is not None and list(getattr(X, "columns", given)) == given:
            params = np.asarray(model.params, dtype=float)
            has_constant = bool(names) and names[0] in CONSTANTS
            linear = (params[1:], float(params[0])) if has_constant else (params, 0.0)
        common: dict[str, Any] = {
            "feature_names": given if not formula else names,
            "linear": linear,
            "explanations": [self.coefficients(model)],
            "library": "statsmodels",
        }
        if task == "classification":
            return ModelView(
                predict=lambda rows: (answer(rows) >= 0.5).astype(int),
                task=task,
                classes=(0, 1),
                score=answer,
                **common,
            )
        return ModelView(predict=answer, task=task, **common)

    def coefficients(self, model: Any) -> Explanation:
        """Each coefficient with its standard error, confidence interval and p-value."""
        import numpy as np

        names = self.feature_names(model) or []
        params = np.asarray(model.params, dtype=float)
        errors = np.asarray(model.bse, dtype=float)
        intervals = np.asarray(model.conf_int(alpha=1 - CONFIDENCE), dtype=float)
        p_values = np.asarray(model.pvalues, dtype=float)
        rows = [
            Coefficient(
                name=name,
                estimate=float(params[i]),
                std_error=_finite(errors[i]),
                lower=_finite(intervals[i, 0]),
                upper=_finite(intervals[i, 1]),
                p_value=_finite(p_values[i]),
            )
            for i, name in enumerate(names)
        ]
        scale = "log-odds" if self.task(model) == "classification" else "the outcome's unit"
        link = getattr(getattr(model.model, "family", None), "link", None)
        if link is not None and type(link).__name__ not in ("Logit", "Identity"):
            scale = f"the {type(link).__name__.lower()} link's scale"
        return Explanation(
            method="coefficients",
            library="statsmodels",
            library_version=version_of("statsmodels"),
            sample_size=int(model.nobs),
            seed=None,
            scoring=f"estimate ({scale}) with {CONFIDENCE:.0%} confidence interval and p-value",
            importances={c.name: c.estimate for c in rows if c.name not in CONSTANTS},
            coefficients=rows,
            confidence=CONFIDENCE,
        )


def _sources(name: str, columns: list[str]) -> list[str]:
    """The columns a design-matrix column is made from: itself, or the columns named in its term."""
    if name in columns:
        return [name]
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", name))
    return [c for c in columns if c in words]


def _finite(value: float) -> float | None:
    return float(value) if value == value and abs(value) != float("inf") else None


ADAPTER = StatsmodelsAdapter()
