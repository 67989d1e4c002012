"""Example: a risk model for benefit applications (toeslagaanvragen), captured with uitlegbaar.

A municipality-style pipeline on data the example generates itself (no downloads): applications
with a few personal columns, feature engineering that drops them, a scikit-learn model, an evaluation
per sensitive group and global feature importances. Every uitlegbaar decorator is used once; the code
is otherwise what it would be without uitlegbaar.

    python examples/toeslagen_pipeline.py            # writes evidence to ./.uitlegbaar
    uitlegbaar show latest                           # what was captured
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import accuracy_score, precision_score, recall_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

import uitlegbaar as ub

GEMEENTEN = ["Amsterdam", "Rotterdam", "Den Haag", "Utrecht", "Zwolle", "Groningen"]
CATEGORICAL = ["gemeente", "woonsituatie"]
NUMERIC = ["leeftijd", "inkomen", "huishoudgrootte", "eerdere_aanvragen", "maanden_in_gemeente"]


def generate_applications(path: Path, rows: int = 20_000, seed: int = 2026) -> Path:
    """Write a synthetic application file, as a case-management system would export it."""
    rng = np.random.default_rng(seed)
    birth = pd.Timestamp("2026-01-01") - pd.to_timedelta(rng.integers(18 * 365, 85 * 365, rows), unit="D")
    inkomen = rng.lognormal(10.1, 0.45, rows).round(2)
    huishouden = rng.integers(1, 7, rows)
    eerdere = rng.poisson(0.8, rows)
    risk = -1.2 + 0.9 * eerdere - 0.00006 * (inkomen - 25_000) + 0.6 * (huishouden > 4) + rng.normal(0, 1, rows)
    frame = pd.DataFrame(
        {
            "aanvraag_id": np.arange(1, rows + 1),
            "bsn": rng.integers(100_000_000, 999_999_999, rows).astype(str),
            "naam": [f"Aanvrager {i}" for i in rng.integers(1, 10**6, rows)],
            "geboortedatum": birth.date.astype(str),
            "geslacht": rng.choice(["vrouw", "man", "onbekend"], rows, p=[0.5, 0.48, 0.02]),
            "gemeente": rng.choice(GEMEENTEN, rows),
            "woonsituatie": rng.choice(["huur", "koop", "inwonend"], rows, p=[0.6, 0.3, 0.1]),
            "inkomen": inkomen,
            "huishoudgrootte": huishouden,
            "eerdere_aanvragen": eerdere,
            "maanden_in_gemeente": rng.integers(1, 400, rows),
            "heronderzoek": (risk > 0).astype(int),
        }
    )
    frame.to_csv(path, index=False)
    return path


@ub.dataset(
    name="toeslagaanvragen",
    # aanvraag_id is a case number: it leads to one applicant's file, so it is personal data (pseudonymous)
    personal=["aanvraag_id", "bsn", "naam", "geboortedatum"],
    sensitive=["geslacht"],
    owner="Team Toeslagen, afdeling Werk en Inkomen",
    description="Aanvragen voor een toeslag, 2024-2025, export uit het zaaksysteem",
)
def load_applications(path: Path) -> pd.DataFrame:
    """Read the exported applications."""
    return pd.read_csv(path, dtype={"bsn": str})


@ub.step(derived_from={"leeftijd": ["geboortedatum"]})  # age is personal data, derived from the date of birth
def make_features(applications: pd.DataFrame, reference_date: str = "2026-01-01") -> pd.DataFrame:
    """Derive age from the date of birth and drop what identifies a person."""
    features = applications.copy()
    born = pd.to_datetime(features["geboortedatum"])
    features["leeftijd"] = ((pd.Timestamp(reference_date) - born).dt.days // 365).astype(int)
    return features.drop(columns=["bsn", "naam", "geboortedatum"])


@ub.step
def split_for_training(features: pd.DataFrame, test_size: float = 0.25, seed: int = 0) -> tuple[pd.DataFrame, ...]:
    """Hold out a stratified test set; the sensitive attribute is kept aside for the evaluation only."""
    X, y, groups = features[CATEGORICAL + NUMERIC], features[["heronderzoek"]], features[["geslacht"]]
    return tuple(train_test_split(X, y, groups, test_size=test_size, random_state=seed, stratify=y))


@ub.train(model="toeslag-heronderzoek")
def train_model(X: pd.DataFrame, y: pd.Series, learning_rate: float = 0.1) -> Pipeline:
    """Gradient-boosted trees on one-hot gemeente/woonsituatie and the numeric features."""
    encode = ColumnTransformer(
        [("onehot", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL)], remainder="passthrough"
    )
    model = Pipeline(
        [
            ("features", encode),
            ("classifier", HistGradientBoostingClassifier(learning_rate=learning_rate, random_state=0)),
        ]
    )
    return model.fit(X, y)


@ub.evaluate(split="test", sensitive=["geslacht"], thresholds={"selection_rate_ratio": 0.8})
def evaluate_model(model: Pipeline, X: pd.DataFrame, y: pd.Series, groups: pd.Series) -> dict[str, float]:
    """Overall metrics. uitlegbaar adds the metrics per gender (`groups` is the Series named geslacht), their
    disparities against the four-fifths rule, and screens every input as a possible proxy of gender."""
    predicted = model.predict(X)
    scores = model.predict_proba(X)[:, 1]
    return {
        "accuracy": accuracy_score(y, predicted),
        "precision": precision_score(y, predicted, zero_division=0),
        "recall": recall_score(y, predicted, zero_division=0),
        "roc_auc": roc_auc_score(y, scores),
    }


@ub.explain
def explain_model(model: Pipeline, X: pd.DataFrame, y: pd.Series) -> None:
    """Nothing to return: uitlegbaar computes permutation importance on bounded samples (with a stability
    check), and SHAP values when shap is installed, from the model, X and y."""


def main(rows: int = 20_000, data_dir: Path | None = None) -> str:
    """Run the pipeline inside one uitlegbaar run; return the run id."""
    folder = data_dir or Path(tempfile.mkdtemp(prefix="toeslagen-"))
    source = generate_applications(folder / "toeslagaanvragen-2024-2025.csv", rows=rows)
    with ub.run("toeslag-heronderzoek training", tags={"team": "toeslagen"}) as run:
        applications = load_applications(source)
        features = make_features(applications)
        X_train, X_test, y_train, y_test, _, groups_test = split_for_training(features)
        model = train_model(X_train, y_train["heronderzoek"])
        metrics = evaluate_model(model, X_test, y_test["heronderzoek"], groups_test["geslacht"])
        explain_model(model, X_test, y_test["heronderzoek"])
    print(f"run {run.id}: accuracy {metrics['accuracy']:.3f}, ROC AUC {metrics['roc_auc']:.3f}")
    return run.id


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000, help="applications to generate")
    main(parser.parse_args().rows)
