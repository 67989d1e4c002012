"""What every export derives the same way from a run's evidence: roles of datasets, where they live,
the model's task and version, metrics per slice, and what the subgroup analysis found.

Everything here is a pure function of the evidence, so two exports of the same run agree, and an
export of the same run is the same document every time.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Literal

from uitlegbaar._version import __version__
from uitlegbaar.evidence.records import DatasetRecord, EvaluationRecord
from uitlegbaar.evidence.view import Evidence

# The project's published address. Producer URIs and the custom facets' schema URL hang from it.
HOMEPAGE = "https://github.com/uitlegbaar/uitlegbaar"
PRODUCER = f"{HOMEPAGE}/tree/v{__version__}"
RUN_URN = "urn:uitlegbaar:run:"

Task = Literal["classification", "regression"]
_CLASSIFICATION_METRICS = frozenset(
    {"accuracy", "precision", "recall", "f1", "roc_auc", "log_loss", "balanced_accuracy", "selection_rate"}
)
_REGRESSION_METRICS = frozenset({"mae", "mse", "rmse", "r2", "mape", "median_absolute_error"})


@dataclass(frozen=True)
class Missing:
    """A field the format asks for that nothing captured or declared supplies: who must, and how."""

    field: str
    who: Literal["engineer", "owner", "legal"]
    how: str

    def __str__(self) -> str:
        return f"missing {self.field}: the {self.who} supplies it ({self.how})"


def iso(moment: datetime) -> str:
    """A record's time as ISO 8601 in UTC with a `Z` (what every format here accepts)."""
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def started(evidence: Evidence) -> datetime:
    return evidence.run.created


def finished(evidence: Evidence) -> datetime:
    """When the run ended; for a run that has not (yet) ended, its last record."""
    return evidence.end.created if evidence.end else evidence.records[-1].created


def as_uuid(record_id: str) -> str:
    """A record id (32 hex digits) as a UUID; any other text as a name-based UUID of it."""
    try:
        return str(uuid.UUID(hex=record_id))
    except ValueError:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, RUN_URN + record_id))


def training_ids(evidence: Evidence) -> set[str]:
    """Ids of the datasets the model was fitted on, and the source datasets they came from."""
    model = evidence.model
    fitted = {ref.id for ref in model.training_data} if model else set()
    return fitted | {d.id for d in evidence.sources if model is not None}


def evaluation_ids(evidence: Evidence) -> set[str]:
    return {ref.id for e in evidence.evaluations for ref in e.data}


def location(dataset: DatasetRecord, job: str) -> tuple[str, str]:
    """OpenLineage's (namespace, name) of a dataset (spec `naming.md`): `s3://bucket` + key, `file` + path;
    data that lived only in memory is named after the pipeline in the `uitlegbaar` namespace."""
    source = dataset.source
    if source and "://" in source:
        scheme, rest = source.split("://", 1)
        if scheme == "file":
            return "file", rest
        host, _, path = rest.partition("/")
        return f"{scheme}://{host}", path or "/"
    if source:
        return "file", source
    return "uitlegbaar", f"{job}/{dataset.name}"


def job_name(evidence: Evidence) -> str:
    """What a lineage server groups the runs of one pipeline by: the model's name, else the run's."""
    return evidence.model.name if evidence.model else evidence.run.name


def model_version(evidence: Evidence) -> str | None:
    """The model's version: its artifact's SHA-256 (the same bytes give the same version)."""
    model = evidence.model
    return model.artifact_sha256 if model else None


def task_of(evidence: Evidence) -> Task | None:
    """Classification or regression, when the model's library, its class name or the metrics say so."""
    model = evidence.model
    if model is not None:
        from uitlegbaar.documents.card.compile import task_from_name

        named = model.task or task_from_name(model.class_name)
        if named is not None:
            return named
    metrics = {m for e in evidence.evaluations for m in e.metrics}
    if metrics & _CLASSIFICATION_METRICS:
        return "classification"
    return "regression" if metrics & _REGRESSION_METRICS else None


def number(value: float) -> str:
    """A metric as text: the shortest form that reads back as the same float."""
    return repr(float(value))


@dataclass(frozen=True)
class Slice:
    """One measured value: a metric of the model on a split, over all rows or one group."""

    metric: str
    value: float
    split: str
    attribute: str | None = None
    group: str | None = None

    @property
    def label(self) -> str:
        """`split=test` or `split=test, geslacht=vrouw`."""
        where = f"split={self.split}"
        return where if self.attribute is None else f"{where}, {self.attribute}={self.group}"


def slices(evaluations: list[EvaluationRecord]) -> list[Slice]:
    """Every metric of every evaluation: overall first, then per group of each sensitive attribute."""
    out = []
    for e in evaluations:
        out += [Slice(metric, value, e.split) for metric, value in e.metrics.items()]
        for attribute, groups in e.by_group.items():
            for group, metrics in groups.items():
                out += [Slice(metric, value, e.split, attribute, group) for metric, value in metrics.items()]
    return out


@dataclass(frozen=True)
class Disparity:
    """The spread of one metric over the groups of one sensitive attribute, as the evaluation measured it."""

    split: str
    attribute: str
    metric: str
    lowest: tuple[str, float]
    highest: tuple[str, float]
    groups: int

    @property
    def ratio(self) -> float | None:
        """lowest / highest, when both are positive numbers (1 = parity)."""
        low, high = self.lowest[1], self.highest[1]
        return low / high if low >= 0 and high > 0 else None

    def sentence(self) -> str:
        ratio = f"; ratio lowest/highest {self.ratio:.3f}" if self.ratio is not None else ""
        return (
            f"{self.metric} on the {self.split} split differs by {self.attribute} over {self.groups} groups: "
            f"from {self.lowest[1]:.4g} ({self.lowest[0]}) to {self.highest[1]:.4g} ({self.highest[0]}){ratio}."
        )


SIZE_METRICS = frozenset({"size", "count", "n", "support"})


def disparities(evaluations: list[EvaluationRecord]) -> list[Disparity]:
    """Per evaluation, sensitive attribute and metric (group sizes left out): the lowest and the highest group."""
    out = []
    for e in evaluations:
        for attribute, groups in e.by_group.items():
            metrics = dict.fromkeys(m for values in groups.values() for m in values if m not in SIZE_METRICS)
            for metric in metrics:
                values = sorted(
                    ((v[metric], g) for g, v in groups.items() if metric in v and math.isfinite(v[metric])),
                )
                if len(values) >= 2:
                    out.append(
                        Disparity(
                            e.split,
                            attribute,
                            metric,
                            (values[0][1], values[0][0]),
                            (values[-1][1], values[-1][0]),
                            len(values),
                        )
                    )
    return out


def descendants(evidence: Evidence, dataset_id: str) -> set[str]:
    """Ids of the datasets that steps derived from a dataset, directly or through other steps."""
    found: set[str] = set()
    frontier = {dataset_id}
    while frontier:
        outputs = {o.id for s in evidence.steps if frontier & {i.id for i in s.inputs} for o in s.outputs}
        frontier = outputs - found
        found |= outputs
    return found - {dataset_id}


def findings_for(evidence: Evidence, dataset: DatasetRecord) -> list[str]:
    """What the subgroup analysis measured that concerns a dataset, one sentence per attribute and metric:
    evaluations on it or on data derived from it, and for a source dataset every evaluation of the run
    (its model was trained from the run's sources). Empty when no evaluation per group concerns it."""
    related = {dataset.id} | descendants(evidence, dataset.id)
    chosen = [e for e in evidence.evaluations if dataset.role == "source" or related & {r.id for r in e.data}]
    return [d.sentence() for d in disparities(chosen)]


NO_SUBGROUP_ANALYSIS = (
    "Not assessed: the run recorded no evaluation per group of a sensitive attribute, "
    "so nothing is known about biases in this data."
)


def sensitive_columns(dataset: DatasetRecord) -> list[str]:
    """One line per personal or sensitive column, as declared when the data was captured."""
    return [f"personal data: column {c}" for c in dataset.personal] + [
        f"sensitive attribute: column {c}" for c in dataset.sensitive
    ]
