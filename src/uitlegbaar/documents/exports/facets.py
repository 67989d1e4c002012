"""uitlegbaar's custom OpenLineage facets, as typed classes of the openlineage-python client.

Their JSON Schema ships in the package (`uitlegbaar/exports/schemas/uitlegbaar-facets-1-0-0.json`, a data folder
that stays at the path its published `FACETS_SCHEMA_URL` names, wherever the code moves) and every facet names
that URL in its `_schemaURL`. The schema file is immutable: a change to a facet is a new version with a new file
and URL (a test pins the file's digest and that the URL's path is the file's place in the repository).
Names follow the spec's custom-facet rule: class `{Prefix}{Name}{Entity}Facet`, key `{prefix}_{name}`.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any, TypeVar

import attr
from openlineage.client.facet_v2 import DatasetFacet, JobFacet, RunFacet

T = TypeVar("T")
FACETS_SCHEMA_FILE = "uitlegbaar-facets-1-0-0.json"
FACETS_SCHEMA_URL = (
    "https://raw.githubusercontent.com/uitlegbaar/uitlegbaar/main/src/uitlegbaar/exports/schemas/" + FACETS_SCHEMA_FILE
)


def facets_schema() -> dict[str, Any]:
    """The JSON Schema of the custom facets, as shipped in the package."""
    text = resources.files("uitlegbaar").joinpath(f"exports/schemas/{FACETS_SCHEMA_FILE}").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _published(cls: type[T]) -> type[T]:
    """Name the facet's definition in the published schema as its `_schemaURL`."""
    url = f"{FACETS_SCHEMA_URL}#/$defs/{cls.__name__}"
    setattr(cls, "_get_schema", staticmethod(lambda: url))  # noqa: B010  (the client's hook, a static method)
    return cls


@_published
@attr.define
class UitlegbaarEvidenceRunFacet(RunFacet):
    """The run's evidence: hash chain, status and gaps."""

    runId: str
    runName: str
    status: str
    evidenceDigest: str
    records: int
    gaps: list[dict[str, str]] = attr.field(factory=list)


@_published
@attr.define
class UitlegbaarDatasetDatasetFacet(DatasetFacet):
    """A dataset's exact content fingerprint and its personal and sensitive columns."""

    fingerprintAlgorithm: str
    fingerprint: str
    role: str
    rows: int
    columns: int
    origin: str | None = None
    personalColumns: list[str] = attr.field(factory=list)
    sensitiveColumns: list[str] = attr.field(factory=list)
    producedBy: str | None = None


@_published
@attr.define
class UitlegbaarModelDatasetFacet(DatasetFacet):
    """A trained model: class, library, artifact digest and inputs."""

    className: str
    library: str | None = None
    libraryVersion: str | None = None
    artifactSha256: str | None = None
    task: str | None = None
    features: list[str] = attr.field(factory=list)
    inputs: list[dict[str, Any]] = attr.field(factory=list)


@_published
@attr.define
class UitlegbaarEvaluationDatasetFacet(DatasetFacet):
    """Metrics of the model per split and per group of each sensitive attribute."""

    evaluations: list[dict[str, Any]]


@_published
@attr.define
class UitlegbaarExplanationDatasetFacet(DatasetFacet):
    """Global importances of the model's inputs, per explanation method."""

    explanations: list[dict[str, Any]]


@_published
@attr.define
class UitlegbaarAlgorithmJobFacet(JobFacet):
    """What people declared about the algorithm (Algoritmeregister field names)."""

    name: str | None = None
    organization: str | None = None
    status: str | None = None
    publicationCategory: str | None = None
    goal: str | None = None
    humanIntervention: str | None = None
    lawfulBasis: str | None = None
    lars: str | None = None
    aiActRiskClass: str | None = None
