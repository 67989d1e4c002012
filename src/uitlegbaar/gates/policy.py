"""Judge what a run's evidence says against the outcome policy: fairness thresholds per sensitive attribute (over
groups large enough to judge), flagged proxies without a review, metric floors, and — against the previous
version of the model — regression and training-data drift. Pure: everything comes from `Inputs`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from uitlegbaar.analysis.fairness import disparity
from uitlegbaar.documents.formats import Inputs
from uitlegbaar.evidence.policy import Fairness, Floor, Policy, ProxyReview
from uitlegbaar.evidence.records import EvaluationRecord
from uitlegbaar.evidence.results import (
    CLASSIFICATION_METRICS,
    REGRESSION_METRICS,
    AttributeResult,
    Disparity,
    GroupMetrics,
    ProxyResult,
)
from uitlegbaar.evidence.view import Evidence
from uitlegbaar.gates import drift, regression
from uitlegbaar.gates.findings import PolicyReport, RuleResult, number

Pair = tuple[str, str]


def judge(inputs: Inputs, policy: Policy, *, sources: Sequence[str] = (), notes: Iterable[str] = ()) -> PolicyReport:
    """Every rule of `policy` on the run `inputs` describe; `sources` and `notes` say where the policy came from."""
    evidence, previous = inputs.evidence, inputs.previous
    reviews = {(r.feature, r.attribute): r for r in inputs.declaration.proxy_reviews}
    flagged = flagged_proxies(evidence, policy.proxies.threshold)
    results = [
        *fairness(evidence, policy.fairness),
        *proxies(evidence, policy, reviews),
        *floors(evidence, policy),
    ]
    remarks = list(notes) + _unused_reviews(reviews, flagged)
    if policy.uses_history:
        if previous is None:
            name = evidence.model.name if evidence.model else "no model"
            why = f"the first recorded version of {name}" if evidence.model else "the run trained no model"
            results.append(RuleResult("regression", name, "skipped", f"{why}: no previous version to compare with"))
        else:
            results += regression.compare(evidence, previous, policy)
            results += regression.new_proxies(
                flagged, flagged_proxies(previous, policy.proxies.threshold), reviews, previous.run_id
            )
            results += drift.compare(evidence, previous, policy.drift)
    return PolicyReport(tuple(sources), previous.run_id if previous else None, tuple(results), tuple(remarks))


# ------------------------------------------------------------------ fairness


def fairness(evidence: Evidence, policy: Fairness) -> list[RuleResult]:
    """Each threshold (the policy's and those recorded at evaluation, the stricter where both) per attribute."""
    out = []
    for evaluation in evidence.evaluations:
        for result in evaluation.fairness:
            out += _attribute(evaluation, result, policy)
    if not out and policy.limits:
        out.append(RuleResult("fairness", "per-group evaluation", "skipped", "no per-group evaluation to judge"))
    return out


def _attribute(evaluation: EvaluationRecord, result: AttributeResult, policy: Fairness) -> list[RuleResult]:
    least, subject = policy.min_group_size, f"{result.attribute} ({evaluation.split})"
    small = [g for g in result.groups if g.size < least]
    out = [
        RuleResult(
            "fairness.group_size",
            f"{result.attribute}={g.group} ({evaluation.split})",
            "unreliable",
            f"{g.size} rows, fewer than {least}: its figures are reported, not judged",
            g.size,
            least,
            ">=",
            f"evaluate on more rows of this group, or lower policy.fairness.min_group_size if {g.size} are enough",
        )
        for g in small
    ]
    reliable = [g for g in result.groups if g.size >= least]
    left_out = f" (left out, under {least} rows: {', '.join(g.group for g in small)})" if small else ""
    directions = CLASSIFICATION_METRICS if result.task == "classification" else REGRESSION_METRICS
    for name, (bound, origin) in _limits(policy.limits, result).items():
        metric, _, kind = name.rpartition("_")
        rule = f"fairness.{name}"
        if metric not in directions:
            out.append(RuleResult(rule, subject, "skipped", f"{metric} is not a metric of a {result.task} model"))
            continue
        found = disparity(metric, directions[metric], reliable)
        defined = sum(1 for g in reliable if g.metrics.get(metric) is not None)
        value = found.ratio if kind == "ratio" else found.difference
        if defined < 2 or value is None:
            why = f"fewer than two groups with {least} or more rows have a {metric}{left_out}: not judged"
            out.append(RuleResult(rule, subject, "unreliable", why, value, bound, ">=" if kind == "ratio" else "<="))
            continue
        out.append(_verdict(rule, subject, found, bound, origin, reliable, left_out, result.attribute))
    return out


def _limits(policy: Mapping[str, float], result: AttributeResult) -> dict[str, tuple[float, str]]:
    """Threshold → (bound, where it comes from): the policy's, and the checks recorded at evaluation."""
    limits = {name: (bound, "policy") for name, bound in policy.items()}
    for check in result.checks:
        if check.name not in limits:
            limits[check.name] = (check.threshold, "recorded at evaluation")
            continue
        ours = limits[check.name][0]
        stricter = max(ours, check.threshold) if check.name.endswith("_ratio") else min(ours, check.threshold)
        if stricter != ours:
            limits[check.name] = (stricter, "recorded at evaluation, stricter than the policy")
    return limits


def _verdict(
    rule: str,
    subject: str,
    found: Disparity,
    bound: float,
    origin: str,
    groups: Sequence[GroupMetrics],
    left_out: str,
    attribute: str,
) -> RuleResult:
    kind = rule.rpartition("_")[2]
    value = (found.ratio if kind == "ratio" else found.difference) or 0.0
    of = {g.group: g.metrics.get(found.metric) or 0.0 for g in groups}
    worst, best = str(found.worst_group), str(found.best_group)
    figures = f"{worst} {number(of[worst])}, {best} {number(of[best])}"
    if kind == "ratio":
        passed, operator = value >= bound, ">="
        text = f"{found.metric} ratio {number(value)} ({figures}); at least {number(bound)} ({origin})"
    else:
        passed, operator = value <= bound, "<="
        text = f"{found.metric} difference {number(value)} ({figures}); at most {number(bound)} ({origin})"
    if passed:
        return RuleResult(rule, subject, "passed", text + left_out, value, bound, operator)
    return RuleResult(
        rule,
        subject,
        "failed",
        text + left_out,
        value,
        bound,
        operator,
        f"Find out why {attribute}={worst} fares worse (inputs that track {attribute}, too little or skewed training "
        "data for the group), mitigate it and train again; the model must not be used as it is",
    )


# ------------------------------------------------------------------ proxies


def flagged_proxies(evidence: Evidence, threshold: float) -> dict[Pair, ProxyResult]:
    """Feature ~ attribute pairs flagged at evaluation or at least `threshold` strong (the strongest screening)."""
    out: dict[Pair, ProxyResult] = {}
    for result in _screened(evidence).values():
        if result.flagged or result.strength >= threshold:
            out[(result.feature, result.attribute)] = result
    return out


def _screened(evidence: Evidence) -> dict[Pair, ProxyResult]:
    out: dict[Pair, ProxyResult] = {}
    for evaluation in evidence.evaluations:
        for result in evaluation.proxies:
            pair = (result.feature, result.attribute)
            if pair not in out or result.strength > out[pair].strength:
                out[pair] = result
    return out


def proxies(evidence: Evidence, policy: Policy, reviews: Mapping[Pair, ProxyReview]) -> list[RuleResult]:
    """A flagged pair fails unless reviewed; the others pass."""
    threshold, out = policy.proxies.threshold, []
    for pair, result in _screened(evidence).items():
        subject = f"{pair[0]} ~ {pair[1]}"
        strength = f"{result.measure} {number(result.strength)}"
        if not (result.flagged or result.strength >= threshold):
            out.append(RuleResult("proxy.flagged", subject, "passed", f"{strength}", result.strength, threshold, "<"))
            continue
        review = reviews.get(pair)
        flagged = f"{pair[0]} tracks {pair[1]} ({strength}, flagged at {number(threshold)})"
        if review is not None:
            accepted = (
                f"{flagged}; accepted by the review of {review.reviewed_by} on {review.reviewed_on.isoformat()}: "
                f"{review.reason} Mitigation: {review.mitigation}"
            )
            out.append(RuleResult("proxy.reviewed", subject, "passed", accepted, result.strength, threshold, "<"))
        elif not policy.proxies.fail_on_flagged:
            note = f"{flagged}; not judged (policy.proxies.fail_on_flagged is false)"
            out.append(RuleResult("proxy.flagged", subject, "skipped", note, result.strength, threshold, "<"))
        else:
            out.append(
                RuleResult(
                    "proxy.flagged",
                    subject,
                    "failed",
                    f"{flagged}, and uitlegbaar.yaml records no review of the pair",
                    result.strength,
                    threshold,
                    "<",
                    f"Drop or transform {pair[0]}, or have the pair reviewed and record it under proxy_reviews in "
                    f"uitlegbaar.yaml: {{feature: {pair[0]}, attribute: {pair[1]}, reviewed_by, reviewed_on, reason, "
                    "mitigation}",
                )
            )
    return out


def _unused_reviews(reviews: Mapping[Pair, ProxyReview], flagged: Mapping[Pair, ProxyResult]) -> list[str]:
    return [
        f"the review of {f} ~ {a} in uitlegbaar.yaml matches no flagged proxy of this run; remove it when it no "
        "longer applies"
        for f, a in reviews
        if (f, a) not in flagged
    ]


# ------------------------------------------------------------------ metric floors


def floors(evidence: Evidence, policy: Policy) -> list[RuleResult]:
    """Each floor on every evaluation that has the metric (a finding when none has it), and per group."""
    out = []
    for metric, floor in policy.metrics.items():
        measured = [e for e in evidence.evaluations if metric in e.metrics]
        if not measured:
            out.append(_unmeasured(metric, floor, "no evaluation recorded it"))
        for evaluation in measured:
            out.append(_floor("metric.floor", f"{metric} ({evaluation.split})", evaluation.metrics[metric], floor))
        if floor.per_group:
            out += _group_floors(evidence, metric, floor, policy.fairness.min_group_size)
    return out


def _group_floors(evidence: Evidence, metric: str, floor: Floor, least: int) -> list[RuleResult]:
    out = []
    for evaluation in evidence.evaluations:
        for attribute, groups in evaluation.by_group.items():
            for group, metrics in groups.items():
                if metric not in metrics:
                    continue
                subject = f"{metric} of {attribute}={group} ({evaluation.split})"
                size = regression.group_size(evaluation, attribute, group)
                if size is not None and size < least:
                    note = f"{number(metrics[metric])} over {size} rows, fewer than {least}: reported, not judged"
                    out.append(RuleResult("metric.group_floor", subject, "unreliable", note, metrics[metric]))
                else:
                    out.append(_floor("metric.group_floor", subject, metrics[metric], floor))
    if not out:
        out.append(_unmeasured(metric, floor, "no evaluation recorded it per group", "metric.group_floor"))
    return out


def _floor(rule: str, subject: str, value: float, floor: Floor) -> RuleResult:
    if floor.min is not None and value < floor.min:
        return _below(rule, subject, value, floor.min, ">=", "below the floor")
    if floor.max is not None and value > floor.max:
        return _below(rule, subject, value, floor.max, "<=", "above the ceiling")
    bound, operator = (floor.min, ">=") if floor.min is not None else (floor.max, "<=")
    return RuleResult(rule, subject, "passed", f"{number(value)}", value, bound, operator)


def _below(rule: str, subject: str, value: float, bound: float, operator: str, where: str) -> RuleResult:
    return RuleResult(
        rule,
        subject,
        "failed",
        f"{number(value)}, {where} {number(bound)}",
        value,
        bound,
        operator,
        "Improve the model (features, data, parameters) until it meets the policy; it must not be used as it is",
    )


def _unmeasured(metric: str, floor: Floor, why: str, rule: str = "metric.floor") -> RuleResult:
    bound, operator = (floor.min, ">=") if floor.min is not None else (floor.max, "<=")
    return RuleResult(
        rule,
        metric,
        "failed",
        f"the policy requires {metric} {operator} {number(bound or 0)}, and {why}",
        None,
        bound,
        operator,
        f"return {metric} from the @ub.evaluate function"
        + (" per group ({attribute: {group: {metric: value}}})" if rule == "metric.group_floor" else ""),
    )
