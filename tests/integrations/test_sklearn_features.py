"""Feature lineage for fitted scikit-learn models (integrations/sklearn.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

pd = pytest.importorskip("pandas")
pytest.importorskip("sklearn")

from sklearn.compose import ColumnTransformer, make_column_selector  # noqa: E402
from sklearn.feature_selection import SelectKBest, f_classif  # noqa: E402
from sklearn.impute import SimpleImputer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import Pipeline, make_pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, PolynomialFeatures, StandardScaler  # noqa: E402
from sklearn.tree import DecisionTreeClassifier  # noqa: E402
from uitlegbaar.integrations.sklearn import (  # noqa: E402
    Feature,
    dropped_columns,
    feature_lineage,
    passthrough_columns,
)


@pytest.fixture
def X() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "leeftijd": [23, 45, 31, 52, 38, 61, 29, 44],
            "inkomen": [21000.0, 48000.0, None, 61000.0, 39000.0, 52000.0, 27000.0, 45000.0],
            "gemeente": ["Utrecht", "Zwolle", "Utrecht", "Ede", "Zwolle", "Ede", "Utrecht", "Ede"],
            "nationaliteit": ["NL", "NL", "BE", "NL", "DE", "NL", "BE", "NL"],
            "bsn": ["1", "2", "3", "4", "5", "6", "7", "8"],
            "actief": [True, False, True, True, False, True, False, True],
        }
    )


@pytest.fixture
def y() -> list[int]:
    return [0, 1, 0, 1, 1, 0, 0, 1]


def by_name(features: list[Feature]) -> dict[str, Feature]:
    return {f.name: f for f in features}


def test_onehot_and_scaler_in_column_transformer(X: pd.DataFrame, y: list[int]) -> None:
    ct = ColumnTransformer(
        [("cat", OneHotEncoder(), ["gemeente"]), ("num", StandardScaler(), ["leeftijd"])], remainder="drop"
    )
    model = make_pipeline(ct, LogisticRegression()).fit(X, y)
    features = feature_lineage(model, X)
    assert [f.name for f in features] == [
        "cat__gemeente_Ede",
        "cat__gemeente_Utrecht",
        "cat__gemeente_Zwolle",
        "num__leeftijd",
    ]
    feats = by_name(features)
    assert feats["cat__gemeente_Ede"].sources == ["gemeente"]
    assert feats["cat__gemeente_Ede"].transforms == ["onehot(gemeente)"]
    assert feats["cat__gemeente_Ede"].type == "binary"
    assert feats["num__leeftijd"].transforms == ["standardscaler(leeftijd)"]
    assert feats["num__leeftijd"].type == "numeric"


def test_sensitive_source_propagates_to_onehot_columns(X: pd.DataFrame, y: list[int]) -> None:
    ct = ColumnTransformer([("cat", OneHotEncoder(), ["nationaliteit", "gemeente"])])
    model = make_pipeline(ct, LogisticRegression()).fit(X, y)
    features = feature_lineage(model, X, personal=["gemeente"], sensitive=["nationaliteit"])
    nat = [f for f in features if f.sources == ["nationaliteit"]]
    assert [f.name for f in nat] == ["cat__nationaliteit_BE", "cat__nationaliteit_DE", "cat__nationaliteit_NL"]
    assert all(f.sensitive and not f.personal for f in nat)
    assert all(f.transforms == ["onehot(nationaliteit)"] for f in nat)
    gem = [f for f in features if f.sources == ["gemeente"]]
    assert len(gem) == 3 and all(f.personal and not f.sensitive for f in gem)


def test_remainder_passthrough_and_dropped(X: pd.DataFrame, y: list[int]) -> None:
    ct = ColumnTransformer(
        [("num", StandardScaler(), ["leeftijd"]), ("weg", "drop", ["bsn"]), ("cat", OneHotEncoder(), ["gemeente"])],
        remainder="passthrough",
    )
    X2 = X.drop(columns=["inkomen", "nationaliteit"])
    model = make_pipeline(ct, LogisticRegression()).fit(X2, y)
    feats = by_name(feature_lineage(model, X2))
    assert feats["remainder__actief"].sources == ["actief"]
    assert feats["remainder__actief"].transforms == []
    assert feats["remainder__actief"].type == "bool"
    assert passthrough_columns(model) == ["actief"]
    assert dropped_columns(model, X2) == ["bsn"]


def test_remainder_drop_reports_unused_columns(X: pd.DataFrame, y: list[int]) -> None:
    ct = ColumnTransformer([("num", StandardScaler(), ["leeftijd"])], remainder="drop")
    model = make_pipeline(ct, LogisticRegression()).fit(X.fillna(0), y)
    assert dropped_columns(model, X) == ["inkomen", "gemeente", "nationaliteit", "bsn", "actief"]
    assert dropped_columns(model, None) == dropped_columns(model, X)
    assert passthrough_columns(model) == []


def test_named_passthrough_transformer(X: pd.DataFrame, y: list[int]) -> None:
    ct = ColumnTransformer([("raw", "passthrough", ["leeftijd"])], verbose_feature_names_out=False)
    model = make_pipeline(ct, LogisticRegression()).fit(X, y)
    assert feature_lineage(model, X) == [Feature(name="leeftijd", type="numeric", sources=["leeftijd"], transforms=[])]
    assert passthrough_columns(model) == ["leeftijd"]


def test_selectors_by_index_and_callable(X: pd.DataFrame, y: list[int]) -> None:
    ct = ColumnTransformer(
        [
            ("idx", StandardScaler(), [0]),
            ("obj", OrdinalEncoder(), make_column_selector(pattern="^(?:gemeente|nationaliteit)$")),
            ("fn", "passthrough", lambda df: ["actief"]),
        ]
    )
    model = make_pipeline(ct, LogisticRegression()).fit(X, y)
    feats = by_name(feature_lineage(model, X))
    assert list(feats) == ["idx__leeftijd", "obj__gemeente", "obj__nationaliteit", "fn__actief"]
    assert feats["idx__leeftijd"].sources == ["leeftijd"]
    assert feats["obj__gemeente"].transforms == ["ordinalencoder(gemeente)"]
    assert feats["obj__nationaliteit"].sources == ["nationaliteit"]
    assert feats["fn__actief"].transforms == []


def test_nested_pipeline_chain_innermost_first(X: pd.DataFrame, y: list[int]) -> None:
    num = Pipeline([("imp", SimpleImputer(strategy="median")), ("sc", StandardScaler())])
    ct = ColumnTransformer([("num", num, ["inkomen", "leeftijd"])])
    model = make_pipeline(ct, LogisticRegression()).fit(X, y)
    feats = by_name(feature_lineage(model, X))
    assert feats["num__inkomen"].sources == ["inkomen"]
    assert feats["num__inkomen"].transforms == [
        "simpleimputer(inkomen)",
        "standardscaler(inkomen)",
    ]


def test_imputer_missing_indicator(X: pd.DataFrame, y: list[int]) -> None:
    ct = ColumnTransformer([("num", SimpleImputer(add_indicator=True), ["leeftijd", "inkomen"])])
    model = make_pipeline(ct, LogisticRegression()).fit(X, y)
    feats = by_name(feature_lineage(model, X))
    assert list(feats) == ["num__leeftijd", "num__inkomen", "num__missingindicator_inkomen"]
    assert feats["num__missingindicator_inkomen"].sources == ["inkomen"]
    assert feats["num__missingindicator_inkomen"].type == "binary"


def test_polynomial_features_have_several_sources(X: pd.DataFrame, y: list[int]) -> None:
    ct = ColumnTransformer([("poly", PolynomialFeatures(degree=2, include_bias=False), ["leeftijd", "inkomen"])])
    model = make_pipeline(SimpleImputer(), ct, DecisionTreeClassifier(random_state=0)).set_output(transform="pandas")
    X2 = X[["leeftijd", "inkomen"]]
    model.fit(X2, y)
    feats = by_name(feature_lineage(model, X2, personal=["inkomen"]))
    assert feats["poly__leeftijd inkomen"].sources == ["leeftijd", "inkomen"]
    assert feats["poly__leeftijd inkomen"].personal
    assert feats["poly__leeftijd inkomen"].transforms == [
        "simpleimputer(leeftijd)",
        "simpleimputer(inkomen)",
        "polynomialfeatures(leeftijd, inkomen)",
    ]
    assert feats["poly__leeftijd^2"].sources == ["leeftijd"]
    assert not feats["poly__leeftijd^2"].personal
    assert feats["poly__leeftijd^2"].transforms == [
        "simpleimputer(leeftijd)",
        "polynomialfeatures(leeftijd)",
    ]


def test_select_k_best_drops_features(X: pd.DataFrame, y: list[int]) -> None:
    ct = ColumnTransformer([("cat", OneHotEncoder(), ["gemeente"]), ("num", StandardScaler(), ["leeftijd"])])
    model = make_pipeline(ct, SelectKBest(f_classif, k=2), LogisticRegression()).fit(X, y)
    kept = model[:-1].get_feature_names_out()
    features = feature_lineage(model, X)
    assert [f.name for f in features] == list(kept)
    assert len(features) == 2
    assert all(f.sources[0] in {"gemeente", "leeftijd"} for f in features)
    assert "inkomen" in dropped_columns(model, X)


def test_plain_estimator(X: pd.DataFrame, y: list[int]) -> None:
    X2 = X[["leeftijd", "actief"]]
    model = LogisticRegression().fit(X2, y)
    assert feature_lineage(model, X2, sensitive=["leeftijd"]) == [
        Feature(name="leeftijd", type="numeric", sources=["leeftijd"], transforms=[], sensitive=True),
        Feature(name="actief", type="bool", sources=["actief"], transforms=[]),
    ]
    untyped = feature_lineage(model)
    assert [(f.name, f.type) for f in untyped] == [("leeftijd", None), ("actief", None)]
    assert passthrough_columns(model) == ["leeftijd", "actief"]
    assert dropped_columns(model, X2) == []


def test_types_without_x_except_binary(X: pd.DataFrame, y: list[int]) -> None:
    ct = ColumnTransformer([("cat", OneHotEncoder(), ["gemeente"]), ("num", StandardScaler(), ["leeftijd"])])
    model = make_pipeline(ct, LogisticRegression()).fit(X, y)
    assert {f.name: f.type for f in feature_lineage(model)} == {
        "cat__gemeente_Ede": "binary",
        "cat__gemeente_Utrecht": "binary",
        "cat__gemeente_Zwolle": "binary",
        "num__leeftijd": None,
    }


def test_category_dtype_and_onehot_drop(X: pd.DataFrame, y: list[int]) -> None:
    X2 = X.assign(gemeente=X["gemeente"].astype("category"))[["gemeente", "bsn"]]
    ct = ColumnTransformer([("cat", OneHotEncoder(drop="first"), ["gemeente"])], remainder="passthrough")
    model = make_pipeline(ct, LogisticRegression())
    model.fit(X2.assign(bsn=X2["bsn"].astype(int)), y)
    feats = by_name(feature_lineage(model, X2, personal=["bsn"]))
    assert list(feats) == ["cat__gemeente_Utrecht", "cat__gemeente_Zwolle", "remainder__bsn"]
    assert feats["remainder__bsn"].personal and feats["remainder__bsn"].type == "string"


def test_deterministic(X: pd.DataFrame, y: list[int]) -> None:
    ct = ColumnTransformer(
        [("cat", OneHotEncoder(), ["gemeente", "nationaliteit"]), ("num", StandardScaler(), ["leeftijd"])],
        remainder="drop",
    )
    model = make_pipeline(ct, LogisticRegression()).fit(X, y)
    first = [f.model_dump() for f in feature_lineage(model, X, sensitive=["nationaliteit"])]
    second = [f.model_dump() for f in feature_lineage(model, X, sensitive=["nationaliteit"])]
    assert first == second


def test_feature_is_frozen() -> None:
    feature = Feature(name="a", sources=["a"], transforms=[])
    with pytest.raises(ValueError):
        feature.name = "b"  # type: ignore[misc]


def test_import_uitlegbaar_does_not_import_sklearn() -> None:
    code = "import sys, uitlegbaar, uitlegbaar.integrations.sklearn; print('sklearn' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_numpy_input_uses_sklearn_default_names(y: list[int]) -> None:
    import numpy as np

    data = np.array([[1.0, 2.0, 0.0], [2.0, 1.0, 1.0], [3.0, 0.0, 1.0], [4.0, 5.0, 0.0]] * 2)
    ct = ColumnTransformer([("sc", StandardScaler(), [0, 2])], remainder="passthrough")
    model = make_pipeline(ct, LogisticRegression()).fit(data, y)
    assert [(f.name, f.sources) for f in feature_lineage(model)] == [
        ("sc__x0", ["x0"]),
        ("sc__x2", ["x2"]),
        ("remainder__x1", ["x1"]),
    ]


class _LogAndSquare:
    """A custom transformer that only tells its output names: lineage falls back to the naming convention."""

    def fit(self, X: pd.DataFrame, y: object = None) -> _LogAndSquare:
        self.feature_names_in_ = list(X.columns)
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        return pd.concat([X.add_suffix("_log"), X.add_suffix("_sq")], axis=1)

    def get_feature_names_out(self, input_features: object = None) -> list[str]:
        return [f"{c}_log" for c in self.feature_names_in_] + [f"{c}_sq" for c in self.feature_names_in_]

    def get_params(self, deep: bool = True) -> dict[str, object]:
        return {}


def test_custom_transformer_falls_back_to_names(X: pd.DataFrame, y: list[int]) -> None:
    ct = ColumnTransformer([("f", _LogAndSquare(), ["leeftijd", "inkomen"])])
    model = make_pipeline(ct, DecisionTreeClassifier(random_state=0)).fit(X.fillna(0), y)
    feats = by_name(feature_lineage(model, X))
    assert list(feats) == ["f__leeftijd_log", "f__inkomen_log", "f__leeftijd_sq", "f__inkomen_sq"]
    assert feats["f__inkomen_sq"].sources == ["inkomen"]
    assert feats["f__inkomen_sq"].transforms == ["_logandsquare(inkomen)"]
