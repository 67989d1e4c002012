"""A small benefit-application pipeline, captured as users capture it, shared by the document tests."""

from __future__ import annotations

import pandas as pd
from sklearn.linear_model import LogisticRegression

import uitlegbaar as ub

BSNS = [f"1234567{i:02d}" for i in range(60)]


def capture_run(dataset: str = "aanvragen", columns: tuple[str, str] = ("inkomen", "leeftijd"), c: float = 1.0) -> str:
    """Train, evaluate per group and explain a small model, captured as users capture it."""
    income, age = columns
    frame = pd.DataFrame(
        {
            "bsn": BSNS,
            income: [20_000.0 + 500 * i for i in range(60)],
            age: [20 + i % 40 for i in range(60)],
            "geslacht": ["vrouw", "man", "man"] * 20,
            "label": [i > 35 for i in range(60)],
        }
    )

    @ub.dataset(name=dataset, source="s3://bucket/aanvragen.parquet", personal=["bsn"], sensitive=["geslacht"])
    def load_frame() -> pd.DataFrame:
        return frame

    @ub.train(model="toeslag-heronderzoek")
    def fit(X: pd.DataFrame, y: pd.Series) -> LogisticRegression:
        return LogisticRegression(C=c, max_iter=2000).fit(X / X.max(), y)

    @ub.evaluate(split="test", sensitive=["geslacht"])
    def evaluate(model: LogisticRegression, X: pd.DataFrame, y: pd.Series, groups: pd.Series) -> dict[str, object]:
        predicted = model.predict(X / X.max())
        return {
            "accuracy": float((predicted == y).mean()),
            "geslacht": {
                g: {"selection_rate": float(predicted[(groups == g).to_numpy()].mean())}
                for g in sorted(groups.unique())
            },
        }

    @ub.explain(method="coefficients")
    def explain(model: LogisticRegression, X: pd.DataFrame) -> dict[str, float]:
        return dict(zip(X.columns, model.coef_[0].tolist(), strict=True))

    with ub.run("benefit pipeline") as run:
        data = load_frame()
        X, y = data[[income, age]], data["label"]
        model = fit(X, y)
        evaluate(model, X, y, data["geslacht"])
        explain(model, X)
    return run.id
