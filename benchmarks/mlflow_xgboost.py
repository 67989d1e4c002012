"""`ub.autolog()` on top of `mlflow.xgboost.autolog()`, side by side in one run against a real local `mlflow server`
(SQLite, started here): native `xgboost.train` on a DMatrix, 200,000 rows × 20 columns, 100 trees, bare, with
MLflow's autolog (model registered), and with `ub.autolog()` on top (the DMatrix's data fingerprinted, the Booster
identified, the card compiled and attached), alternating, median of the rounds. Target: the time inside
uitlegbaar's hooks is at most 10% of what MLflow's autolog adds over bare training (the measure of
`mlflow_hooks.py` for scikit-learn).

    python benchmarks/mlflow_xgboost.py [--repeats 3] [--rows 200000]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from common import note, print_table
from mlflow_hooks import alternate, autolog_rows, start_server

COLUMNS, TREES = 20, 100


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rows", type=int, default=200_000)
    options = parser.parse_args()
    import warnings

    warnings.filterwarnings("ignore")
    import mlflow
    import numpy as np
    import pandas as pd
    import xgboost as xgb

    import uitlegbaar as ub

    folder = Path(tempfile.mkdtemp(prefix="uitlegbaar-bench-mlflow-xgb-"))
    note("starting mlflow server")
    server, uri = start_server(folder)
    try:
        mlflow.set_tracking_uri(uri)
        mlflow.set_experiment("benchmark-xgboost")
        rng = np.random.default_rng(20261203)
        X = pd.DataFrame({f"kenmerk_{i:02d}": rng.normal(size=options.rows) for i in range(COLUMNS)})
        y = pd.Series((X["kenmerk_00"] + 0.5 * X["kenmerk_01"] + rng.normal(size=options.rows) > 0).astype(int))
        params = {"objective": "binary:logistic", "tree_method": "hist"}

        def train() -> None:
            xgb.train(params, xgb.DMatrix(X, label=y), TREES)

        ub.configure(store=folder / "store")
        timed = alternate(train, mlflow.xgboost.autolog, options.repeats, registered_model_name="benchmark-xgboost")
    finally:
        server.terminate()
    rows = autolog_rows(
        timed, f"bare xgboost.train ({options.rows:,} × {COLUMNS}, {TREES} trees)", "mlflow.xgboost.autolog()"
    )
    print_table(rows, f"uitlegbaar on mlflow.xgboost.autolog (median of {options.repeats} rounds, local mlflow server)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
