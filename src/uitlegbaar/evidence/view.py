"""The evidence of one run, grouped by kind: what compilers start from (`uitlegbaar.pipeline` loads it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from uitlegbaar.evidence.records import (
    DatasetRecord,
    EvaluationRecord,
    ExplanationRecord,
    GapRecord,
    LoggedModelRecord,
    ModelRecord,
    Record,
    RunEndRecord,
    RunRecord,
    StepRecord,
)


@dataclass(frozen=True)
class Evidence:
    """Every record of a run, by kind, in chain order."""

    run: RunRecord
    end: RunEndRecord | None
    datasets: list[DatasetRecord] = field(default_factory=list)
    steps: list[StepRecord] = field(default_factory=list)
    models: list[ModelRecord] = field(default_factory=list)
    logged_models: list[LoggedModelRecord] = field(default_factory=list)
    evaluations: list[EvaluationRecord] = field(default_factory=list)
    explanations: list[ExplanationRecord] = field(default_factory=list)
    gaps: list[GapRecord] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)

    @property
    def run_id(self) -> str:
        return self.run.run_id

    @property
    def status(self) -> str:
        return self.end.status if self.end is not None else "incomplete"

    @property
    def digest(self) -> str:
        """The digest of the run's last record: through the hash chain it commits to every record."""
        return self.records[-1].digest

    @property
    def model(self) -> ModelRecord | None:
        """The run's model: the last one trained."""
        return self.models[-1] if self.models else None

    def dataset(self, record_id: str) -> DatasetRecord | None:
        return next((d for d in self.datasets if d.id == record_id), None)

    @property
    def sources(self) -> list[DatasetRecord]:
        return [d for d in self.datasets if d.role == "source"]

    @classmethod
    def of(cls, records: list[Record]) -> Evidence:
        """Group a run's records (as a store's `load` returns them)."""
        if not records or not isinstance(records[0], RunRecord):
            raise ValueError("a run's records start with its run record")
        end = records[-1] if isinstance(records[-1], RunEndRecord) else None
        return cls(
            run=records[0],
            end=end,
            datasets=[r for r in records if isinstance(r, DatasetRecord)],
            steps=[r for r in records if isinstance(r, StepRecord)],
            models=[r for r in records if isinstance(r, ModelRecord)],
            logged_models=[r for r in records if isinstance(r, LoggedModelRecord)],
            evaluations=[r for r in records if isinstance(r, EvaluationRecord)],
            explanations=[r for r in records if isinstance(r, ExplanationRecord)],
            gaps=[r for r in records if isinstance(r, GapRecord)],
            records=records,
        )
