"""Global explanations: permutation importance with a stability check, and coefficients, checked
against scikit-learn itself on small known data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from uitlegbaar.analysis.explanations import (
    aggregate_by_source,
    coefficient_explanation,
    permutation_explanation,
    rank_agreement,
)


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(3)
    X = pd.DataFrame(
        {"signaal": rng.normal(size=3_000), "ruis": rng.normal(size=3_000), "zwak": rng.normal(size=3_000)}
    )
    y = pd.Series((2 * X["signaal"] + 0.3 * X["zwak"] + rng.normal(scale=0.5, size=3_000) > 0).astype(int))
    return X, y


def test_the_predictive_input_ranks_first_and_the_ranking_is_stable(data: tuple[pd.DataFrame, pd.Series]) -> None:
    X, y = data
    model = RandomForestClassifier(n_estimators=30, random_state=0).fit(X, y)
    found = permutation_explanation(model, X, y, sample=1_000, samples=3, repeats=3, seed=1)
    ranked = sorted(found.importances, key=lambda f: -found.importances[f])
    assert ranked[0] == "signaal" and found.importances["signaal"] > 5 * abs(found.importances["ruis"])
    assert found.samples == 3 and found.sample_size == 1_000
    assert found.stability is not None and found.stability > 0.9
    assert found.method == "permutation_importance" and found.seed == 1


def test_one_sample_equals_scikit_learns_own_computation(data: tuple[pd.DataFrame, pd.Series]) -> None:
    X, y = data
    model = LogisticRegression().fit(X, y)
    found = permutation_explanation(model, X, y, sample=len(X), samples=1, repeats=4, seed=7)
    order = np.sort(np.random.default_rng(7).permutation(len(X))[: len(X)])
    expected = permutation_importance(model, X.iloc[order], y.iloc[order], n_repeats=4, random_state=7)
    assert found.importances == pytest.approx(dict(zip(X.columns, expected.importances_mean, strict=True)))
    assert found.stability is None  # one sample: nothing to compare


def test_coefficients_of_a_pipeline_are_named_after_its_inputs_and_summed_per_source() -> None:
    frame = pd.DataFrame({"gemeente": ["A", "B", "C", "A", "B", "C"] * 20, "inkomen": np.arange(120) / 10.0})
    y = (frame["gemeente"] == "A").astype(int)
    model = Pipeline(
        [
            ("prep", ColumnTransformer([("onehot", OneHotEncoder(), ["gemeente"])], remainder="passthrough")),
            ("clf", LogisticRegression()),
        ]
    ).fit(frame, y)
    found = coefficient_explanation(
        model,
        sources={
            "onehot__gemeente_A": ["gemeente"],
            "onehot__gemeente_B": ["gemeente"],
            "onehot__gemeente_C": ["gemeente"],
            "remainder__inkomen": ["inkomen"],
        },
    )
    assert found is not None
    assert found.importances == pytest.approx(
        dict(zip(model[:-1].get_feature_names_out(), model[-1].coef_[0], strict=True))
    )
    assert found.by_source["gemeente"] == pytest.approx(sum(model[-1].coef_[0][:3]))
    assert coefficient_explanation(RandomForestClassifier(n_estimators=2).fit(frame[["inkomen"]], y)) is None


def test_sources_share_an_input_that_came_from_several_columns() -> None:
    assert aggregate_by_source({"a*b": 1.0, "c": -3.0}, {"a*b": ["a", "b"]}) == {"c": -3.0, "a": 0.5, "b": 0.5}


def test_rank_agreement_is_one_for_equal_rankings_and_minus_one_for_reversed() -> None:
    assert rank_agreement(np.array([[3.0, 2.0, 1.0], [30.0, 20.0, 10.0]])) == pytest.approx(1.0)
    assert rank_agreement(np.array([[3.0, 2.0, 1.0], [1.0, 2.0, 3.0]])) == pytest.approx(-1.0)
