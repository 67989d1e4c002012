"""Explanation benchmark: the whole `@ub.explain` step with its defaults, against the training time of the model
it explains, on 1,000,000 rows × 20 columns, in one run.

    python benchmarks/explain.py

Target: the `@ub.explain` step (permutation importance on three samples of at most 1,000 rows, three repeats,
stability check; SHAP on 500 rows when shap is installed; records written) takes at most 10% of the
HistGradientBoostingClassifier's fit. shap's own import (numba, about 2 s) is a once-per-process cost: it is
measured and shown apart, and the step is timed with shap already imported.
"""

from __future__ import annotations

import importlib.util
import tempfile
import time

from common import Row, fmt_ratio, fmt_time, note, print_table, verdict

ROWS = 1_000_000
TARGET = 0.10


def main() -> int:
    import numpy as np
    import pandas as pd
    from sklearn.ensemble import HistGradientBoostingClassifier

    import uitlegbaar as ub

    rng = np.random.default_rng(20261128)
    X = pd.DataFrame({f"kenmerk_{i:02d}": rng.normal(size=ROWS) for i in range(20)})
    y = pd.Series((X["kenmerk_00"] + 0.5 * X["kenmerk_01"] + rng.normal(size=ROWS) > 0).astype(int))
    note(f"fitting on {ROWS:,} rows")
    started = time.perf_counter()
    model = HistGradientBoostingClassifier(random_state=0).fit(X, y)
    fit_s = time.perf_counter() - started
    ub.configure(store=tempfile.mkdtemp(prefix="uitlegbaar-bench-"))
    has_shap = importlib.util.find_spec("shap") is not None
    rows = []
    if has_shap:
        started = time.perf_counter()
        import shap  # noqa: F401

        import_s = time.perf_counter() - started
    for label, use_shap in (("default (SHAP when installed)", None), ("shap=False", False)):
        if use_shap is None and not has_shap:
            continue

        @ub.explain(shap=use_shap)
        def explain(model: object, X: pd.DataFrame, y: pd.Series) -> None:
            """Explained by uitlegbaar's defaults."""

        note(f"explaining: {label}")
        with ub.run("explain benchmark") as run:
            started = time.perf_counter()
            explain(model, X, y)
            step_s = time.perf_counter() - started
            run.flush()
        methods = "permutation importance" + (" + SHAP" if use_shap is None else "")
        rows.append(
            Row(
                f"@ub.explain {label}: {methods}",
                fmt_time(step_s),
                f"HGB fit {fmt_time(fit_s)}",
                fmt_ratio(step_s, fit_s),
                "≤ 10%",
                verdict(step_s <= TARGET * fit_s),
            )
        )
    if has_shap:
        rows.append(
            Row(
                "   import shap (once per process, not in the step)",
                fmt_time(import_s),
                "—",
                fmt_ratio(import_s, fit_s),
                "—",
                "info",
            )
        )
    else:
        rows.append(
            Row("   shap not installed: the default is permutation importance only", "—", "—", "—", "—", "info")
        )
    print_table(rows, f"uitlegbaar explanation benchmark ({ROWS:,} rows × 20 columns)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
