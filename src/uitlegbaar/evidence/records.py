"""Evidence records: the truth everything else is compiled from.

Every record is an immutable, versioned pydantic model with a stable id, the id of the run it belongs
to, its position in that run's hash chain, its creation time and the digest of its own content.
The digest is SHA-256 over the record's JSON body (everything but the digest), and each record names
the digest of the record before it in its run (`prev`), so changing, removing or reordering records
breaks the chain that `uitlegbaar verify` checks.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from uitlegbaar.evidence.results import AttributeResult, PersonalFinding, ProxyResult

SCHEMA_VERSION = 1

JsonScalar = str | int | float | bool | None


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# ---------------------------------------------------------------- parts shared by records


class DatasetRef(_Model):
    """A pointer from a step, model or evaluation to a dataset record of the same run."""

    id: str
    name: str
    fingerprint: str
    argument: str | None = Field(default=None, description="the argument of the call it was passed as (X, y, groups …)")


class ColumnSchema(_Model):
    name: str
    type: str
    nullable: bool = True


class ValueCount(_Model):
    value: JsonScalar
    count: int


class ColumnProfile(_Model):
    """Summary statistics of one column. Personal columns get only type and null count; a value that occurs
    fewer times than the dataset's `privacy.min_cell_count` is never among the top values."""

    name: str
    type: str
    personal: bool = False
    null_count: int
    min: JsonScalar = None
    max: JsonScalar = None
    mean: float | None = None
    distinct: int | None = None
    distinct_estimated: bool = False
    top_values: list[ValueCount] = Field(default_factory=list)
    histogram: list[int] = Field(
        default_factory=list,
        description="counts of a number column's values in equal-width bins from min to max (of a seeded sample "
        "of at most 32,768 values): the shape drift is measured on, without any value of the column",
    )
    suppressed_values: int = Field(
        0, description="distinct values left out of top_values because they occur fewer than min_cell_count times"
    )
    quantiles: dict[str, JsonScalar] = Field(
        default_factory=dict, description="a streamed number column's quantiles by probability ('0.5': median)"
    )
    quantiles_estimated: bool = Field(False, description="the quantiles come from a KLL sketch that compacted")


class Privacy(_Model):
    """How a dataset's personal data was established: declared, found by screening (treated as personal until
    confirmed or cleared), cleared by the user, or derived from personal columns; and the small-cell limit."""

    declared: list[str] = Field(default_factory=list, description="named in personal=[...] for this dataset")
    suspected: list[str] = Field(
        default_factory=list, description="found by screening, not declared: treated as personal until confirmed"
    )
    cleared: list[str] = Field(default_factory=list, description="named in not_personal=[...]: not treated as personal")
    derived_from: dict[str, list[str]] = Field(
        default_factory=dict, description="column → the personal columns it was derived from (@ub.step(derived_from=))"
    )
    findings: list[PersonalFinding] = Field(
        default_factory=list, description="why each suspected column looks personal (words and numbers, never a value)"
    )
    sample_rows: int = Field(0, description="rows of the seeded sample the values were screened on")
    min_cell_count: int = Field(description="values occurring fewer times than this are never stored")


class Fingerprint(_Model):
    """Exact content fingerprint of a table: every row, every column and the schema."""

    algorithm: str
    digest: str
    columns: dict[str, str] = Field(default_factory=dict, description="per-column digests (not for personal columns)")


class SourceFile(_Model):
    """One file a file-based dataset was read from, so that the exact input can be found again."""

    path: str = Field(description="relative to the dataset's folder (no local path)")
    size: int
    modified: datetime
    sha256: str | None = Field(None, description="of the file's bytes, when cheap enough to compute")


class TableVersion(_Model):
    """The version of a table format's table that was read."""

    format: Literal["delta", "iceberg"]
    version: str = Field(description="the Delta Lake version or the Iceberg snapshot id")


class GitInfo(_Model):
    commit: str | None = None
    branch: str | None = None
    dirty: bool | None = None
    diff_sha256: str | None = Field(None, description="SHA-256 of `git diff HEAD` when dirty")
    remote: str | None = None


class Provenance(_Model):
    git: GitInfo | None = None
    python: str
    platform: str
    packages: dict[str, str] = Field(default_factory=dict)
    user: str | None = None
    host: str | None = None
    entry_point: str | None = None
    declaration: str | None = Field(
        None, description="the uitlegbaar.yaml nearest the entry point when the run opened, relative to the git root"
    )


class ColumnLineage(_Model):
    kept: list[str] = Field(default_factory=list)
    added: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    renamed: dict[str, str] = Field(default_factory=dict, description="old name → new name")

    def summary(self, limit: int | None = None) -> str:
        """One line: `+added, -removed, old→new`; with `limit`, each kind cut after that many (`+N more`)."""

        def first(items: list[str]) -> str:
            if limit is None or len(items) <= limit:
                return ", ".join(items)
            return ", ".join(items[:limit]) + f" … (+{len(items) - limit} more)"

        parts = [
            first([f"+{c}" for c in self.added]),
            first([f"-{c}" for c in self.removed]),
            first([f"{old}→{new}" for old, new in self.renamed.items()]),
        ]
        return "; ".join(p for p in parts if p)


# ---------------------------------------------------------------- records


class Record(_Model):
    """Fields every record carries."""

    schema_version: int = SCHEMA_VERSION
    kind: str
    id: str
    run_id: str
    seq: int = Field(description="position in the run's hash chain, from 0")
    created: datetime
    prev: str | None = Field(description="digest of the previous record of the same run")
    trace_id: str | None = None
    span_id: str | None = None
    digest: str = Field("", description="SHA-256 of the record's JSON without this field")


class RunRecord(Record):
    """Opens a run: its name, parent and where it ran."""

    kind: Literal["run"] = "run"
    name: str
    parent_run_id: str | None = None
    implicit: bool = False
    tags: dict[str, str] = Field(default_factory=dict)
    provenance: Provenance | None = None


class RunEndRecord(Record):
    """Closes a run. A run without one is incomplete (still running, or its process died)."""

    kind: Literal["run_end"] = "run_end"
    status: Literal["finished", "failed"]
    error_type: str | None = None
    records: int = Field(description="records in the run before this one")


class DatasetRecord(Record):
    kind: Literal["dataset"] = "dataset"
    name: str
    role: Literal["source", "derived"] = "source"
    source: str | None = None
    origin: str = Field(description="the in-memory type the data came as, e.g. pandas.DataFrame")
    description: str | None = None
    owner: str | None = None
    licence: str | None = None
    personal: list[str] = Field(
        default_factory=list, description="every column treated as personal: declared, suspected or derived"
    )
    sensitive: list[str] = Field(default_factory=list)
    num_rows: int
    num_columns: int
    columns: list[ColumnSchema]
    fingerprint: Fingerprint
    profile: list[ColumnProfile] = Field(default_factory=list)
    privacy: Privacy | None = Field(None, description="declared, suspected, cleared and derived personal columns")
    produced_by: str | None = Field(None, description="qualified name of the function that returned it")
    multiset: Fingerprint | None = Field(
        None, description="the order-independent fingerprint (uitlegbaar-multiset-v1): the same rows in any order"
    )
    ordered_by: list[str] = Field(
        default_factory=list, description="the key a distributed frame was sorted by for its ordered fingerprint"
    )
    streamed: bool = Field(False, description="read batch by batch in bounded memory, never whole")
    files: list[SourceFile] = Field(default_factory=list)
    table_version: TableVersion | None = None


class StepRecord(Record):
    kind: Literal["step"] = "step"
    function: str
    source_sha256: str | None = None
    params: dict[str, JsonScalar] = Field(default_factory=dict)
    inputs: list[DatasetRef] = Field(default_factory=list)
    outputs: list[DatasetRef] = Field(default_factory=list)
    lineage: ColumnLineage | None = None
    derived_from: dict[str, list[str]] = Field(
        default_factory=dict, description="new column → the columns it was computed from, as the step declares"
    )
    duration_s: float


class ModelInput(_Model):
    """One input of the estimator as it sees it: the source columns and the transforms in between."""

    name: str
    type: str | None = None
    sources: list[str] = Field(default_factory=list)
    transforms: list[str] = Field(default_factory=list, description="innermost first, e.g. onehot(gemeente)")
    personal: bool = False
    sensitive: bool = False
    derived_from: list[str] = Field(
        default_factory=list, description="the personal columns its sources were derived from in earlier steps"
    )


class ModelRecord(Record):
    kind: Literal["model"] = "model"
    name: str
    class_name: str
    library: str | None = None
    library_version: str | None = None
    hyperparameters: dict[str, JsonScalar] = Field(default_factory=dict)
    default_hyperparameters: list[str] = Field(
        default_factory=list, description="the hyperparameters left at their library default"
    )
    artifact_sha256: str | None = Field(None, description="SHA-256 of the model artifact (see artifact_format)")
    artifact_format: str | None = Field(
        None, description="what was hashed: pickle, xgboost ubj, lightgbm text, torch state_dict, … (None: pickle)"
    )
    task: Literal["classification", "regression"] | None = Field(
        None, description="what the model predicts, as its library says (a pipeline: its final estimator)"
    )
    features: list[str] = Field(default_factory=list)
    inputs: list[ModelInput] = Field(
        default_factory=list, description="the model's inputs with their lineage, as its library's adapter reads them"
    )
    training_data: list[DatasetRef] = Field(default_factory=list)
    function: str
    duration_s: float


class LoggedModelRecord(Record):
    """A model logged to a registry (MLflow): where it lives there and, when registered, its version."""

    kind: Literal["logged_model"] = "logged_model"
    model_id: str | None = Field(default=None, description="the model record of the same model object, if any")
    registry: str = "mlflow"
    logged_model_id: str | None = None
    model_uri: str
    flavors: list[str] = Field(default_factory=list)
    signature: dict[str, str] = Field(default_factory=dict, description="inputs/outputs as the registry states them")
    registered_name: str | None = None
    registered_version: str | None = None


class MlflowInput(_Model):
    """A dataset input as MLflow logged it (its own digest, kept as MLflow computed it)."""

    name: str
    digest: str
    source_type: str | None = None
    source: str | None = None
    context: str | None = None


class MlflowRunRecord(Record):
    """What the MLflow run held when it ended: its parameters and logged inputs (metrics go to an evaluation)."""

    kind: Literal["mlflow_run"] = "mlflow_run"
    mlflow_run_id: str
    experiment_id: str
    params: dict[str, str] = Field(default_factory=dict)
    inputs: list[MlflowInput] = Field(default_factory=list)


class EvaluationRecord(Record):
    kind: Literal["evaluation"] = "evaluation"
    model_id: str | None = None
    split: str
    metrics: dict[str, float] = Field(default_factory=dict)
    by_group: dict[str, dict[str, dict[str, float]]] = Field(
        default_factory=dict, description="attribute → group → metric → value"
    )
    sensitive: list[str] = Field(default_factory=list)
    fairness: list[AttributeResult] = Field(
        default_factory=list, description="subgroup metrics, disparities and threshold checks per sensitive attribute"
    )
    proxies: list[ProxyResult] = Field(
        default_factory=list, description="association of each model input with each sensitive attribute"
    )
    data: list[DatasetRef] = Field(default_factory=list)
    function: str


class LocalExplanation(_Model):
    """How much each model input moved one sampled row's prediction (no values of the row itself)."""

    row: int = Field(description="position of the row in the explained data")
    base_value: float | None = None
    contributions: dict[str, float]


class Coefficient(_Model):
    """One coefficient of a fitted statistical model, the way statisticians report it."""

    name: str
    estimate: float
    std_error: float | None = None
    lower: float | None = Field(default=None, description="lower bound of the confidence interval")
    upper: float | None = Field(default=None, description="upper bound of the confidence interval")
    p_value: float | None = None


class Explanation(_Model):
    """A global explanation: what was computed, how, on how much data, and how stable the answer is."""

    method: str
    library: str | None = None
    library_version: str | None = None
    sample_size: int | None = Field(default=None, description="rows per sample (0 for coefficients)")
    samples: int = 1
    seed: int | None = None
    scoring: str | None = None
    importances: dict[str, float] = Field(default_factory=dict, description="per model input")
    by_source: dict[str, float] = Field(default_factory=dict, description="summed per source column")
    stability: float | None = Field(
        default=None, description="mean Spearman rank correlation of the top inputs between disjoint samples"
    )
    local: list[LocalExplanation] = Field(default_factory=list)
    note: str | None = None
    settings: dict[str, JsonScalar] = Field(
        default_factory=dict, description="how it was computed: explainer, rows, evaluations, exact or estimated"
    )
    coefficients: list[Coefficient] = Field(
        default_factory=list, description="estimates with standard errors, confidence intervals and p-values"
    )
    confidence: float | None = Field(default=None, description="the level of the confidence intervals, e.g. 0.95")


class ExplanationRecord(Explanation, Record):
    kind: Literal["explanation"] = "explanation"
    model_id: str | None = None
    function: str


class GapRecord(Record):
    """Something that should have been captured and was not, and why."""

    kind: Literal["gap"] = "gap"
    what: str
    function: str | None = None
    error_type: str
    message: str


AnyRecord = Annotated[
    RunRecord
    | RunEndRecord
    | DatasetRecord
    | StepRecord
    | ModelRecord
    | LoggedModelRecord
    | MlflowRunRecord
    | EvaluationRecord
    | ExplanationRecord
    | GapRecord,
    Field(discriminator="kind"),
]

RECORD_TYPES: dict[str, type[Record]] = {
    t.model_fields["kind"].default: t
    for t in (
        RunRecord,
        RunEndRecord,
        DatasetRecord,
        StepRecord,
        ModelRecord,
        LoggedModelRecord,
        MlflowRunRecord,
        EvaluationRecord,
        ExplanationRecord,
        GapRecord,
    )
}

_adapter: TypeAdapter[Any] | None = None


def _record_adapter() -> TypeAdapter[Any]:
    global _adapter
    if _adapter is None:
        _adapter = TypeAdapter(AnyRecord)
    return _adapter


def parse_record(body: str | bytes, digest: str) -> Record:
    """Rebuild a typed record from its stored JSON body and digest."""
    record: Record = _record_adapter().validate_json(body)
    return record.model_copy(update={"digest": digest})


def body_of(record: Record) -> bytes:
    """The bytes a record's digest is computed over: its JSON without the digest."""
    return record.model_dump_json(exclude={"digest"}).encode()


def json_schema() -> dict[str, Any]:
    """JSON Schema of every evidence record kind (a discriminated union on `kind`)."""
    schema: dict[str, Any] = _record_adapter().json_schema()
    schema["title"] = f"uitlegbaar evidence record, schema version {SCHEMA_VERSION}"
    return schema
