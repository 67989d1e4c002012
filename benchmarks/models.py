"""Model library benchmark: what decorated capture and `@ub.explain` cost next to native XGBoost and LightGBM
training, on 1,000,000 rows × 20 columns with 100 trees, in one run.

    python benchmarks/models.py            # 1,000,000 rows (about 3 minutes on 2 shared cores)
    python benchmarks/models.py --rows 200000

For each library the decorated training function builds the library's own data container (DMatrix, lgb.Dataset)
from the DataFrames it is given and trains 100 trees with `xgboost.train` / `lightgbm.train`. The fit inside the
function is timed there (the anchor); capture is the rest of the decorated call (X and y fingerprinted, profiled
and screened, the model identified, its artifact hashed, records written). Target: capture ≤ 5% of the fit. Then
`@ub.explain` with its defaults (permutation importance on three samples of 1,000 rows, the library's own exact
TreeSHAP on 500 rows) is timed against the same fit. Target: ≤ 10%. What a process pays once (shap's import,
uitlegbaar's lazily imported modules, its thread pool) is paid before the timings, by a decorated training and
explanation on 50,000 rows, whose time is printed on a row of its own.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from typing import Any

from common import Row, fmt_ratio, fmt_time, note, print_table, verdict

CAPTURE_TARGET = 0.05
EXPLAIN_TARGET = 0.10
TREES = 100


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    rows = parser.parse_args().rows
    import numpy as np
    import pandas as pd
    import shap  # noqa: F401  (imported once, before the timings)

    import uitlegbaar as ub

    rng = np.random.default_rng(20261203)
    X = pd.DataFrame({f"kenmerk_{i:02d}": rng.normal(size=rows) for i in range(20)})
    y = pd.Series((X["kenmerk_00"] + 0.5 * X["kenmerk_01"] + rng.normal(size=rows) > 0).astype(int), name="y")
    ub.configure(store=tempfile.mkdtemp(prefix="uitlegbaar-bench-"))
    table = [_first_capture(X.iloc[:50_000], y.iloc[:50_000])]
    for library in ("xgboost", "lightgbm"):
        fit_s: list[float] = []
        train = _trainer(library, fit_s)

        @ub.train(model=f"{library} native")
        def decorated(X: pd.DataFrame, y: pd.Series, train: Any = train) -> Any:
            return train(X, y)

        @ub.explain
        def explain(model: Any, X: pd.DataFrame, y: pd.Series) -> None:
            """Explained by uitlegbaar's defaults."""

        note(f"{library}: decorated training on {rows:,} rows, {TREES} trees")
        with ub.run(f"{library} benchmark") as run:
            started = time.perf_counter()
            model = decorated(X, y)
            total_s = time.perf_counter() - started
            note(f"{library}: @ub.explain")
            started = time.perf_counter()
            explain(model, X, y)
            explain_s = time.perf_counter() - started
            run.flush()
        capture_s = total_s - fit_s[0]
        anchor = f"{library}.train {fmt_time(fit_s[0])}"
        table.append(
            Row(
                f"{library} native: decorated capture",
                fmt_time(capture_s),
                anchor,
                fmt_ratio(capture_s, fit_s[0]),
                "≤ 5%",
                verdict(capture_s <= CAPTURE_TARGET * fit_s[0]),
            )
        )
        table.append(
            Row(
                f"{library} native: @ub.explain default (permutation + exact tree SHAP)",
                fmt_time(explain_s),
                anchor,
                fmt_ratio(explain_s, fit_s[0]),
                "≤ 10%",
                verdict(explain_s <= EXPLAIN_TARGET * fit_s[0]),
            )
        )
    print_table(table, f"uitlegbaar model library benchmark ({rows:,} rows × 20 columns, {TREES} trees)")
    return 0


def _first_capture(X: Any, y: Any) -> Row:
    """A decorated training and explanation on a few rows: what the first capture in a process pays once."""
    import uitlegbaar as ub

    fit_s: list[float] = []
    train = _trainer("lightgbm", fit_s, trees=5)

    @ub.train(model="warm-up")
    def decorated(X: Any, y: Any) -> Any:
        return train(X, y)

    @ub.explain
    def explain(model: Any, X: Any, y: Any) -> None:
        """Explained by uitlegbaar's defaults."""

    started = time.perf_counter()
    with ub.run("warm-up"):
        explain(decorated(X, y), X, y)
    spent = time.perf_counter() - started - fit_s[0]
    note(f"first capture in this process: {fmt_time(spent)}")
    return Row("first capture and explanation in a process, 50,000 rows (once)", fmt_time(spent), "—", "—", "—", "info")


def _trainer(library: str, fit_s: list[float], trees: int = TREES) -> Any:
    """The native training call, timing only the library's own fit (data container included)."""
    if library == "xgboost":
        import xgboost as xgb

        def train_xgboost(X: Any, y: Any) -> Any:
            started = time.perf_counter()
            booster = xgb.train({"objective": "binary:logistic", "tree_method": "hist"}, xgb.DMatrix(X, label=y), trees)
            fit_s.append(time.perf_counter() - started)
            return booster

        return train_xgboost
    import lightgbm as lgb

    def train_lightgbm(X: Any, y: Any) -> Any:
        started = time.perf_counter()
        booster = lgb.train({"objective": "binary", "verbose": -1}, lgb.Dataset(X, label=y), trees)
        fit_s.append(time.perf_counter() - started)
        return booster

    return train_lightgbm


if __name__ == "__main__":
    raise SystemExit(main())
