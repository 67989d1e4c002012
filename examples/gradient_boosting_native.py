"""Example: XGBoost's native API (`xgboost.train` on a DMatrix) with uitlegbaar's decorators; LightGBM's
`lightgbm.train` on an `lgb.Dataset` works the same way (swap the two lines in `train_model`).

    pip install -e ".[xgboost]"
    python examples/gradient_boosting_native.py
    uitlegbaar card latest --declaration examples/uitlegbaar.yaml --format html -o model-card.html
    uitlegbaar register latest --declaration examples/uitlegbaar.yaml -o register-entry.json

The model record holds the Booster's class, XGBoost's version, its learner configuration and the SHA-256 of the
model in XGBoost's own format (`save_raw("ubj")`, what `save_model` writes); the evaluation holds the metrics per
geslacht and a proxy screening; the explanation is permutation importance and SHAP's exact tree explainer.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
import xgboost as xgb

import uitlegbaar as ub


@ub.dataset(name="toeslagaanvragen", source="s3://toeslagen/aanvragen-2025.parquet", sensitive=["geslacht"])
def load_applications(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "inkomen": rng.normal(28_000, 9_000, rows).round(),
            "huishoudgrootte": rng.integers(1, 7, rows),
            "eerdere_aanvragen": rng.poisson(1.2, rows),
            "geslacht": rng.choice(["man", "vrouw"], rows),
        }
    )
    risk = frame["eerdere_aanvragen"] * 0.8 - frame["inkomen"] / 20_000 + rng.normal(size=rows)
    return frame.assign(heronderzoek=(risk > 0).astype(int))


@ub.train(model="heronderzoek-xgboost")
def train_model(X: pd.DataFrame, y: pd.Series) -> xgb.Booster:
    params = {"objective": "binary:logistic", "max_depth": 4, "eta": 0.2}
    return xgb.train(params, xgb.DMatrix(X, label=y), num_boost_round=50)
    # LightGBM: return lgb.train({"objective": "binary", "verbose": -1}, lgb.Dataset(X, label=y), 50)


@ub.evaluate(split="test", sensitive=["geslacht"])
def evaluate_model(model: xgb.Booster, X: pd.DataFrame, y: pd.Series, geslacht: pd.Series) -> dict[str, float]:
    predicted = model.predict(xgb.DMatrix(X)) >= 0.5
    return {"accuracy": float((predicted == y.to_numpy()).mean())}


@ub.explain
def explain_model(model: xgb.Booster, X: pd.DataFrame, y: pd.Series) -> None:
    """uitlegbaar explains the Booster through its adapter: permutation importance and exact tree SHAP."""


def main(rows: int = 10_000) -> str:
    """Train, evaluate and explain inside one uitlegbaar run; return the run id."""
    with ub.run("heronderzoek xgboost") as run:
        applications = load_applications(rows)
        train, test = applications.iloc[: rows * 3 // 4], applications.iloc[rows * 3 // 4 :]
        features = ["inkomen", "huishoudgrootte", "eerdere_aanvragen"]
        model = train_model(train[features], train["heronderzoek"])
        metrics = evaluate_model(model, test[features], test["heronderzoek"], test["geslacht"])
        explain_model(model, test[features], test["heronderzoek"])
    print(f"run {run.id}: accuracy {metrics['accuracy']:.3f}")
    return run.id


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000, help="applications to generate")
    main(parser.parse_args().rows)
