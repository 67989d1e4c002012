"""Field-level differences between two runs: data, steps, model, metrics and explanations.

Items are matched by name (datasets and models), function (steps), split (evaluations) or method
(explanations); when a run holds the same name twice, the second is matched as `name #2`, and so on.
Every list is in a fixed order, so the same two runs always give the same diff.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, computed_field

from uitlegbaar.documents.i18n import Language, diff_word
from uitlegbaar.documents.paths import public_source
from uitlegbaar.evidence.records import (
    ColumnProfile,
    DatasetRecord,
    EvaluationRecord,
    ExplanationRecord,
    JsonScalar,
    ModelRecord,
    StepRecord,
)
from uitlegbaar.evidence.view import Evidence

PROFILE_STATISTICS = ("null_count", "mean", "min", "max", "distinct")

T = TypeVar("T")
D = TypeVar("D", bound=BaseModel)
R = TypeVar("R", EvaluationRecord, ExplanationRecord)
Number = int | float


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# ---------------------------------------------------------------- the diff


class ValueChange(_Model):
    """A named value that differs: in B only (added), in A only (removed), or in both (changed)."""

    name: str
    change: Literal["added", "removed", "changed"]
    old: JsonScalar = None
    new: JsonScalar = None
    delta: int | float | None = Field(default=None, description="new − old, when both are numbers")


class Count(_Model):
    old: int
    new: int
    delta: int


class ColumnChanges(_Model):
    """Profile statistics of one column that differ."""

    column: str
    changes: list[ValueChange]


class DatasetDiff(_Model):
    name: str
    role: str
    old_fingerprint: str
    new_fingerprint: str
    rows: Count
    columns: Count
    columns_added: list[str] = Field(default_factory=list)
    columns_removed: list[str] = Field(default_factory=list)
    types_changed: list[ValueChange] = Field(default_factory=list, description="name: column, old → new type")
    profile: list[ColumnChanges] = Field(default_factory=list)
    source: list[ValueChange] = Field(default_factory=list, description="where the data came from, when it changed")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def fingerprint_changed(self) -> bool:
        return self.old_fingerprint != self.new_fingerprint


class ModelDiff(_Model):
    name: str
    class_name: ValueChange | None = None
    features_added: list[str] = Field(default_factory=list)
    features_removed: list[str] = Field(default_factory=list)
    hyperparameters: list[ValueChange] = Field(default_factory=list)


class GroupChanges(_Model):
    """Metrics of one group of a sensitive attribute that differ."""

    attribute: str
    group: str
    changes: list[ValueChange]


class EvaluationDiff(_Model):
    split: str
    model: str | None = None
    metrics: list[ValueChange] = Field(default_factory=list)
    by_group: list[GroupChanges] = Field(default_factory=list)


class RankChange(_Model):
    """A feature's rank (1 = largest absolute importance; ties share a rank) and importance in A and B."""

    feature: str
    old_rank: int | None = None
    new_rank: int | None = None
    movement: int | None = Field(default=None, description="old rank − new rank: positive when it rose")
    old_importance: float | None = None
    new_importance: float | None = None
    delta: float | None = None


class ExplanationDiff(_Model):
    method: str
    model: str | None = None
    features: list[RankChange]


class StepDiff(_Model):
    function: str
    old_source_sha256: str | None = None
    new_source_sha256: str | None = None
    params: list[ValueChange] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def source_changed(self) -> bool:
        return self.old_source_sha256 != self.new_source_sha256


class Section(_Model, Generic[D]):
    """One kind of evidence: what only B has, what only A has, and what both have but differs."""

    added: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    changed: list[D] = Field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


class RunSide(_Model):
    run_id: str
    name: str
    started: datetime
    status: str


class RunDiff(_Model):
    """What differs from run A (old) to run B (new)."""

    a: RunSide
    b: RunSide
    datasets: Section[DatasetDiff]
    steps: Section[StepDiff]
    models: Section[ModelDiff]
    evaluations: Section[EvaluationDiff]
    explanations: Section[ExplanationDiff]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def differs(self) -> bool:
        return any((self.datasets, self.steps, self.models, self.evaluations, self.explanations))


# ---------------------------------------------------------------- computing it


def diff_evidence(a: Evidence, b: Evidence) -> RunDiff:
    """Everything that differs from run `a` to run `b`."""
    models = _Models.of(a, b)
    return RunDiff(
        a=_side(a),
        b=_side(b),
        datasets=_section(_sources_first(a.datasets), _sources_first(b.datasets), lambda d: d.name, _dataset_diff),
        steps=_section(a.steps, b.steps, lambda s: s.function, _step_diff),
        models=_section(a.models, b.models, lambda m: m.name, _model_diff),
        evaluations=_section(
            a.evaluations, b.evaluations, models.key(lambda e: e.split), partial(_evaluation_diff, models)
        ),
        explanations=_section(
            a.explanations, b.explanations, models.key(lambda x: x.method), partial(_explanation_diff, models)
        ),
    )


def changes_since(previous: Evidence | None, current: Evidence) -> RunDiff | None:
    """What changed since the previous version of a model (None when there is none)."""
    return None if previous is None else diff_evidence(previous, current)


def _side(evidence: Evidence) -> RunSide:
    return RunSide(run_id=evidence.run_id, name=evidence.run.name, started=evidence.run.created, status=evidence.status)


def _section(
    old: Sequence[T], new: Sequence[T], key: Callable[[T], str], compare: Callable[[str, T, T], D | None]
) -> Section[D]:
    """Match `old` and `new` items by `key`; `compare` returns a matched pair's differences, or None."""
    a, b = _keyed(old, key), _keyed(new, key)
    changed = [compare(k, a[k], b[k]) for k in b if k in a]
    return Section(
        added=[k for k in b if k not in a],
        removed=[k for k in a if k not in b],
        changed=[c for c in changed if c is not None],
    )


def _keyed(items: Iterable[T], key: Callable[[T], str]) -> dict[str, T]:
    """Items by key, in order; repeated keys become `key #2`, `key #3`, …"""
    out: dict[str, T] = {}
    seen: dict[str, int] = {}
    for item in items:
        k = key(item)
        seen[k] = seen.get(k, 0) + 1
        out[k if seen[k] == 1 else f"{k} #{seen[k]}"] = item
    return out


@dataclass(frozen=True)
class _Models:
    """The model names of both runs, for matching evaluations and explanations to their model."""

    names: dict[str, str]
    several: bool

    @classmethod
    def of(cls, a: Evidence, b: Evidence) -> _Models:
        names = {m.id: m.name for m in (*a.models, *b.models)}
        return cls(names, any(len({m.name for m in e.models}) > 1 for e in (a, b)))

    def name(self, model_id: str | None) -> str | None:
        return self.names.get(model_id) if model_id is not None else None

    def key(self, key: Callable[[R], str]) -> Callable[[R], str]:
        """`key` alone when each run has one model, else `key (model name)`."""
        if not self.several:
            return key
        return lambda r: f"{key(r)} ({self.name(r.model_id)})"


# ---------------------------------------------------------------- per kind


def _sources_first(datasets: Sequence[DatasetRecord]) -> list[DatasetRecord]:
    return sorted(datasets, key=lambda d: d.role != "source")


def _dataset_diff(name: str, a: DatasetRecord, b: DatasetRecord) -> DatasetDiff | None:
    old_types = {c.name: c.type for c in a.columns}
    new_types = {c.name: c.type for c in b.columns}
    diff = DatasetDiff(
        name=name,
        role=b.role,
        old_fingerprint=a.fingerprint.digest,
        new_fingerprint=b.fingerprint.digest,
        rows=_count(a.num_rows, b.num_rows),
        columns=_count(a.num_columns, b.num_columns),
        columns_added=[c for c in new_types if c not in old_types],
        columns_removed=[c for c in old_types if c not in new_types],
        types_changed=[c for c in _values(old_types, new_types) if c.change == "changed"],
        profile=_profile_changes(a.profile, b.profile),
        source=_values({"source": a.source}, {"source": b.source}) if a.source != b.source else [],
    )
    same_shape = not (diff.rows.delta or diff.columns.delta or diff.columns_added or diff.columns_removed)
    if same_shape and not (diff.fingerprint_changed or diff.types_changed or diff.profile or diff.source):
        return None
    return diff


def _count(old: int, new: int) -> Count:
    return Count(old=old, new=new, delta=new - old)


def _profile_changes(old: Sequence[ColumnProfile], new: Sequence[ColumnProfile]) -> list[ColumnChanges]:
    before = {p.name: p for p in old}
    out = []
    for profile in new:
        if profile.name in before:
            changes = _values(_statistics(before[profile.name]), _statistics(profile))
            if changes:
                out.append(ColumnChanges(column=profile.name, changes=changes))
    return out


def _statistics(profile: ColumnProfile) -> dict[str, JsonScalar]:
    return {s: getattr(profile, s) for s in PROFILE_STATISTICS}


def _step_diff(function: str, a: StepRecord, b: StepRecord) -> StepDiff | None:
    params = _values(a.params, b.params)
    if a.source_sha256 == b.source_sha256 and not params:
        return None
    return StepDiff(
        function=function, old_source_sha256=a.source_sha256, new_source_sha256=b.source_sha256, params=params
    )


def _model_diff(name: str, a: ModelRecord, b: ModelRecord) -> ModelDiff | None:
    classes = _values({"class": a.class_name}, {"class": b.class_name})
    diff = ModelDiff(
        name=name,
        class_name=classes[0] if classes else None,
        features_added=[f for f in b.features if f not in a.features],
        features_removed=[f for f in a.features if f not in b.features],
        hyperparameters=_values(a.hyperparameters, b.hyperparameters),
    )
    return diff if diff.class_name or diff.features_added or diff.features_removed or diff.hyperparameters else None


def _evaluation_diff(models: _Models, key: str, old: EvaluationRecord, new: EvaluationRecord) -> EvaluationDiff | None:
    metrics = _values(old.metrics, new.metrics)
    groups = _group_changes(old.by_group, new.by_group)
    if not (metrics or groups):
        return None
    return EvaluationDiff(split=new.split, model=models.name(new.model_id), metrics=metrics, by_group=groups)


def _group_changes(
    old: Mapping[str, Mapping[str, Mapping[str, float]]], new: Mapping[str, Mapping[str, Mapping[str, float]]]
) -> list[GroupChanges]:
    out = []
    for attribute in _union(old, new):
        before, after = old.get(attribute, {}), new.get(attribute, {})
        for group in _union(before, after):
            changes = _values(before.get(group, {}), after.get(group, {}))
            if changes:
                out.append(GroupChanges(attribute=attribute, group=group, changes=changes))
    return out


def _explanation_diff(
    models: _Models, key: str, old: ExplanationRecord, new: ExplanationRecord
) -> ExplanationDiff | None:
    features = rank_changes(old.importances, new.importances)
    if not features:
        return None
    return ExplanationDiff(method=new.method, model=models.name(new.model_id), features=features)


def rank_changes(old: Mapping[str, float], new: Mapping[str, float]) -> list[RankChange]:
    """Features whose rank or importance differs, most important in B first."""
    old_ranks, new_ranks = ranks(old), ranks(new)
    out = []
    for feature in _union(old, new):
        before, after = old.get(feature), new.get(feature)
        if before is not None and after is not None and _same(before, after):
            continue
        old_rank, new_rank = old_ranks.get(feature), new_ranks.get(feature)
        out.append(
            RankChange(
                feature=feature,
                old_rank=old_rank,
                new_rank=new_rank,
                movement=old_rank - new_rank if old_rank is not None and new_rank is not None else None,
                old_importance=before,
                new_importance=after,
                delta=_delta(before, after),
            )
        )
    last = len(old) + len(new) + 1
    return sorted(out, key=lambda r: (r.new_rank or last, r.old_rank or last, r.feature))


def ranks(importances: Mapping[str, float]) -> dict[str, int]:
    """Rank of each feature by absolute importance: 1 for the largest; equal importances share a rank."""
    magnitudes = {f: _magnitude(v) for f, v in importances.items()}
    first: dict[float, int] = {}
    for position, magnitude in enumerate(sorted(magnitudes.values(), reverse=True), start=1):
        first.setdefault(magnitude, position)
    return {f: first[m] for f, m in magnitudes.items()}


def _magnitude(value: float) -> float:
    return -1.0 if math.isnan(value) else abs(value)  # NaN ranks last


# ---------------------------------------------------------------- values


def _values(old: Mapping[str, JsonScalar], new: Mapping[str, JsonScalar]) -> list[ValueChange]:
    """The named values that differ between `old` and `new`, in `old`'s order, then those new in `new`."""
    out = []
    for name in _union(old, new):
        if name not in new:
            out.append(ValueChange(name=name, change="removed", old=old[name]))
        elif name not in old:
            out.append(ValueChange(name=name, change="added", new=new[name]))
        elif not _same(old[name], new[name]):
            out.append(
                ValueChange(
                    name=name, change="changed", old=old[name], new=new[name], delta=_delta(old[name], new[name])
                )
            )
    return out


def _union(old: Iterable[str], new: Iterable[str]) -> list[str]:
    return list(dict.fromkeys([*old, *new]))


def _same(old: JsonScalar, new: JsonScalar) -> bool:
    if isinstance(old, float) and isinstance(new, float) and math.isnan(old) and math.isnan(new):
        return True
    return type(old) is type(new) and old == new


def _delta(old: JsonScalar, new: JsonScalar) -> Number | None:
    """new − old when both are numbers (booleans are not)."""
    numbers = isinstance(old, (int, float)) and isinstance(new, (int, float))
    if not numbers or isinstance(old, bool) or isinstance(new, bool):
        return None
    return new - old  # type: ignore[operator]


# ---------------------------------------------------------------- as text


@dataclass(frozen=True)
class Line:
    """One difference as text: what it is about, which field, the value in A and in B, and the change."""

    subject: str
    what: str
    old: str = ""
    new: str = ""
    delta: str = ""


@dataclass(frozen=True)
class TextSection:
    title: str
    subject: str
    lines: list[Line]


DOCUMENT_PROFILE_SHIFTS = 5


def summary(diff: RunDiff, *, profile_limit: int | None = None) -> list[TextSection]:
    """The diff as sections of text lines (for a terminal table or a document); empty sections left out;
    `profile_limit` keeps the largest profile shifts of each dataset only (a document shows a few)."""
    parts: list[tuple[str, str, Section[Any], Callable[[Any], list[Line]]]] = [
        ("Datasets", "dataset", diff.datasets, partial(_dataset_lines, profile_limit=profile_limit)),
        ("Steps", "step", diff.steps, _step_lines),
        ("Models", "model", diff.models, _model_lines),
        ("Metrics", "evaluation", diff.evaluations, _evaluation_lines),
        ("Explanations", "explanation", diff.explanations, _explanation_lines),
    ]
    sections = [
        TextSection(title, subject, _presence(section) + [line for item in section.changed for line in lines_of(item)])
        for title, subject, section, lines_of in parts
    ]
    return [s for s in sections if s.lines]


def _presence(section: Section[D]) -> list[Line]:
    return [Line(k, "added", new="present") for k in section.added] + [
        Line(k, "removed", old="present") for k in section.removed
    ]


def _dataset_lines(d: DatasetDiff, profile_limit: int | None = None) -> list[Line]:
    lines = [
        Line(
            d.name,
            "fingerprint",
            d.old_fingerprint[:12],
            d.new_fingerprint[:12],
            "changed" if d.fingerprint_changed else "",
        ),
        _count_line(d.name, "rows", d.rows),
        _count_line(d.name, "columns", d.columns),
    ]
    if profile_limit is not None:  # for a document: what changed, and only the source data's profile shifts
        lines = [line for line in lines if line.delta]
        profile_limit = profile_limit if d.role == "source" else 0
    lines += [_value_line(d.name, c) for c in d.source]
    lines += [Line(d.name, f"column {c}", new="added") for c in d.columns_added]
    lines += [Line(d.name, f"column {c}", old="removed") for c in d.columns_removed]
    lines += [_value_line(d.name, c, prefix="type of ") for c in d.types_changed]
    shifts = [(p.column, c) for p in d.profile for c in p.changes]
    if profile_limit is not None:  # the largest relative shifts first
        shifts = sorted(shifts, key=lambda pc: -_relative(pc[1]))[:profile_limit]
    lines += [_value_line(d.name, c, prefix=f"{column}.") for column, c in shifts]
    return lines


def _relative(change: ValueChange) -> float:
    """How large a change is against the old value (1 for a change that is not a number)."""
    if change.delta is None or not isinstance(change.old, (int, float)):
        return 1.0
    return abs(change.delta) / max(abs(change.old), 1e-12)


def _count_line(subject: str, what: str, count: Count) -> Line:
    return Line(subject, what, f"{count.old:,}", f"{count.new:,}", f"{count.delta:+,}" if count.delta else "")


def _step_lines(s: StepDiff) -> list[Line]:
    lines = [_value_line(s.function, c, prefix="param ") for c in s.params]
    if s.source_changed:
        lines.insert(
            0, Line(s.function, "source sha256", (s.old_source_sha256 or "–")[:12], (s.new_source_sha256 or "–")[:12])
        )
    return lines


def _model_lines(m: ModelDiff) -> list[Line]:
    lines = [_value_line(m.name, m.class_name)] if m.class_name else []
    lines += [Line(m.name, f"feature {f}", new="added") for f in m.features_added]
    lines += [Line(m.name, f"feature {f}", old="removed") for f in m.features_removed]
    return lines + [_value_line(m.name, c, prefix="hyperparameter ") for c in m.hyperparameters]


def _evaluation_lines(e: EvaluationDiff) -> list[Line]:
    subject = e.split if e.model is None else f"{e.split} ({e.model})"
    lines = [_value_line(subject, c) for c in e.metrics]
    return lines + [_value_line(subject, c, prefix=f"{g.attribute}={g.group} ") for g in e.by_group for c in g.changes]


def _explanation_lines(x: ExplanationDiff) -> list[Line]:
    return [
        Line(
            x.method,
            r.feature,
            _rank_text(r.old_rank, r.old_importance),
            _rank_text(r.new_rank, r.new_importance),
            ", ".join(p for p in (_movement_text(r.movement), _delta_text(r.delta)) if p),
        )
        for r in x.features
    ]


def _rank_text(rank: int | None, importance: float | None) -> str:
    return "" if rank is None else f"#{rank} ({_text(importance)})"


def _movement_text(movement: int | None) -> str:
    if not movement:
        return ""
    return f"↑{movement}" if movement > 0 else f"↓{-movement}"


def _value_line(subject: str, change: ValueChange, prefix: str = "") -> Line:
    old = "" if change.change == "added" else _text(change.old)
    new = "" if change.change == "removed" else _text(change.new)
    delta = _delta_text(change.delta) if change.change == "changed" else change.change
    return Line(subject, prefix + change.name, old, new, delta)


def _text(value: JsonScalar) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _delta_text(delta: Number | None) -> str:
    if delta is None:
        return ""
    return f"{delta:+,}" if isinstance(delta, int) else f"{delta:+.4g}"


def changes_of(changes: Mapping[str, Any], lang: Language = "en") -> tuple[RunSide | None, list[TextSection]]:
    """A card's stored changes (a `RunDiff` as JSON) as the previous version and short sections to show: sources
    as far as they are public, the largest profile shifts of the source data, the fixed words in `lang`. Changes
    that are no `RunDiff` (a card made by hand) give nothing to show."""
    from pydantic import ValidationError

    try:
        diff = RunDiff.model_validate(_stored(changes))
    except ValidationError:
        return None, []
    public = [
        d.model_copy(update={"source": [_public(c) for c in d.source if _public(c).old != _public(c).new]})
        for d in diff.datasets.changed
    ]
    diff = diff.model_copy(update={"datasets": diff.datasets.model_copy(update={"changed": public})})
    sections = [
        TextSection(
            s.title,
            s.subject,
            [replace(line, what=diff_word(line.what, lang), delta=diff_word(line.delta, lang)) for line in s.lines],
        )
        for s in summary(diff, profile_limit=DOCUMENT_PROFILE_SHIFTS)
    ]
    return diff.a, sections


def _public(change: ValueChange) -> ValueChange:
    return change.model_copy(update={"old": public_source(_str(change.old)), "new": public_source(_str(change.new))})


def _str(value: JsonScalar) -> str | None:
    return None if value is None else str(value)


def _stored(data: Any) -> Any:
    """JSON as `RunDiff` dumps it, without the computed fields it adds (they are computed again)."""
    computed = {name for model in _Model.__subclasses__() for name in model.model_computed_fields}
    if isinstance(data, Mapping):
        return {k: _stored(v) for k, v in data.items() if k not in computed}
    if isinstance(data, list):
        return [_stored(v) for v in data]
    return data
