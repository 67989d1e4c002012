"""Example: a logistic GLM in statsmodels with uitlegbaar's decorators. Its explanation is what statisticians
report: each coefficient with its standard error, 95% confidence interval and p-value, shown on the model card.

    pip install -e ".[statsmodels]"
    python examples/statsmodels_glm.py
    uitlegbaar card latest --declaration examples/uitlegbaar.yaml --format html -o model-card.html
    uitlegbaar register latest --declaration examples/uitlegbaar.yaml -o register-entry.json
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
import statsmodels.api as sm

import uitlegbaar as ub


@ub.dataset(name="toeslagaanvragen", source="s3://toeslagen/aanvragen-2025.parquet", sensitive=["geslacht"])
def load_applications(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "inkomen_x1000": rng.normal(28, 9, rows).round(1),
            "huishoudgrootte": rng.integers(1, 7, rows).astype(float),
            "eerdere_aanvragen": rng.poisson(1.2, rows).astype(float),
            "geslacht": rng.choice(["man", "vrouw"], rows),
        }
    )
    risk = frame["eerdere_aanvragen"] * 0.8 - frame["inkomen_x1000"] / 20 + rng.normal(size=rows)
    return frame.assign(heronderzoek=(risk > 0).astype(int))


@ub.train(model="heronderzoek-glm")
def train_model(X: pd.DataFrame, y: pd.Series) -> object:
    return sm.GLM(y, sm.add_constant(X), family=sm.families.Binomial()).fit()


@ub.evaluate(split="test", sensitive=["geslacht"])
def evaluate_model(model: object, X: pd.DataFrame, y: pd.Series, geslacht: pd.Series) -> dict[str, float]:
    predicted = model.predict(sm.add_constant(X)) >= 0.5  # type: ignore[attr-defined]
    return {"accuracy": float((predicted.to_numpy() == y.to_numpy()).mean())}


@ub.explain
def explain_model(model: object, X: pd.DataFrame, y: pd.Series) -> None:
    """uitlegbaar records the coefficients with intervals and p-values, permutation importance and exact linear SHAP."""


def main(rows: int = 5_000) -> str:
    """Fit, evaluate and explain inside one uitlegbaar run; return the run id."""
    with ub.run("heronderzoek glm") as run:
        applications = load_applications(rows)
        train, test = applications.iloc[: rows * 3 // 4], applications.iloc[rows * 3 // 4 :]
        features = ["inkomen_x1000", "huishoudgrootte", "eerdere_aanvragen"]
        model = train_model(train[features], train["heronderzoek"])
        metrics = evaluate_model(model, test[features], test["heronderzoek"], test["geslacht"])
        explain_model(model, test[features], test["heronderzoek"])
    print(f"run {run.id}: accuracy {metrics['accuracy']:.3f}")
    return run.id


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=5_000, help="applications to generate")
    main(parser.parse_args().rows)
