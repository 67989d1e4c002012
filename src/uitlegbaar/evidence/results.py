"""What the analyses find, as evidence keeps it: fairness per group of a sensitive attribute, proxies, and personal
data found in a table.

The analyses that compute these live in `uitlegbaar.analysis`; the records hold only group labels, numbers and
words, never a value of the data.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Task = Literal["classification", "regression"]
Measure = Literal["cramers_v", "correlation_ratio", "pearson", "cramers_v_binned"]

# Metric name → whether a higher value is better (defines the "best" group of each disparity).
CLASSIFICATION_METRICS: dict[str, bool] = {
    "selection_rate": True,
    "true_positive_rate": True,
    "false_positive_rate": False,
    "accuracy": True,
    "precision": True,
    "recall": True,
}
REGRESSION_METRICS: dict[str, bool] = {"mae": False, "rmse": False}
CHECK_KINDS = ("ratio", "difference")


def threshold_names() -> frozenset[str]:
    """Every threshold that can be declared: `<metric>_ratio` and `<metric>_difference` of each metric."""
    metrics = {**CLASSIFICATION_METRICS, **REGRESSION_METRICS}
    return frozenset(f"{m}_{k}" for m in metrics for k in CHECK_KINDS)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class GroupMetrics(_Frozen):
    """One group's size and metrics; a metric is None where it is undefined (e.g. TPR without positives)."""

    group: str
    size: int
    metrics: dict[str, float | None]


class Disparity(_Frozen):
    """How far the worst group is from the best on one metric (groups with an undefined value are left out).

    `difference` is |best − worst| (0 = parity); `ratio` is min/max over the groups, which is worst/best when
    higher is better and best/worst when lower is better, so it is always in [0, 1] and 1 means parity.
    """

    metric: str
    higher_is_better: bool
    best_group: str | None
    worst_group: str | None
    difference: float | None
    ratio: float | None


class ThresholdCheck(_Frozen):
    """A `<metric>_ratio` check passes when ratio ≥ threshold, a `<metric>_difference` when difference ≤ threshold.

    `passed` is None when the disparity is undefined (fewer than one group with a defined value).
    """

    name: str
    threshold: float
    value: float | None
    passed: bool | None


class AttributeResult(_Frozen):
    """The groups of one sensitive attribute, the disparity per metric and the threshold checks."""

    attribute: str
    task: Task
    groups: tuple[GroupMetrics, ...]
    disparities: tuple[Disparity, ...]
    checks: tuple[ThresholdCheck, ...] = ()

    @property
    def passed(self) -> bool | None:
        """False if any check failed, else None if any was undefined, else True (also with no checks)."""
        outcomes = [c.passed for c in self.checks]
        if False in outcomes:
            return False
        return None if None in outcomes else True


class ProxyResult(_Frozen):
    """How strongly one feature tracks one sensitive attribute; flagged when strength ≥ the threshold."""

    feature: str
    attribute: str
    measure: Measure
    strength: float
    flagged: bool
    rows: int


PersonalKind = Literal[
    "bsn",
    "iban",
    "email",
    "phone",
    "postcode",
    "address",
    "name",
    "birth_date",
    "ip_address",
    "free_text",
    "identifier",
    "unscreened",
]


class PersonalFinding(_Frozen):
    """Why a column that nobody declared personal looks personal: what was seen, in words and numbers, never a
    value. `by` is what gave it away: the values (a sample of them) or the column's name."""

    column: str
    kind: PersonalKind
    by: Literal["values", "name", "failure"]
    evidence: str
