"""Explanation benchmark: permutation importance (default bounded samples) against the training time
of the model it explains, on 1,000,000 rows × 20 columns, in one run.

    python benchmarks/explain.py

Target: the whole explanation (three samples of at most 2,000 rows, three repeats, stability check)
takes at most 15% of the HistGradientBoostingClassifier's fit.
"""

from __future__ import annotations

import time

from common import Row, fmt_ratio, fmt_time, note, print_table, verdict

ROWS = 1_000_000
TARGET = 0.15


def main() -> int:
    import numpy as np
    import pandas as pd
    from sklearn.ensemble import HistGradientBoostingClassifier

    from uitlegbaar.explanations import permutation_explanation

    rng = np.random.default_rng(20261128)
    X = pd.DataFrame({f"kenmerk_{i:02d}": rng.normal(size=ROWS) for i in range(20)})
    y = pd.Series((X["kenmerk_00"] + 0.5 * X["kenmerk_01"] + rng.normal(size=ROWS) > 0).astype(int))
    note(f"fitting on {ROWS:,} rows")
    started = time.perf_counter()
    model = HistGradientBoostingClassifier(random_state=0).fit(X, y)
    fit_s = time.perf_counter() - started
    note("explaining")
    started = time.perf_counter()
    found = permutation_explanation(model, X, y)
    explain_s = time.perf_counter() - started
    top = max(found.importances, key=lambda f: found.importances[f])
    rows = [
        Row(
            f"permutation importance ({found.samples} × {found.sample_size:,} rows, top {top})",
            fmt_time(explain_s),
            f"HGB fit {fmt_time(fit_s)}",
            fmt_ratio(explain_s, fit_s),
            "≤ 15%",
            verdict(explain_s <= TARGET * fit_s),
        ),
        Row(
            "   rank stability (mean Spearman of the top inputs between samples)",
            f"{found.stability:.3f}",
            "—",
            "—",
            "—",
            "info",
        ),
    ]
    print_table(rows, f"uitlegbaar explanation benchmark ({ROWS:,} rows × 20 columns)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
