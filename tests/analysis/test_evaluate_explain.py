"""What `@ub.evaluate(sensitive=...)`, `@ub.explain` and `@ub.train(explain=True)` compute and record, checked
against independent computations (pandas group-bys, fairlearn, SHAP's additivity) on small known data."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

import uitlegbaar as ub
from uitlegbaar.analysis.explanations import shap_explanation
from uitlegbaar.errors import ConfigurationError, UitlegbaarWarning
from uitlegbaar.evidence.view import Evidence
from uitlegbaar.pipeline import load_evidence
from uitlegbaar.store import LocalStore

ROWS = 4_000


@pytest.fixture(scope="module")
def applications() -> pd.DataFrame:
    """Applications where `wijk` is planted to track gender (90% agreement) and `inkomen` is independent of it."""
    rng = np.random.default_rng(11)
    gender = rng.choice(["man", "vrouw", "x"], size=ROWS, p=[0.48, 0.48, 0.04])
    planted = np.where(
        rng.random(ROWS) < 0.9, np.where(gender == "vrouw", "noord", "zuid"), rng.choice(["noord", "zuid"], ROWS)
    )
    income = rng.normal(30_000, 8_000, ROWS)
    label = (income / 10_000 + (planted == "noord") + rng.normal(size=ROWS) > 3.8).astype(int)
    return pd.DataFrame({"inkomen": income, "wijk": planted, "geslacht": gender, "heronderzoek": label})


def classifier(frame: pd.DataFrame) -> Pipeline:
    encode = ColumnTransformer([("onehot", OneHotEncoder(), ["wijk"])], remainder="passthrough")
    return Pipeline([("prep", encode), ("clf", LogisticRegression(max_iter=1_000))]).fit(
        frame[["inkomen", "wijk"]], frame["heronderzoek"]
    )


def evidence_of(store: Path, run_id: str) -> Evidence:
    return load_evidence(LocalStore.open(store), run_id)


def test_subgroup_metrics_match_an_independent_count_and_fairlearn(store: Path, applications: pd.DataFrame) -> None:
    model = classifier(applications)

    @ub.evaluate(split="test", sensitive=["geslacht"], thresholds={"selection_rate_ratio": 0.99})
    def evaluate(model: Pipeline, X: pd.DataFrame, y: pd.Series, groups: pd.Series) -> dict[str, float]:
        return {"accuracy": float((model.predict(X) == y).mean())}

    X, y, gender = applications[["inkomen", "wijk"]], applications["heronderzoek"], applications["geslacht"]
    with ub.run() as run:
        evaluate(model, X, y, gender)  # gender is not a model input: it is passed as a Series named geslacht
    (record,) = evidence_of(store, run.id).evaluations
    (result,) = record.fairness
    predicted = model.predict(X)
    frame = pd.DataFrame({"g": gender, "y": y, "p": predicted})
    for group in result.groups:
        rows = frame[frame.g == group.group]
        assert group.size == len(rows)
        assert group.metrics["selection_rate"] == pytest.approx(rows.p.mean())
        assert group.metrics["true_positive_rate"] == pytest.approx(rows[rows.y == 1].p.mean())
        assert group.metrics["false_positive_rate"] == pytest.approx(rows[rows.y == 0].p.mean())
        assert group.metrics["accuracy"] == pytest.approx((rows.p == rows.y).mean())
    from fairlearn.metrics import MetricFrame, selection_rate

    fairlearn = MetricFrame(metrics=selection_rate, y_true=y, y_pred=predicted, sensitive_features=gender)
    rates = {g.group: g.metrics["selection_rate"] for g in result.groups}
    assert rates == pytest.approx(fairlearn.by_group.to_dict())
    (check,) = result.checks
    assert check.name == "selection_rate_ratio" and check.threshold == 0.99
    assert check.value == pytest.approx(fairlearn.ratio()) and check.passed is False
    # the card shows the groups without the function having returned them; no row of the attribute is stored
    assert set(record.by_group["geslacht"]) == {"man", "vrouw", "x"}
    assert record.model_dump_json().count('"vrouw"') < 10


def test_a_planted_proxy_is_flagged_and_an_independent_input_is_not(store: Path, applications: pd.DataFrame) -> None:
    model = classifier(applications)

    @ub.evaluate(sensitive=["geslacht"])
    def evaluate(model: Pipeline, X: pd.DataFrame, y: pd.Series, geslacht: np.ndarray) -> dict[str, float]:
        return {}

    with ub.run() as run:
        evaluate(
            model, applications[["inkomen", "wijk"]], applications["heronderzoek"], applications["geslacht"].to_numpy()
        )
    (record,) = evidence_of(store, run.id).evaluations
    flagged = {(p.feature, p.attribute): p for p in record.proxies}
    assert flagged["wijk", "geslacht"].flagged and flagged["wijk", "geslacht"].measure == "cramers_v"
    assert not flagged["inkomen", "geslacht"].flagged and flagged["inkomen", "geslacht"].strength < 0.1


def test_a_regressor_gets_its_error_per_group(store: Path, applications: pd.DataFrame) -> None:
    X, y = applications[["inkomen"]], applications["inkomen"] * 0.01 + (applications["geslacht"] == "x") * 50
    model = LinearRegression().fit(X, y)

    @ub.evaluate(sensitive=["geslacht"], thresholds={"mae_difference": 1.0})
    def evaluate(model: LinearRegression, X: pd.DataFrame, y: pd.Series, data: pd.DataFrame) -> dict[str, float]:
        return {}

    with ub.run() as run:
        evaluate(model, X, y, applications[["geslacht"]])  # found as a column of a table argument
    (result,) = evidence_of(store, run.id).evaluations[0].fairness
    errors = (model.predict(X) - y).abs().groupby(applications["geslacht"]).mean()
    assert result.task == "regression"
    assert {g.group: g.metrics["mae"] for g in result.groups} == pytest.approx(errors.to_dict())
    assert result.checks[0].passed is False  # group x is 50 off by construction


def test_a_sensitive_attribute_that_was_not_passed_is_a_recorded_gap(store: Path, applications: pd.DataFrame) -> None:
    model = classifier(applications)

    @ub.evaluate(sensitive=["geslacht", "leeftijdsgroep"])
    def evaluate(model: Pipeline, X: pd.DataFrame, y: pd.Series, data: pd.DataFrame) -> dict[str, float]:
        return {"n": float(len(X))}

    with ub.run() as run, pytest.warns(UitlegbaarWarning, match="leeftijdsgroep"):
        result = evaluate(model, applications[["inkomen", "wijk"]], applications["heronderzoek"], applications)
    assert result == {"n": float(ROWS)}
    evidence = evidence_of(store, run.id)
    assert [r.attribute for r in evidence.evaluations[0].fairness] == ["geslacht"]
    assert any("leeftijdsgroep" in g.message for g in evidence.gaps)


def test_explain_by_default_records_coefficients_permutation_and_shap(store: Path, applications: pd.DataFrame) -> None:
    model = classifier(applications)

    @ub.explain(sample=500, samples=2, repeats=2, seed=3, local=2)
    def explain(model: Pipeline, X: pd.DataFrame, y: pd.Series) -> None:
        """Nothing returned: uitlegbaar explains."""

    with ub.run() as run:
        assert explain(model, applications[["inkomen", "wijk"]], applications["heronderzoek"]) is None
    found = {x.method: x for x in evidence_of(store, run.id).explanations}
    assert {"coefficients", "permutation_importance", "shap"} <= set(found)
    permutation = found["permutation_importance"]
    assert (permutation.sample_size, permutation.samples, permutation.seed) == (500, 2, 3)
    assert permutation.scoring == "accuracy" and permutation.library == "scikit-learn"
    assert permutation.library_version and permutation.stability is not None
    coefficients = found["coefficients"]  # per one-hot input, and summed per source column
    assert set(coefficients.importances) == {"onehot__wijk_noord", "onehot__wijk_zuid", "remainder__inkomen"}
    assert set(coefficients.by_source) == {"wijk", "inkomen"}
    shap = found["shap"]
    assert shap.library == "shap" and len(shap.local) == 2
    assert set(shap.local[0].contributions) == set(shap.importances)  # names and numbers only, no row values
    assert set(shap.by_source) == {"wijk", "inkomen"}


def test_without_shap_the_sklearn_methods_remain_with_a_note(
    store: Path, applications: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "shap", None)  # makes `import shap` fail as if it were not installed
    model = classifier(applications)

    @ub.explain(sample=300)
    def explain(model: Pipeline, X: pd.DataFrame, y: pd.Series) -> None:
        """Explained by uitlegbaar."""

    with ub.run() as run:
        explain(model, applications[["inkomen", "wijk"]], applications["heronderzoek"])
    found = evidence_of(store, run.id).explanations
    assert [x.method for x in found] == ["coefficients", "permutation_importance"]
    assert found[0].note is not None and "shap package is not installed" in found[0].note
    assert not evidence_of(store, run.id).gaps


def test_shap_local_contributions_add_up_to_the_prediction(applications: pd.DataFrame) -> None:
    X = applications[["inkomen"]].assign(ruis=np.random.default_rng(0).normal(size=ROWS))
    y = applications["inkomen"] / 1_000 + X["ruis"]
    model = HistGradientBoostingRegressor(max_iter=30, random_state=0).fit(X, y)
    found = shap_explanation(model, X, sample=200, local=3, seed=1)
    for row in found.local:
        assert row.base_value is not None
        total = row.base_value + sum(row.contributions.values())
        assert total == pytest.approx(model.predict(X.iloc[[row.row]])[0], rel=1e-4, abs=1e-4)
    assert found.importances["inkomen"] > found.importances["ruis"]


def test_train_with_explain_records_the_explanations_after_the_model(store: Path, applications: pd.DataFrame) -> None:
    @ub.train(model="risico", explain=True)
    def fit(X: pd.DataFrame, y: pd.Series) -> LogisticRegression:
        return LogisticRegression(max_iter=1_000).fit(X, y)

    with ub.run() as run:
        fit(applications[["inkomen"]], applications["heronderzoek"])
    evidence = evidence_of(store, run.id)
    assert evidence.model is not None
    assert {x.method for x in evidence.explanations} >= {"coefficients", "permutation_importance"}
    assert all(x.model_id == evidence.model.id for x in evidence.explanations)


@pytest.mark.parametrize(
    "make",
    [
        lambda: ub.explain(sample=0),
        lambda: ub.explain(repeats=1.5),
        lambda: ub.explain(shap="yes"),
        lambda: ub.evaluate(thresholds={"selection_rate_ratoi": 0.8}),
        lambda: ub.evaluate(thresholds={"selection_rate_ratio": "0.8"}),
        lambda: ub.evaluate(proxy_threshold=2),
        lambda: ub.train(explain="yes"),
    ],
)
def test_bad_analysis_settings_are_one_clear_error(make: object) -> None:
    with pytest.raises(ConfigurationError):
        make()  # type: ignore[operator]


def test_y_test_is_the_outcome_even_after_the_sensitive_series(store: Path, applications: pd.DataFrame) -> None:
    """Arguments found by name: a sensitive Series before y_test is never taken for y; array metrics are skipped."""
    model = classifier(applications)

    @ub.evaluate(sensitive=["geslacht"])
    def evaluate(model: Pipeline, X_test: pd.DataFrame, geslacht: pd.Series, y_test: pd.Series) -> dict[str, object]:
        return {"accuracy": float((model.predict(X_test) == y_test).mean()), "matrix": np.eye(2)}

    with ub.run() as run:
        evaluate(model, applications[["inkomen", "wijk"]], applications["geslacht"], applications["heronderzoek"])
    (record,) = evidence_of(store, run.id).evaluations
    (result,) = record.fairness
    accuracy = {g.group: g.metrics["accuracy"] for g in result.groups}
    predicted = model.predict(applications[["inkomen", "wijk"]])
    expected = (pd.Series(predicted) == applications["heronderzoek"]).groupby(applications["geslacht"]).mean()
    assert accuracy == pytest.approx(expected.to_dict())
    assert set(record.metrics) == {"accuracy"}  # the matrix is no number: left out, the record kept


def test_a_model_with_its_own_score_is_explained_by_sklearns_path(applications: pd.DataFrame) -> None:
    from sklearn.inspection import permutation_importance
    from sklearn.model_selection import GridSearchCV

    from uitlegbaar.analysis.explanations import permutation_explanation

    X, y = applications[["inkomen"]].assign(ruis=np.arange(ROWS) % 7), applications["heronderzoek"]
    search = GridSearchCV(LogisticRegression(max_iter=1_000), {"C": [1.0]}, scoring="roc_auc", cv=2).fit(X, y)
    found = permutation_explanation(search, X, y, sample=ROWS, samples=1, repeats=2, seed=4)
    rows = np.sort(np.random.default_rng(4).permutation(ROWS))
    expected = permutation_importance(search, X.iloc[rows], y.iloc[rows], n_repeats=2, random_state=4)
    assert found.importances == pytest.approx(dict(zip(X.columns, expected.importances_mean, strict=True)))
    assert found.scoring == "estimator's own score"
