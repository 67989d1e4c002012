"""Training scripts the MLflow tests run in a process of their own (autologging patches scikit-learn for the
whole process, as it would in a user's training script). Each prints one JSON line of facts for the test.

    MLFLOW_TRACKING_URI=… UITLEGBAAR_STORE=… python tests/mlflow_jobs.py JOB [NAME]
"""

from __future__ import annotations

import json
import sys
import warnings
from typing import Any

import mlflow
import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import uitlegbaar as ub
from uitlegbaar.capture.fingerprint import fingerprint_table
from uitlegbaar.capture.tables import to_arrow

warnings.filterwarnings("ignore")  # MLflow's own advice (pickle formats, pip versions) is not under test


def applications(rows: int = 400, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"inkomen": rng.normal(30_000, 8_000, rows), "leeftijd": rng.integers(18, 90, rows)})
    y = pd.Series((X["inkomen"] / 10_000 + rng.normal(size=rows) > 3).astype(int), name="heronderzoek")
    return X, y


def autolog_explicit_run(name: str) -> dict[str, Any]:
    """mlflow.sklearn.autolog() + ub.autolog() in a run the user opens, with a declared input."""
    mlflow.set_experiment(name)
    mlflow.sklearn.autolog(registered_model_name=name)
    ub.autolog()
    X, y = applications()
    declared = mlflow.data.from_pandas(X, source="s3://toeslagen/aanvragen-2025.parquet", name="aanvragen")
    with mlflow.start_run() as run:
        mlflow.log_input(declared, context="training")
        make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    model = mlflow.last_logged_model()
    return {
        "mlflow_run_id": run.info.run_id,
        "logged_model_id": model.model_id if model else None,
        "fingerprint_X": fingerprint_table(to_arrow(X)).digest,
        "mlflow_digest_X": declared.digest,
    }


def autolog_mlflow_opens_the_run(name: str) -> dict[str, Any]:
    """No run opened by the user: MLflow's autologging opens and closes one around the fit."""
    mlflow.set_experiment(name)
    mlflow.sklearn.autolog()
    ub.autolog()
    X, y = applications(seed=1)
    HistGradientBoostingClassifier(max_iter=20).fit(X, y)
    return {"mlflow_run_id": mlflow.last_active_run().info.run_id}


def autolog_signed(name: str) -> dict[str, Any]:
    """ub.autolog(signing_key=…): the run's attestation and the documents it signs go to the MLflow run too."""
    import os

    mlflow.set_experiment(name)
    mlflow.sklearn.autolog()
    ub.autolog(signing_key=os.environ["TEST_SIGNING_KEY"])
    X, y = applications(seed=3)
    with mlflow.start_run() as run:
        LogisticRegression().fit(X, y)
    return {"mlflow_run_id": run.info.run_id}


def traces(name: str) -> dict[str, Any]:
    """Decorators inside an MLflow run, spans sent to the tracking server."""
    mlflow.set_experiment(name)
    ub.autolog(traces=True)
    X, y = applications(seed=2)
    with mlflow.start_run() as run, ub.run("traced"):
        ub.record_dataset(X, name="aanvragen", source="s3://toeslagen/aanvragen.parquet")
        ub.train(model=name)(lambda X, y: LogisticRegression().fit(X, y))(X, y)
    return {"mlflow_run_id": run.info.run_id}


def concurrent(name: str) -> dict[str, Any]:
    """One of several trainings at the same time: autolog, a registered model, decorators for the evaluation."""
    mlflow.set_experiment("concurrent")
    mlflow.sklearn.autolog(registered_model_name=name)
    ub.autolog()
    X, y = applications(rows=2_000, seed=int(name.rsplit("-", 1)[-1]))

    @ub.evaluate(split="test")
    def evaluate(model: Any, X: pd.DataFrame, y: pd.Series) -> dict[str, float]:
        return {"accuracy": float((model.predict(X) == y).mean())}

    with mlflow.start_run() as run:
        model = HistGradientBoostingClassifier(max_iter=30).fit(X, y)
        evaluate(model, X, y)
    return {"mlflow_run_id": run.info.run_id}


def autolog_native(name: str) -> dict[str, Any]:
    """mlflow.<flavor>.autolog() + ub.autolog() around native xgboost.train / lightgbm.train on a DMatrix or an
    lgb.Dataset (the flavor is the name's first part); the fingerprint of the data as the library holds it,
    computed here independently: a DMatrix holds float32 features and label, an lgb.Dataset the frame itself and
    its label as float32."""
    library, cards = name.split("-")[0], "nocards" not in name
    mlflow.set_experiment(name)
    X, y = applications(seed=4)
    if library == "xgboost":
        import xgboost as xgb

        mlflow.xgboost.autolog(registered_model_name=name)
        ub.autolog(cards=cards)
        with mlflow.start_run() as run:
            xgb.train({"objective": "binary:logistic", "nthread": 1}, xgb.DMatrix(X, label=y), 5)
        held = pd.DataFrame(X.to_numpy(dtype=np.float32), columns=X.columns).assign(label=y.to_numpy(np.float32))
    else:
        import lightgbm as lgb

        mlflow.lightgbm.autolog(registered_model_name=name)
        ub.autolog(cards=cards)
        with mlflow.start_run() as run:
            lgb.train({"objective": "binary", "verbose": -1, "num_threads": 1}, lgb.Dataset(X, label=y), 5)
        held = X.assign(label=y.to_numpy(np.float32))
    model = mlflow.last_logged_model()
    return {
        "mlflow_run_id": run.info.run_id,
        "logged_model_id": model.model_id if model else None,
        "fingerprint": fingerprint_table(to_arrow(held)).digest,
    }


JOBS = {
    f.__name__: f
    for f in (autolog_explicit_run, autolog_mlflow_opens_the_run, autolog_signed, traces, concurrent, autolog_native)
}

if __name__ == "__main__":
    job, name = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else sys.argv[1]
    print(json.dumps(JOBS[job](name)))
