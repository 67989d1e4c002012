"""The outcome policy `uitlegbaar check` judges a run by, and the reviews that accept a flagged proxy.

    policy:                                  # uitlegbaar.yaml (per algorithm, or shared at the top), or a
      fairness:                              # platform team's file for `uitlegbaar check --policy FILE`
        thresholds: {selection_rate_ratio: 0.8}
        min_group_size: 30
      proxies: {fail_on_flagged: true, threshold: 0.3}
      metrics: {roc_auc: {min: 0.75, per_group: true}}
      regression: {tolerance: 0.05}
      drift: {max_psi: 0.25, min_rows: 1000}

Every field has a default (the four-fifths rule, flagged proxies fail, 5 % tolerance against the previous
version, a population stability index of at most 0.25), so an absent or empty section is a sane policy; a limit
set to null turns its rule off. `tighten` combines a shared policy with a team's: the shared one is the floor,
and a team's setting applies only where it is stricter.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from uitlegbaar.evidence.results import threshold_names

FOUR_FIFTHS = {"selection_rate_ratio": 0.8}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Fairness(_Strict):
    """Disparity limits per sensitive attribute (`<metric>_ratio` at least, `<metric>_difference` at most), judged
    over the groups with at least `min_group_size` rows; smaller groups are reported as not reliable. The
    thresholds written are added to the four-fifths rule (`selection_rate_ratio: 0.8`); null removes one."""

    thresholds: dict[str, float | None] = Field(default_factory=dict)
    min_group_size: int = Field(default=30, ge=1)

    @field_validator("thresholds")
    @classmethod
    def _known(cls, value: dict[str, float | None]) -> dict[str, float | None]:
        for name, bound in value.items():
            if name not in threshold_names():
                raise ValueError(f"unknown threshold {name!r}; known: {', '.join(sorted(threshold_names()))}")
            if bound is not None and name.endswith("_ratio") and not 0 < bound <= 1:
                raise ValueError(f"{name} is a ratio in (0, 1], not {bound}")
            if bound is not None and name.endswith("_difference") and bound < 0:
                raise ValueError(f"{name} is a difference of at least 0, not {bound}")
        return value

    @property
    def limits(self) -> dict[str, float]:
        """The thresholds that apply: the four-fifths rule and those written, without the ones set to null."""
        merged = {**FOUR_FIFTHS, **self.thresholds}
        return {name: bound for name, bound in merged.items() if bound is not None}


class Proxies(_Strict):
    """A feature that tracks a sensitive attribute (association ≥ `threshold`, or flagged when it was evaluated)
    fails the gate unless `uitlegbaar.yaml` records a review of that pair (`proxy_reviews`)."""

    fail_on_flagged: bool = True
    threshold: float = Field(default=0.3, gt=0, le=1)


class Floor(_Strict):
    """Bounds on one metric of every evaluation, and with `per_group` of every group large enough to judge."""

    min: float | None = None
    max: float | None = None
    per_group: bool = False

    @model_validator(mode="after")
    def _bounded(self) -> Floor:
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self


class Regression(_Strict):
    """How much worse than the previous version of the model a metric (overall or of a group) may get, relative
    to its previous value; null: not compared. `lower_is_better` names metrics of yours where lower is better
    (losses, errors and false-positive rates are known)."""

    tolerance: float | None = Field(default=0.05, ge=0, lt=1)
    lower_is_better: list[str] = Field(default_factory=list)


class Drift(_Strict):
    """The largest population stability index a training-data column may have against the previous version's
    (null: not compared); columns with fewer than `min_rows` values are reported, not judged."""

    max_psi: float | None = Field(default=0.25, gt=0)
    min_rows: int = Field(default=1000, ge=1)


class Policy(_Strict):
    """What the outcome of a run must be for `uitlegbaar check` to pass it."""

    fairness: Fairness = Field(default_factory=Fairness)
    proxies: Proxies = Field(default_factory=Proxies)
    metrics: dict[str, Floor] = Field(default_factory=dict)
    regression: Regression = Field(default_factory=Regression)
    drift: Drift = Field(default_factory=Drift)

    @model_validator(mode="before")
    @classmethod
    def _empty_means_default(cls, data: Any) -> Any:
        """A section left empty (`drift:`) keeps its defaults."""
        return {k: v for k, v in data.items() if v is not None} if isinstance(data, dict) else data

    @property
    def uses_history(self) -> bool:
        """True when a rule compares the run with the previous version of its model."""
        return self.regression.tolerance is not None or self.drift.max_psi is not None


class ProxyReview(_Strict):
    """A person's review accepting that `feature` tracks the sensitive `attribute`: who, when, why it is acceptable
    and what mitigates it. The gate then passes that pair, and says so."""

    feature: str = Field(min_length=1)
    attribute: str = Field(min_length=1)
    reviewed_by: str = Field(min_length=1)
    reviewed_on: date
    reason: str = Field(min_length=1)
    mitigation: str = Field(min_length=1)


def _one_per_pair(reviews: list[ProxyReview]) -> list[ProxyReview]:
    seen: set[tuple[str, str]] = set()
    for review in reviews:
        pair = (review.feature, review.attribute)
        if pair in seen:
            raise ValueError(f"two reviews of {review.feature} ~ {review.attribute}; keep one")
        seen.add(pair)
    return reviews


ProxyReviews = Annotated[list[ProxyReview], AfterValidator(_one_per_pair)]


# ------------------------------------------------------------------ a shared policy and a team's


def effective(shared: Policy | None, team: Policy | None, shared_name: str = "the shared policy") -> Policy:
    """The policy a run is judged by (see `tighten`; the defaults when neither is given)."""
    return tighten(shared, team, shared_name)[0]


def tighten(
    shared: Policy | None, team: Policy | None, shared_name: str = "the shared policy"
) -> tuple[Policy, list[str]]:
    """`shared` is the floor; each setting the team wrote applies where it is stricter, and each looser one is
    named in the notes (the shared value applies). Either may be None (then the other, or the defaults)."""
    if shared is None or team is None:
        return shared or team or Policy(), []
    notes: list[str] = []

    def pick(section: str, key: str, stricter: Callable[[Any, Any], Any]) -> Any:
        ours, theirs = getattr(getattr(shared, section), key), getattr(getattr(team, section), key)
        if key not in getattr(team, section).model_fields_set:
            return ours
        chosen = stricter(ours, theirs)
        if chosen != theirs:
            notes.append(_looser(f"{section}.{key}", theirs, ours, shared_name))
        return chosen

    fairness = Fairness(
        thresholds=_thresholds(shared.fairness, team.fairness, shared_name, notes),
        min_group_size=pick("fairness", "min_group_size", min),
    )
    proxies = Proxies(
        fail_on_flagged=pick("proxies", "fail_on_flagged", lambda a, b: a or b),
        threshold=pick("proxies", "threshold", min),
    )
    regression = Regression(
        tolerance=pick("regression", "tolerance", _lowest),
        lower_is_better=sorted({*shared.regression.lower_is_better, *team.regression.lower_is_better}),
    )
    drift = Drift(max_psi=pick("drift", "max_psi", _lowest), min_rows=pick("drift", "min_rows", min))
    metrics = dict(shared.metrics)
    for name, floor in team.metrics.items():
        metrics[name] = (
            _floors(metrics[name], floor, f"metrics.{name}", shared_name, notes) if name in metrics else floor
        )
    return Policy(fairness=fairness, proxies=proxies, metrics=metrics, regression=regression, drift=drift), notes


def _lowest(a: float | None, b: float | None) -> float | None:
    """The stricter of two limits where null means the rule is off."""
    return b if a is None else a if b is None else min(a, b)


def _thresholds(shared: Fairness, team: Fairness, shared_name: str, notes: list[str]) -> dict[str, float | None]:
    """The shared limits, each made stricter where the team wrote a stricter one (as thresholds to write)."""
    limits = shared.limits
    for name, bound in team.thresholds.items():
        if name not in limits:
            if bound is not None:
                limits[name] = bound
            continue
        ours = limits[name]
        stricter = ours if bound is None else max(ours, bound) if name.endswith("_ratio") else min(ours, bound)
        if stricter != bound:
            notes.append(_looser(f"fairness.thresholds.{name}", bound, ours, shared_name))
        limits[name] = stricter
    return {**{name: None for name in FOUR_FIFTHS if name not in limits}, **limits}


def _floors(shared: Floor, team: Floor, key: str, shared_name: str, notes: list[str]) -> Floor:
    low = max((x for x in (shared.min, team.min) if x is not None), default=None)
    high = min((x for x in (shared.max, team.max) if x is not None), default=None)
    combined = Floor(min=low, max=high, per_group=shared.per_group or team.per_group)
    if combined != team:
        notes.append(_looser(key, _bounds(team), _bounds(combined), shared_name))
    return combined


def _bounds(floor: Floor) -> str:
    parts = [f">= {floor.min}" if floor.min is not None else "", f"<= {floor.max}" if floor.max is not None else ""]
    return " and ".join(p for p in parts if p) + (" per group" if floor.per_group else "")


def _looser(key: str, theirs: Any, ours: Any, shared_name: str) -> str:
    off = "null (off)"
    return (
        f"uitlegbaar.yaml policy.{key} {off if theirs is None else theirs} is looser than {shared_name}'s "
        f"{off if ours is None else ours}; {shared_name}'s applies"
    )
