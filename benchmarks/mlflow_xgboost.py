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
import statistics
import tempfile
import time
from pathlib import Path

from common import Row, fmt_ratio, fmt_time, note, print_table, verdict
from mlflow_hooks import _time_inside_hooks, start_server

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

        def bare() -> float:
            started = time.perf_counter()
            xgb.train(params, xgb.DMatrix(X, label=y), TREES)
            return time.perf_counter() - started

        def fit() -> float:
            started = time.perf_counter()
            with mlflow.start_run():
                xgb.train(params, xgb.DMatrix(X, label=y), TREES)
            return time.perf_counter() - started

        ub.configure(store=folder / "store")
        inside = _time_inside_hooks()
        bare()  # warm-up
        times: dict[str, list[float]] = {"bare": [], "mlflow": [], "mlflow+ub": [], "inside": []}
        for i in range(options.repeats):
            note(f"round {i + 1}/{options.repeats}")
            mlflow.xgboost.autolog(disable=True)
            ub.autolog(disable=True)
            times["bare"].append(bare())
            mlflow.xgboost.autolog(registered_model_name="benchmark-xgboost")
            times["mlflow"].append(fit())
            ub.autolog()
            inside.clear()
            times["mlflow+ub"].append(fit())
            times["inside"].append(sum(inside))
        mlflow.xgboost.autolog(disable=True)
        ub.autolog(disable=True)
    finally:
        server.terminate()
    bare_s, mlflow_s, both_s = (statistics.median(times[k]) for k in ("bare", "mlflow", "mlflow+ub"))
    ours, theirs = statistics.median(times["inside"]), mlflow_s - bare_s
    size = f"{options.rows:,} × {COLUMNS}, {TREES} trees"
    rows = [
        Row(f"bare xgboost.train ({size})", fmt_time(bare_s), "—", "—", "—", "info"),
        Row("with mlflow.xgboost.autolog()", fmt_time(mlflow_s), f"+{fmt_time(theirs)} over bare", "—", "—", "info"),
        Row("with ub.autolog() on top", fmt_time(both_s), f"{both_s - mlflow_s:+.2f} s over MLflow", "—", "—", "info"),
        Row(
            "ub.autolog() extra: time inside its hooks",
            fmt_time(ours),
            f"MLflow's extra {fmt_time(theirs)}",
            fmt_ratio(ours, theirs),
            "≤ 10%",
            verdict(ours <= 0.10 * theirs),
        ),
    ]
    note("rounds " + ", ".join(f"{k}: {[round(t, 2) for t in v]}" for k, v in times.items()))
    print_table(rows, f"uitlegbaar on mlflow.xgboost.autolog (median of {options.repeats} rounds, local mlflow server)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
