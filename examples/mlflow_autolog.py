"""Example: uitlegbaar inside MLflow, with no decorators on the training code.

MLflow autologs the run as usual; `ub.autolog()` adds the evidence (exact fingerprints, schema, profile, model
lineage, the logged model and its registered version) and sends it to the MLflow run as artifacts and tags.
Afterwards every uitlegbaar command reads it back from the tracking server:

    mlflow server --host 127.0.0.1 --port 5000 &          # or any tracking server you have
    export MLFLOW_TRACKING_URI=http://127.0.0.1:5000
    python examples/mlflow_autolog.py
    uitlegbaar --store mlflow card models:/toeslag-heronderzoek/1 --format html -o model-card.html
"""

from __future__ import annotations

import mlflow
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

import uitlegbaar as ub


def applications(rows: int = 5_000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "gemeente": rng.choice(["Amsterdam", "Rotterdam", "Utrecht", "Zwolle"], rows),
            "inkomen": rng.normal(28_000, 9_000, rows).round(),
            "huishoudgrootte": rng.integers(1, 7, rows),
            "eerdere_aanvragen": rng.poisson(1.2, rows),
        }
    )
    risk = frame["eerdere_aanvragen"] * 0.8 - frame["inkomen"] / 20_000 + rng.normal(size=rows)
    return frame.assign(heronderzoek=(risk > 0).astype(int))


def main() -> str:
    mlflow.set_experiment("toeslag-heronderzoek")
    mlflow.sklearn.autolog(registered_model_name="toeslag-heronderzoek")
    ub.autolog()  # uitlegbaar evidence in every MLflow run from here on
    data = applications()
    X, y = data.drop(columns="heronderzoek"), data["heronderzoek"]
    with mlflow.start_run() as run:
        # declaring the source: MLflow keeps its own digest, uitlegbaar records its exact fingerprint beside it
        source = "https://data.example.nl/toeslagaanvragen-2025.parquet"
        mlflow.log_input(mlflow.data.from_pandas(X, source=source, name="aanvragen"), context="training")
        model = Pipeline(
            [
                ("features", ColumnTransformer([("onehot", OneHotEncoder(), ["gemeente"])], remainder="passthrough")),
                ("classifier", HistGradientBoostingClassifier(max_iter=50, random_state=0)),
            ]
        )
        model.fit(X, y)
    print(f"MLflow run {run.info.run_id}: evidence in its artifacts under uitlegbaar/")
    return str(run.info.run_id)


if __name__ == "__main__":
    main()
