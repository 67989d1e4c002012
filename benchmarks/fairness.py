"""Fairness benchmark: `group_metrics` against fairlearn's `MetricFrame` on 1,000,000 predictions.

    python benchmarks/fairness.py

Three sensitive attributes (2, 5 and 6 groups). Both sides compute, per group of each attribute, count,
selection rate, TPR, FPR, accuracy, precision and recall, and the difference and ratio between groups;
best of 3 each. Target: at most 2× fairlearn's time. Needs `pip install fairlearn`.
"""

from __future__ import annotations

from typing import Any

from common import Row, best_of, fmt_ratio, fmt_time, note, print_table, verdict

ROWS = 1_000_000
REPEATS = 3
TARGET_RATIO = 2.0


def data() -> tuple[Any, Any, Any]:
    """Random labels, predictions correlated with them, and three attributes in a frame."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 2, ROWS)
    y_pred = np.where(rng.random(ROWS) < 0.8, y_true, 1 - y_true)
    attributes = pd.DataFrame(
        {
            "geslacht": rng.choice(np.array(["m", "v"], dtype=object), ROWS),
            "regio": rng.choice(np.array(["noord", "oost", "zuid", "west", "midden"], dtype=object), ROWS),
            "leeftijd": rng.integers(0, 6, ROWS),
        }
    )
    return y_true, y_pred, attributes


def ours(y_true: Any, y_pred: Any, attributes: Any) -> Any:
    from uitlegbaar.analysis.fairness import group_metrics

    return group_metrics(y_true, y_pred, {c: attributes[c] for c in attributes.columns})


def fairlearn(y_true: Any, y_pred: Any, attributes: Any) -> Any:
    from fairlearn.metrics import (
        MetricFrame,
        count,
        false_positive_rate,
        selection_rate,
        true_positive_rate,
    )
    from sklearn.metrics import accuracy_score, precision_score, recall_score

    metrics = {
        "count": count,
        "selection_rate": selection_rate,
        "true_positive_rate": true_positive_rate,
        "false_positive_rate": false_positive_rate,
        "accuracy": accuracy_score,
        "precision": precision_score,
        "recall": recall_score,
    }
    frames = []
    for column in attributes.columns:
        frame = MetricFrame(metrics=metrics, y_true=y_true, y_pred=y_pred, sensitive_features=attributes[column])
        frames.append((frame.by_group, frame.difference(), frame.ratio()))
    return frames


def agree(our: Any, theirs: Any) -> bool:
    """Whether both sides found the same selection rate per group (a sanity check, not a test)."""
    for result, (by_group, _, _) in zip(our, theirs, strict=True):
        expected = {str(i): v for i, v in by_group["selection_rate"].items()}
        if any(abs(expected[g.group] - (g.metrics["selection_rate"] or 0.0)) > 1e-12 for g in result.groups):
            return False
    return True


def main() -> None:
    try:
        import fairlearn as _  # noqa: F401
    except ImportError:
        note("fairlearn is not installed: pip install fairlearn")
        raise SystemExit(1) from None
    note(f"generating {ROWS:,} predictions")
    y_true, y_pred, attributes = data()
    note("timing uitlegbaar group_metrics")
    our_s, our_result = best_of(lambda: ours(y_true, y_pred, attributes), REPEATS)
    note("timing fairlearn MetricFrame")
    their_s, their_result = best_of(lambda: fairlearn(y_true, y_pred, attributes), REPEATS)
    ratio = our_s / their_s
    rows = [
        Row("fairlearn MetricFrame, 3 attributes", fmt_time(their_s), "-", "-", "-", "info"),
        Row(
            "group_metrics, 3 attributes",
            fmt_time(our_s),
            fmt_time(their_s),
            fmt_ratio(our_s, their_s),
            f"≤ {TARGET_RATIO:.0f}×",
            verdict(ratio <= TARGET_RATIO),
        ),
        Row(
            "same selection rates per group",
            str(agree(our_result, their_result)),
            "-",
            "-",
            "True",
            verdict(agree(our_result, their_result)),
        ),
    ]
    print_table(rows, f"Fairness metrics on {ROWS:,} predictions, best of {REPEATS}")


if __name__ == "__main__":
    main()
