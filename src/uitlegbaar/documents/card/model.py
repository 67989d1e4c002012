"""The canonical model card: a superset of Mitchell et al.'s sections, Hugging Face card metadata,
Google's Model Card Toolkit and the MinBZK model card, as data. Renderers turn it into Markdown, HTML
and JSON; nothing here is prose that a renderer invents."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from uitlegbaar.documents.claims import ClaimCheck
from uitlegbaar.evidence.declaration import AIActProfile, Owner, Reference
from uitlegbaar.evidence.records import (
    ColumnLineage,
    ColumnProfile,
    ColumnSchema,
    Privacy,
    SourceFile,
    TableVersion,
)

CARD_SCHEMA_VERSION = 1
Who = Literal["engineer", "owner", "legal"]


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Missing(_Part):
    """A field that neither the evidence nor `uitlegbaar.yaml` supplies, and who must supply it."""

    section: str
    field: str
    who: Who
    how: str


class Algorithm(_Part):
    """The organisational facts about the algorithm (register fields)."""

    name: str | None = None
    organization: str | None = None
    description_short: str | None = None
    status: str | None = None
    publication_category: str | None = None
    category: list[str] = Field(default_factory=list)
    begin_date: str | None = None
    end_date: str | None = None
    contact_email: str | None = None
    provider: str | None = None
    website: str | None = None
    publiccode: str | None = None
    process_index_url: str | None = None
    source_id: str | None = None
    lars: str | None = None


class ModelDetails(_Part):
    name: str
    version: str = Field(description="the run that produced it, and the start of the artifact hash")
    class_name: str
    library: str | None = None
    library_version: str | None = None
    hyperparameters: dict[str, Any] = Field(default_factory=dict)
    default_hyperparameters: list[str] = Field(default_factory=list, description="left at the library default")
    artifact_sha256: str | None = None
    task: Literal["classification", "regression"] | None = Field(
        None, description="as the model's library says, else as its class name says"
    )
    owners: list[Owner] = Field(default_factory=list)
    licence: str | None = None
    training_function: str
    training_seconds: float
    code_version: str | None = Field(None, description="git commit (with `+dirty` and the diff hash if changed)")


class IntendedUse(_Part):
    goal: str | None = None
    intended_uses: list[str] = Field(default_factory=list)
    out_of_scope_uses: list[str] = Field(default_factory=list)
    human_intervention: str | None = None


class DatasetSummary(_Part):
    name: str
    role: str
    source: str | None = None
    origin: str
    description: str | None = None
    owner: str | None = None
    licence: str | None = None
    rows: int
    columns: int
    fingerprint: str
    fingerprint_algorithm: str
    multiset_fingerprint: str | None = Field(None, description="the same rows in any order (uitlegbaar-multiset-v1)")
    source_version: TableVersion | None = None
    source_files: list[SourceFile] = Field(default_factory=list, description="named relative to the dataset's folder")
    personal: list[str] = Field(default_factory=list)
    sensitive: list[str] = Field(default_factory=list)
    schema_: list[ColumnSchema] = Field(default_factory=list, alias="schema")
    profile: list[ColumnProfile] = Field(default_factory=list)
    privacy: Privacy | None = Field(None, description="declared, suspected, cleared and derived personal columns")

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, serialize_by_alias=True)


class Feature(_Part):
    name: str
    type: str | None = None
    sources: list[str] = Field(default_factory=list, description="the data columns it was derived from")
    transforms: list[str] = Field(default_factory=list)
    personal: bool = False
    sensitive: bool = False
    derived_from: list[str] = Field(default_factory=list, description="the personal columns it was derived from")


class FairnessCheck(_Part):
    """A declared disparity threshold for one sensitive attribute and whether the model met it."""

    attribute: str
    name: str
    threshold: float
    value: float | None = None
    passed: bool | None = None
    best_group: str | None = None
    worst_group: str | None = None


class Proxy(_Part):
    """How strongly a model input tracks a sensitive attribute (flagged: a possible proxy)."""

    feature: str
    attribute: str
    measure: str
    strength: float
    flagged: bool


class Evaluation(_Part):
    split: str
    metrics: dict[str, float] = Field(default_factory=dict)
    by_group: dict[str, dict[str, dict[str, float]]] = Field(default_factory=dict)
    checks: list[FairnessCheck] = Field(default_factory=list)
    proxies: list[Proxy] = Field(default_factory=list, description="strongest first")
    data: list[str] = Field(default_factory=list, description="names of the datasets it was evaluated on")


class Importance(_Part):
    feature: str
    value: float


class Coefficient(_Part):
    """A coefficient as statisticians report it: estimate, standard error, confidence interval, p-value."""

    name: str
    estimate: float
    std_error: float | None = None
    lower: float | None = None
    upper: float | None = None
    p_value: float | None = None


class Explanation(_Part):
    method: str
    importances: list[Importance] = Field(default_factory=list, description="most important first")
    coefficients: list[Coefficient] = Field(default_factory=list, description="in the model's order")
    confidence: float | None = Field(default=None, description="the level of the coefficients' intervals")
    by_source: list[Importance] = Field(default_factory=list, description="summed per source column")
    library: str | None = None
    sample_size: int | None = None
    samples: int = 1
    seed: int | None = None
    scoring: str | None = None
    stability: float | None = None
    note: str | None = None


class Considerations(_Part):
    proportionality: str | None = None
    risks: str | None = None
    limitations: list[str] = Field(default_factory=list)
    lawful_basis: str | None = None
    lawful_basis_grouping: list[Reference] = Field(default_factory=list)
    impacttoetsen_grouping: list[Reference] = Field(default_factory=list)
    impacttoetsen: str | None = None
    ai_act: AIActProfile | None = None


class Step(_Part):
    function: str
    inputs: list[str] = Field(default_factory=list)
    outputs: list[str] = Field(default_factory=list)
    lineage: ColumnLineage | None = None


class Gap(_Part):
    what: str
    reason: str


class CardProvenance(_Part):
    generator: str
    run_id: str
    run_name: str
    run_status: str
    run_ended: str | None = None
    evidence_digest: str = Field(description="digest of the run's last record; it commits to all evidence")
    declaration: str | None = Field(None, description="the uitlegbaar.yaml the card was compiled with")


class ModelCard(_Part):
    """The canonical card. `missing` lists what nobody has supplied yet, and who must."""

    schema_version: int = CARD_SCHEMA_VERSION
    title: str
    algorithm: Algorithm
    model: ModelDetails | None = None
    intended_use: IntendedUse
    training_data: list[DatasetSummary] = Field(default_factory=list)
    evaluation_data: list[DatasetSummary] = Field(default_factory=list)
    features: list[Feature] = Field(default_factory=list)
    evaluations: list[Evaluation] = Field(default_factory=list)
    explanations: list[Explanation] = Field(default_factory=list)
    claims: list[ClaimCheck] = Field(
        default_factory=list,
        description="the declaration's claims held against the evidence (refuted: a contradiction)",
    )
    considerations: Considerations
    lineage: list[Step] = Field(default_factory=list)
    changes: dict[str, Any] | None = Field(None, description="differences from the previous version (uitlegbaar diff)")
    dataset_titles: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="recorded dataset name → language → the name a reader sees (its role, unless the user named it)",
    )
    feature_titles: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="model input → language → the name prose uses (`gemeente = Den Haag` for a one-hot column)",
    )
    gaps: list[Gap] = Field(default_factory=list)
    missing: list[Missing] = Field(default_factory=list)
    provenance: CardProvenance


def card_json_schema() -> dict[str, Any]:
    """JSON Schema of the canonical model card."""
    schema = ModelCard.model_json_schema(by_alias=True)
    schema["title"] = f"uitlegbaar model card, schema version {CARD_SCHEMA_VERSION}"
    return schema
