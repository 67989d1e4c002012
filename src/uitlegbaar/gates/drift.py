"""Training-data drift against the previous version: the population stability index (PSI) of every column, from
the stored profiles alone (no value of the data is needed).

PSI = Σ (a − e) · ln(a / e) over bins, with e the previous version's share of a bin and a this version's (shares
below 0.0001 count as 0.0001). The usual reading: below 0.1 stable, 0.1–0.25 a moderate shift, above 0.25 a
significant one. Number columns are binned at the previous version's deciles, read from the histograms profiles
keep (values spread evenly within a histogram bin); other columns on their most frequent values (the values both
profiles count, the rest together). Missing values are a bin of their own.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence

from uitlegbaar.evidence.policy import Drift
from uitlegbaar.evidence.records import ColumnProfile, DatasetRecord, JsonScalar
from uitlegbaar.evidence.view import Evidence
from uitlegbaar.gates.findings import RuleResult, number

RULE = "drift.psi"
FLOOR = 1e-4
DECILES = tuple(k / 10 for k in range(1, 10))


def psi(expected: Sequence[float], actual: Sequence[float]) -> float:
    """The population stability index of `actual` shares against `expected` ones (the same bins, in order)."""
    import math

    total = 0.0
    for e, a in zip(expected, actual, strict=True):
        e, a = max(e, FLOOR), max(a, FLOOR)
        total += (a - e) * math.log(a / e)
    return total


def compare(current: Evidence, previous: Evidence, drift: Drift) -> list[RuleResult]:
    """PSI of every column of the model's training data against the previous version's data of the same name."""
    if drift.max_psi is None:
        return []
    out: list[RuleResult] = []
    judge = _Judge(drift.max_psi, drift.min_rows, previous.run_id, current.run_id)
    for now, before in _pairs(training_data(current), training_data(previous)):
        earlier = {p.name: p for p in before.profile}
        for column in now.profile:
            if column.name in earlier and not (column.personal or earlier[column.name].personal):
                out.append(judge(now, before, column, earlier[column.name]))
    return out


def training_data(evidence: Evidence) -> list[DatasetRecord]:
    """The datasets the run's model was trained on (the run's sources when the model names none)."""
    model = evidence.model
    refs = model.training_data if model is not None else []
    found = [d for d in (evidence.dataset(r.id) for r in refs) if d is not None]
    return found or evidence.sources


def _pairs(now: list[DatasetRecord], before: list[DatasetRecord]) -> list[tuple[DatasetRecord, DatasetRecord]]:
    """Datasets matched by name, the rest in order."""
    named = {d.name: d for d in before}
    pairs = [(d, named[d.name]) for d in now if d.name in named]
    rest_now = [d for d in now if d.name not in named]
    rest_before = [d for d in before if d.name not in {n.name for n in now}]
    return pairs + list(zip(rest_now, rest_before, strict=False))


class _Judge:
    """One column's PSI against its limit, between the previous version `run` and this one `now`."""

    def __init__(self, limit: float, min_rows: int, run: str, now: str) -> None:
        self.limit, self.min_rows, self.run, self.now = limit, min_rows, run, now

    def __call__(
        self, now: DatasetRecord, before: DatasetRecord, column: ColumnProfile, earlier: ColumnProfile
    ) -> RuleResult:
        subject = f"{now.name}: {column.name}"
        rows = min(now.num_rows - column.null_count, before.num_rows - earlier.null_count)
        if column.histogram and earlier.histogram:
            shares, how = _number_shares(before, earlier, now, column), "the previous version's deciles"
        elif column.top_values and earlier.top_values:
            shares, how = _value_shares(before, earlier, now, column), "the most frequent values"
        else:
            kept = "not compared: the profiles keep no distribution of it (too many distinct values, or an older one)"
            return RuleResult(RULE, subject, "skipped", kept)
        value, limit = psi(*shares), self.limit
        found = f"population stability index (PSI) {number(value)} over {len(shares[0])} bins ({how})"
        found += f" against {self.run[:12]}"
        if rows < self.min_rows:
            why = f"not judged: {rows} values, fewer than {self.min_rows} (policy.drift.min_rows), give an unstable PSI"
            return RuleResult(RULE, subject, "unreliable", f"{found}; {why}", value, limit, "<=")
        if value <= limit:
            return RuleResult(RULE, subject, "passed", found, value, limit, "<=")
        return RuleResult(
            RULE,
            subject,
            "failed",
            f"{found}, above {number(limit)}: the column's distribution shifted (above 0.25 is a significant shift)",
            value,
            limit,
            "<=",
            f"Check the source and preparation of {column.name} (`uitlegbaar diff {self.run[:12]} {self.now[:12]}` "
            "shows how its profile changed) and evaluate the model on the new population; if the shift is intended, "
            "raise policy.drift.max_psi for this release (the next version is compared with this one)",
        )


# ------------------------------------------------------------------ shares per bin


def _null_bin(dataset: DatasetRecord, profile: ColumnProfile, shares: list[float]) -> list[float]:
    """`shares` of the non-missing values scaled to the rows, and the share of missing values after them."""
    rows = max(dataset.num_rows, 1)
    present = 1 - profile.null_count / rows
    return [s * present for s in shares] + [profile.null_count / rows]


def _number_shares(
    before: DatasetRecord, earlier: ColumnProfile, now: DatasetRecord, column: ColumnProfile
) -> tuple[list[float], list[float]]:
    old, new = _knots(earlier), _knots(column)
    cuts = sorted({_quantile(*old, p) for p in DECILES})  # the previous version's deciles
    shares = []
    for knots, dataset, profile in ((old, before, earlier), (new, now, column)):
        cumulative = [0.0, *(_cdf(*knots, x) for x in cuts), 1.0]
        shares.append(_null_bin(dataset, profile, [b - a for a, b in itertools.pairwise(cumulative)]))
    return shares[0], shares[1]


def _knots(profile: ColumnProfile) -> tuple[list[float], list[float]]:
    """The bin edges of a profile's histogram and the share of values up to each edge (a few dozen numbers: plain
    Python is quicker than numpy here)."""
    low, high = float(profile.min), float(profile.max)  # type: ignore[arg-type]  # numbers where a histogram is
    counts, bins = profile.histogram, len(profile.histogram)
    total = max(sum(counts), 1)
    edges = [low + (high - low) * i / bins for i in range(bins + 1)]
    return edges, [0.0, *(c / total for c in itertools.accumulate(counts))]


def _quantile(edges: list[float], shares: list[float], p: float) -> float:
    """The value below which a share `p` of the values lie (values spread evenly within a bin)."""
    i = min(max(bisect.bisect_left(shares, p), 1), len(edges) - 1)
    low, high, below, above = edges[i - 1], edges[i], shares[i - 1], shares[i]
    return low if above <= below else low + (high - low) * (p - below) / (above - below)


def _cdf(edges: list[float], shares: list[float], x: float) -> float:
    """The share of values ≤ `x`: linear within a bin, a step where edges coincide (a constant column)."""
    i = bisect.bisect_right(edges, x)  # edges ≤ x
    if i == 0:
        return 0.0
    if i == len(edges):
        return 1.0
    low, high = edges[i - 1], edges[i]
    if high <= low:
        return shares[i]
    return shares[i - 1] + (shares[i] - shares[i - 1]) * (x - low) / (high - low)


def _value_shares(
    before: DatasetRecord, earlier: ColumnProfile, now: DatasetRecord, column: ColumnProfile
) -> tuple[list[float], list[float]]:
    old, new = _counts(before, earlier), _counts(now, column)
    keys = [k for k in dict.fromkeys([*old[0], *new[0]]) if _known(old, k) and _known(new, k)]
    shares = []
    for (counts, total, _), dataset, profile in ((old, before, earlier), (new, now, column)):
        named = [counts.get(k, 0) / max(total, 1) for k in keys]
        shares.append(_null_bin(dataset, profile, [*named, max(0.0, 1 - sum(named))]))
    return shares[0], shares[1]


Counts = tuple[dict[tuple[str, JsonScalar], int], int, bool]


def _counts(dataset: DatasetRecord, profile: ColumnProfile) -> Counts:
    """Most frequent values (keyed with their type, so 1 and True differ), the non-missing rows, and whether the
    values listed are every value of the column."""
    counts = {(type(v.value).__name__, v.value): v.count for v in profile.top_values}
    total = dataset.num_rows - profile.null_count
    return counts, total, sum(counts.values()) >= total


def _known(counts: Counts, key: tuple[str, JsonScalar]) -> bool:
    """The count of `key` is known: listed, or zero because every value is listed."""
    return key in counts[0] or counts[2]
