"""Group metrics: hand-computed numbers, fairlearn agreement, disparities, thresholds and regression."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from uitlegbaar.analysis.fairness import AttributeResult, group_metrics

# Group a: tp, fn, fp, tn. Group b: fn, tn, fp, fp. Group c: only negatives, never predicted positive.
Y_TRUE = [1, 1, 0, 0, 1, 0, 0, 0, 0, 0]
Y_PRED = [1, 0, 1, 0, 0, 0, 1, 1, 0, 0]
GROUP = ["a", "a", "a", "a", "b", "b", "b", "b", "c", "c"]


def by_group(result: AttributeResult) -> dict[str, dict[str, float | None]]:
    return {g.group: {"size": g.size, **g.metrics} for g in result.groups}


def disparity(result: AttributeResult, metric: str) -> tuple[str | None, str | None, float | None, float | None]:
    d = next(d for d in result.disparities if d.metric == metric)
    return d.best_group, d.worst_group, d.difference, d.ratio


def test_classification_metrics_match_hand_computation() -> None:
    [result] = group_metrics(Y_TRUE, Y_PRED, {"groep": GROUP})
    groups = by_group(result)
    assert groups["a"] == pytest.approx(
        {
            "size": 4,
            "selection_rate": 0.5,
            "true_positive_rate": 0.5,
            "false_positive_rate": 0.5,
            "accuracy": 0.5,
            "precision": 0.5,
            "recall": 0.5,
        }
    )
    assert groups["b"] == pytest.approx(
        {
            "size": 4,
            "selection_rate": 0.5,
            "true_positive_rate": 0.0,
            "false_positive_rate": 2 / 3,
            "accuracy": 0.25,
            "precision": 0.0,
            "recall": 0.0,
        }
    )


def test_group_without_positives_has_undefined_rates() -> None:
    [result] = group_metrics(Y_TRUE, Y_PRED, {"groep": GROUP})
    c = by_group(result)["c"]
    assert c["true_positive_rate"] is None and c["recall"] is None and c["precision"] is None
    assert c["false_positive_rate"] == 0.0 and c["selection_rate"] == 0.0 and c["accuracy"] == 1.0
    # Undefined groups are left out of the disparity rather than turned into NaN.
    assert disparity(result, "true_positive_rate") == ("a", "b", 0.5, 0.0)
    assert "NaN" not in result.model_dump_json()


def test_disparities_use_best_group_per_metric() -> None:
    [result] = group_metrics(Y_TRUE, Y_PRED, {"groep": GROUP})
    assert disparity(result, "selection_rate") == ("a", "c", 0.5, 0.0)
    best, worst, difference, ratio = disparity(result, "false_positive_rate")  # lower is better
    assert (best, worst) == ("c", "b")
    assert difference == pytest.approx(2 / 3) and ratio == 0.0
    best, worst, difference, ratio = disparity(result, "accuracy")
    assert (best, worst) == ("c", "b")
    assert difference == pytest.approx(0.75) and ratio == pytest.approx(0.25)


def test_two_groups_fpr_ratio_is_best_over_worst() -> None:
    [result] = group_metrics(Y_TRUE[:8], Y_PRED[:8], {"groep": GROUP[:8]})
    best, worst, difference, ratio = disparity(result, "false_positive_rate")
    assert (best, worst) == ("a", "b")
    assert difference == pytest.approx(1 / 6) and ratio == pytest.approx(0.75)
    assert disparity(result, "selection_rate") == ("a", "a", 0.0, 1.0)  # parity


def test_thresholds_pass_and_fail() -> None:
    thresholds = {"selection_rate_ratio": 0.8, "false_positive_rate_ratio": 0.7, "accuracy_difference": 0.2}
    [result] = group_metrics(Y_TRUE[:8], Y_PRED[:8], {"groep": GROUP[:8]}, thresholds=thresholds)
    outcomes = {c.name: c.passed for c in result.checks}
    assert outcomes == {"selection_rate_ratio": True, "false_positive_rate_ratio": True, "accuracy_difference": False}
    assert result.passed is False
    [ok] = group_metrics(Y_TRUE[:8], Y_PRED[:8], {"groep": GROUP[:8]}, thresholds={"selection_rate_ratio": 0.8})
    assert ok.passed is True


def test_threshold_on_undefined_disparity_is_none() -> None:
    [result] = group_metrics([0, 0], [0, 1], {"g": ["x", "y"]}, thresholds={"true_positive_rate_ratio": 0.8})
    assert result.checks[0].passed is None and result.checks[0].value is None
    assert result.passed is None


def test_unknown_threshold_and_bad_lengths_raise() -> None:
    with pytest.raises(ValueError, match="unknown threshold"):
        group_metrics(Y_TRUE, Y_PRED, {"g": GROUP}, thresholds={"selection_ratio": 0.8})
    with pytest.raises(ValueError, match="unknown threshold"):
        group_metrics([1.0], [1.0], {"g": ["x"]}, task="regression", thresholds={"accuracy_ratio": 0.8})
    with pytest.raises(ValueError, match="sensitive attribute 'g'"):
        group_metrics(Y_TRUE, Y_PRED, {"g": GROUP[:3]})
    with pytest.raises(ValueError, match="y_pred"):
        group_metrics(Y_TRUE, Y_PRED[:3], {"g": GROUP})


def test_regression_errors_per_group() -> None:
    [result] = group_metrics([1.0, 2.0, 3.0, 4.0], [2.0, 2.0, 5.0, 4.0], {"g": ["x", "x", "y", "y"]}, task="regression")
    groups = by_group(result)
    assert groups["x"] == pytest.approx({"size": 2, "mae": 0.5, "rmse": 0.5**0.5})
    assert groups["y"] == pytest.approx({"size": 2, "mae": 1.0, "rmse": 2**0.5})
    assert disparity(result, "mae") == ("x", "y", 0.5, 0.5)
    best, worst, difference, ratio = disparity(result, "rmse")
    assert (best, worst) == ("x", "y") and ratio == pytest.approx(0.5)
    assert difference == pytest.approx(2**0.5 - 0.5**0.5)
    with pytest.raises(ValueError, match="finite"):
        group_metrics([1.0], [float("nan")], {"g": ["x"]}, task="regression")


def test_several_attributes_and_input_kinds() -> None:
    frame = pd.DataFrame(
        {"cat": pd.Categorical(GROUP), "obj": pd.Series(GROUP, dtype=object), "num": [1] * 5 + [2] * 5}
    )
    results = group_metrics(np.array(Y_TRUE), pd.Series(Y_PRED), {c: frame[c] for c in frame.columns})
    assert [r.attribute for r in results] == ["cat", "obj", "num"]
    assert by_group(results[0]) == by_group(results[1])
    assert [g.group for g in results[2].groups] == ["1", "2"]
    labels = group_metrics(["ja", "nee", "ja"], ["ja", "ja", "nee"], {"g": ["x", "x", "y"]}, pos_label="ja")
    assert by_group(labels[0])["x"]["true_positive_rate"] == 1.0


def test_output_holds_labels_and_numbers_only() -> None:
    [result] = group_metrics(Y_TRUE, Y_PRED, {"groep": GROUP})
    dumped = json.loads(result.model_dump_json())
    assert {g["group"] for g in dumped["groups"]} == {"a", "b", "c"}
    assert all(isinstance(v, (float, type(None))) for g in dumped["groups"] for v in g["metrics"].values())


def test_import_stays_light() -> None:
    code = (
        "import sys, uitlegbaar.analysis.fairness, uitlegbaar.analysis.proxies; "
        "print('numpy' in sys.modules, 'pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_matches_fairlearn_metricframe() -> None:
    pytest.importorskip("fairlearn", reason="fairlearn not installed: `pip install fairlearn` to compare")
    from fairlearn.metrics import MetricFrame, false_positive_rate, selection_rate, true_positive_rate
    from sklearn.metrics import accuracy_score, precision_score

    rng = np.random.default_rng(7)
    n = 3_000
    y_true, y_pred = rng.integers(0, 2, n), rng.integers(0, 2, n)
    attributes = {"regio": rng.choice(["noord", "oost", "zuid", "west"], n), "leeftijd": rng.integers(0, 5, n)}
    fairlearn_metrics = {
        "selection_rate": selection_rate,
        "true_positive_rate": true_positive_rate,
        "false_positive_rate": false_positive_rate,
        "accuracy": accuracy_score,
        "precision": precision_score,
    }
    for result in group_metrics(y_true, y_pred, attributes):
        frame = MetricFrame(
            metrics=fairlearn_metrics, y_true=y_true, y_pred=y_pred, sensitive_features=attributes[result.attribute]
        )
        expected = frame.by_group
        for group in result.groups:
            row = expected.loc[next(i for i in expected.index if str(i) == group.group)]
            for metric in fairlearn_metrics:
                assert group.metrics[metric] == pytest.approx(row[metric]), (result.attribute, group.group, metric)
        for d in result.disparities:
            if d.metric in fairlearn_metrics:
                assert d.difference == pytest.approx(frame.difference()[d.metric])
                assert d.ratio == pytest.approx(frame.ratio()[d.metric])
