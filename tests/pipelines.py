"""Benefit-application pipelines, captured as users capture them, shared by the document and site tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

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


def capture_scored_run(
    *,
    rows: int = 4_000,
    seed: int = 0,
    proxy: bool = False,
    biased: bool = False,
    worse: bool = False,
    shift: float = 0.0,
    small_group: bool = False,
) -> str:
    """A screening model on synthetic applications, evaluated per gender, whose outcome the policy judges.

    `proxy`: an input (`wijk`) agrees with gender in 90% of the rows; `biased`: debts, and so selections, are higher
    for men (a selection-rate ratio near 0.7, below four fifths); `worse`: trained on shuffled labels;
    `shift`: incomes in the training data moved up by this much; `small_group`: a third gender of 1% of the rows
    that is never selected.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    sex = rng.choice(np.array(["vrouw", "man"], dtype=object), rows)
    if small_group:
        sex[rng.random(rows) < 0.01] = "onbekend"
    debt = rng.normal(0.0, 1.0, rows) + (0.5 * (sex == "man") if biased else 0.0)
    income = rng.normal(30_000.0, 8_000.0, rows)
    label = debt + rng.normal(0.0, 0.3, rows) > 0
    if small_group:
        label[sex == "onbekend"] = False
    columns: dict[str, object] = {"schuld": debt, "inkomen": income / 10_000.0}
    if proxy:
        columns["wijk"] = np.where(rng.random(rows) < 0.9, sex == "man", sex != "man").astype(float)
    frame = pd.DataFrame({**columns, "geslacht": sex, "label": label})
    train, test = frame.iloc[: rows * 3 // 4].copy(), frame.iloc[rows * 3 // 4 :].reset_index(drop=True)
    train["inkomen"] += shift / 10_000.0
    if worse:
        train["label"] = rng.permutation(train["label"].to_numpy())
    inputs = list(columns)

    @ub.dataset(name="aanvragen", source="s3://bucket/aanvragen.parquet", sensitive=["geslacht"])
    def load_frame() -> pd.DataFrame:
        return train

    @ub.train(model="toeslag-heronderzoek")
    def fit(X: pd.DataFrame, y: pd.Series) -> LogisticRegression:
        return LogisticRegression(max_iter=1000).fit(X, y)

    @ub.evaluate(split="test", sensitive=["geslacht"])
    def evaluate(model: LogisticRegression, X: pd.DataFrame, y: pd.Series, geslacht: pd.Series) -> dict[str, float]:
        return {"accuracy": float((model.predict(X) == y).mean())}

    @ub.explain(method="coefficients")
    def explain(model: LogisticRegression, X: pd.DataFrame) -> dict[str, float]:
        return dict(zip(X.columns, model.coef_[0].tolist(), strict=True))

    with ub.run("screening pipeline") as run:
        data = load_frame()
        model = fit(data[inputs], data["label"])
        evaluate(model, test[inputs], test["label"], test["geslacht"])
        explain(model, test[inputs])
    return run.id


def capture_onehot_run(rows: int = 600, seed: int = 1) -> str:
    """A scikit-learn pipeline with one-hot encoded inputs, one of them personal data (`wijk`, a neighbourhood
    code), evaluated per gender and per age group (two sensitive attributes), with the default explanations."""
    import numpy as np
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "gemeente": rng.choice(["Den Haag", "Zwolle", "Utrecht"], rows),
            "wijk": rng.choice(["1234AB", "5678CD", "9012EF"], rows),
            "inkomen": rng.normal(30_000.0, 8_000.0, rows),
            "geslacht": rng.choice(["vrouw", "man"], rows),
            "leeftijdsgroep": rng.choice(["jong", "midden", "oud"], rows),
        }
    )
    frame["label"] = (frame["inkomen"] + rng.normal(0, 4_000, rows) < 28_000).astype(int)
    inputs = ["gemeente", "wijk", "inkomen"]

    @ub.dataset(name="aanvragen", personal=["wijk"], sensitive=["geslacht", "leeftijdsgroep"])
    def load_frame() -> pd.DataFrame:
        return frame

    @ub.step
    def split(data: pd.DataFrame) -> tuple[pd.DataFrame, ...]:
        cut = rows * 3 // 4
        return data[inputs][:cut], data[inputs][cut:], data["label"][:cut].to_frame(), data[["label"]][cut:]

    def outer() -> tuple[object, ...]:
        @ub.train(model="toeslag-heronderzoek", name="trainen")  # what documents call the training function
        def fit(X: pd.DataFrame, y: pd.Series) -> Pipeline:
            encode = ColumnTransformer([("onehot", OneHotEncoder(), ["gemeente", "wijk"])], remainder="passthrough")
            return Pipeline([("features", encode), ("classifier", LogisticRegression(max_iter=500))]).fit(X, y)

        @ub.evaluate(split="test", sensitive=["geslacht", "leeftijdsgroep"])
        def evaluate(model: Pipeline, X: pd.DataFrame, y: pd.Series, groups: pd.DataFrame) -> dict[str, float]:
            return {"accuracy": float((model.predict(X) == y).mean())}

        @ub.explain(shap=False)
        def explain(model: Pipeline, X: pd.DataFrame, y: pd.Series) -> None:
            """Computed by uitlegbaar."""

        return fit, evaluate, explain

    fit, evaluate, explain = outer()  # functions defined inside another: their qualnames hold `<locals>`
    with ub.run("one-hot pipeline") as run:
        data = load_frame()
        X_train, X_test, y_train, y_test = split(data)
        model = fit(X_train, y_train["label"])
        groups = data[["geslacht", "leeftijdsgroep"]][rows * 3 // 4 :]
        evaluate(model, X_test, y_test["label"], groups)
        explain(model, X_test, y_test["label"])
    return run.id


def capture_example_run(data_dir: Path, rows: int = 2_000) -> str:
    """The README example (`examples/toeslagen_pipeline.py`), run in this process into the configured store."""
    import sys

    from helpers import EXAMPLES

    sys.path.insert(0, str(EXAMPLES))
    try:
        import toeslagen_pipeline

        return str(toeslagen_pipeline.main(rows=rows, data_dir=data_dir))
    finally:
        sys.path.remove(str(EXAMPLES))


ONEHOT_DECLARATION = """\
organization: Gemeente Noorderhaaks
contact_email: algoritmes@noorderhaaks.nl
name: Toeslagaanvragen per wijk selecteren voor heronderzoek
description_short: Het model schat welke toeslagaanvragen een heronderzoek nodig hebben.
status: In ontwikkeling
publication_category: Impactvolle algoritmes
category: [Sociale zekerheid]
source_id: ONEHOT-02
goal: Medewerkers helpen hun tijd goed te besteden.
"""


def capture_reader_pipelines(folder: Path) -> dict[str, tuple[str, Path]]:
    """The two pipelines the documents people read are held to, captured into the store `folder/store`: the README
    example (with its uitlegbaar.yaml) and the one-hot pipeline (two sensitive attributes, one-hot inputs, one of them
    personal; with a declaration of its own). Per name (`example`, `onehot`): the run id and the declaration."""
    import uitlegbaar.capture.settings
    from helpers import EXAMPLES

    folder.mkdir(parents=True, exist_ok=True)
    declaration = folder / "uitlegbaar.yaml"
    declaration.write_text(ONEHOT_DECLARATION, encoding="utf-8")
    (folder / "data").mkdir(exist_ok=True)
    ub.configure(store=folder / "store")
    try:
        return {
            "example": (capture_example_run(folder / "data"), EXAMPLES / "uitlegbaar.yaml"),
            "onehot": (capture_onehot_run(), declaration),
        }
    finally:
        ub.end_run()
        uitlegbaar.capture.settings.reset()
