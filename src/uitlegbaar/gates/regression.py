"""Regression against the previous version of the model: a metric (overall, or of a group) that got worse by more
than the policy's tolerance, relative to its previous value, and a proxy flagged now that was not before.

A group's rates (accuracy, true- and false-positive rate, precision, recall) are measured on few rows, so they
count as worse only beyond twice their sampling error too (binomial, over the group's rows in both versions):
a retrain on new data must not fail on noise."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping

from uitlegbaar.evidence.policy import Policy
from uitlegbaar.evidence.records import EvaluationRecord
from uitlegbaar.evidence.results import CLASSIFICATION_METRICS, ProxyResult
from uitlegbaar.evidence.view import Evidence
from uitlegbaar.gates.findings import RuleResult, number

LOWER_IS_BETTER = ("loss", "error", "mae", "mse", "mape", "brier", "false_positive", "false_negative", "fpr", "fnr")
"""Parts of a metric name that mean lower is better (`log_loss`, `rmse`, `false_positive_rate`, …)."""
UNDIRECTED = frozenset({"size", "selection_rate"})
"""Per-group figures that are neither better nor worse when higher (fairness rules judge selection rates)."""

Pair = tuple[str, str]


def lower_is_better(metric: str, declared: Collection[str] = ()) -> bool:
    """True for losses, errors and false-positive or false-negative rates, and the metrics `declared` names."""
    return metric in declared or any(part in metric.lower() for part in LOWER_IS_BETTER)


def compare(current: Evidence, previous: Evidence, policy: Policy) -> list[RuleResult]:
    """Every metric of every split, and of every group large enough in both versions, against the previous one."""
    tolerance = policy.regression.tolerance
    if tolerance is None:
        return []
    judge = _Judge(tolerance, policy.regression.lower_is_better, previous.run_id, current.run_id)
    out = []
    earlier = _by_split(previous.evaluations)
    for split, now in _by_split(current.evaluations).items():
        before = earlier.get(split)
        if before is None:
            continue
        for metric, value in _shared(now.metrics, before.metrics):
            out.append(judge("regression.metric", f"{metric} ({split})", metric, value, before.metrics[metric]))
        out += _groups(judge, split, now, before, policy.fairness.min_group_size)
    return out


def new_proxies(
    now: Mapping[Pair, ProxyResult], before: Mapping[Pair, ProxyResult], reviewed: Collection[Pair], previous: str
) -> list[RuleResult]:
    """A pair flagged in this version, not in the previous one, and not reviewed."""
    out = []
    for pair, found in now.items():
        if pair in before or pair in reviewed:
            continue
        out.append(
            RuleResult(
                "regression.proxy",
                f"{pair[0]} ~ {pair[1]}",
                "failed",
                f"{pair[0]} tracks {pair[1]} ({found.measure} {number(found.strength)}) in this version, not in "
                f"version {previous[:12]}",
                found.strength,
                None,
                "",
                f"Find out what made {pair[0]} track {pair[1]} (a new feature, a changed preparation step), drop or "
                "transform it, or record a review under proxy_reviews in uitlegbaar.yaml",
            )
        )
    return out


def _by_split(evaluations: list[EvaluationRecord]) -> dict[str, EvaluationRecord]:
    """The last evaluation of each split."""
    return {e.split: e for e in evaluations}


def _shared(now: Mapping[str, float], before: Mapping[str, float]) -> Iterator[tuple[str, float]]:
    for metric, value in now.items():
        if metric in before and metric not in UNDIRECTED:
            yield metric, value


def _groups(judge: _Judge, split: str, now: EvaluationRecord, before: EvaluationRecord, least: int) -> list[RuleResult]:
    out = []
    for attribute, groups in now.by_group.items():
        earlier = before.by_group.get(attribute, {})
        for group, metrics in groups.items():
            if group not in earlier:
                continue
            sizes = (group_size(before, attribute, group), group_size(now, attribute, group))
            if any(size is not None and size < least for size in sizes):
                continue  # too small in either version: its figures are reported by the fairness rules
            rows = (sizes[0], sizes[1]) if sizes[0] is not None and sizes[1] is not None else None
            for metric, value in _shared(metrics, earlier[group]):
                subject = f"{metric} of {attribute}={group} ({split})"
                noise = rows if metric in CLASSIFICATION_METRICS else None
                out.append(judge("regression.group", subject, metric, value, earlier[group][metric], noise))
    return out


def group_size(evaluation: EvaluationRecord, attribute: str, group: str) -> int | None:
    """A group's rows: from its metrics, else from the subgroup analysis; None when neither has it."""
    size = evaluation.by_group.get(attribute, {}).get(group, {}).get("size")
    if size is not None:
        return int(size)
    found = (g.size for a in evaluation.fairness if a.attribute == attribute for g in a.groups if g.group == group)
    return next(found, None)


class _Judge:
    """One metric against its previous value: worse by more than the tolerance relative to that value (and for a
    rate over `rows`, by more than twice its sampling error) fails."""

    def __init__(self, tolerance: float, declared: Collection[str], previous: str, current: str) -> None:
        self.tolerance, self.declared, self.previous, self.current = tolerance, declared, previous, current

    def __call__(
        self, rule: str, subject: str, metric: str, value: float, before: float, rows: tuple[int, int] | None = None
    ) -> RuleResult:
        lower = lower_is_better(metric, self.declared)
        margin, allowed = abs(before) * self.tolerance, f"the {self.tolerance:.0%} tolerance"
        if rows is not None and 2 * _sampling_error(before, value, rows) > margin:
            margin = 2 * _sampling_error(before, value, rows)
            allowed = f"twice its sampling error over {rows[0]} and {rows[1]} rows (the tolerance is smaller)"
        limit = before + margin if lower else before - margin
        worse = value > limit if lower else value < limit
        change = (value - before) / abs(before) if before else 0.0
        moved = f"from {number(before)} to {number(value)}" + (f" ({change:+.1%})" if before else "")
        versus = f"version {self.previous[:12]}"
        operator = "<=" if lower else ">="
        if not worse:
            return RuleResult(rule, subject, "passed", f"{moved} against {versus}", value, limit, operator)
        return RuleResult(
            rule,
            subject,
            "failed",
            f"{'rose' if lower else 'fell'} {moved} against {versus}, beyond {allowed}",
            value,
            limit,
            operator,
            f"Find out what made it worse (`uitlegbaar diff {self.previous[:12]} {self.current[:12]}` shows what "
            "changed: data, features, parameters) and fix it; if the change is accepted, raise "
            "policy.regression.tolerance for this release",
        )


def _sampling_error(before: float, now: float, rows: tuple[int, int]) -> float:
    """The standard error of the difference of two proportions over `rows` (0 outside [0, 1] or without rows)."""
    import math

    if not (0 <= before <= 1 and 0 <= now <= 1) or min(rows) <= 0:
        return 0.0
    return math.sqrt(before * (1 - before) / rows[0] + now * (1 - now) / rows[1])
