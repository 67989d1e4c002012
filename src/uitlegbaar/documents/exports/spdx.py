"""An SPDX 3.0.1 JSON-LD document of a run: the model as an `ai_AIPackage`, each dataset as a
`dataset_DatasetPackage`, linked by `trainedOn` and `testedOn` relationships.

The official JSON Schema checks the serialisation but not the AI and Dataset profiles' extra
restrictions (e.g. an AIPackage needs `releaseTime`, `suppliedBy`, `software_downloadLocation`,
`software_packageVersion`, `software_primaryPurpose`); those this module fills where the evidence or
the declaration supplies them, and reports as missing where nothing does.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from uitlegbaar._version import __version__
from uitlegbaar.documents.exports.common import (
    HOMEPAGE,
    RUN_URN,
    Missing,
    evaluation_ids,
    findings_for,
    finished,
    slices,
    training_ids,
)
from uitlegbaar.evidence.declaration import Declaration
from uitlegbaar.evidence.records import DatasetRecord, ModelRecord
from uitlegbaar.evidence.view import Evidence

CONTEXT = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"
SPEC_VERSION = "3.0.1"
CREATION_INFO = "_:creationinfo"
PROFILES = ["core", "software", "ai", "dataset", "simpleLicensing"]


def spdx_time(moment: datetime) -> str:
    """SPDX's DateTime: UTC to the second, with a `Z` (the schema allows no fractions)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def compile_spdx(evidence: Evidence, declaration: Declaration) -> tuple[dict[str, Any], list[Missing]]:
    """The SPDX document and what the profiles require that nothing supplied."""
    d = declaration
    base = f"{RUN_URN}{evidence.run_id}#"
    tool, agent = base + "tool", base + "agent"
    graph: list[dict[str, Any]] = [
        {
            "type": "CreationInfo",
            "@id": CREATION_INFO,
            "specVersion": SPEC_VERSION,
            "created": spdx_time(finished(evidence)),
            "createdBy": [agent],
            "createdUsing": [tool],
        },
        _element("SoftwareAgent", agent, name="uitlegbaar", externalRef=[_website()]),
        _element("Tool", tool, name=f"uitlegbaar {__version__}", externalRef=[_website()]),
    ]
    missing: list[Missing] = []
    supplier = None
    if d.organization:
        supplier = base + "organization"
        graph.append(_element("Organization", supplier, name=d.organization))
    owners = {x.owner for x in evidence.datasets if x.owner}
    owner_ids = {owner: f"{base}owner-{i}" for i, owner in enumerate(sorted(owners))}
    graph += [_element("Organization", ref, name=owner) for owner, ref in owner_ids.items()]
    datasets = {x.id: base + f"dataset-{x.id}" for x in evidence.datasets}
    for x in evidence.datasets:  # derived data originates with the organisation that ran the pipeline
        origin = owner_ids.get(x.owner or "") or (supplier if x.role == "derived" else None)
        package, lacking = _dataset(evidence, x, datasets[x.id], origin)
        graph.append(package)
        missing += lacking
    if evidence.datasets:
        missing.append(Missing("dataset releaseTime", "owner", "not captured: when each dataset was released"))
    roots = list(datasets.values())
    model = evidence.model
    if model is not None:
        model_id = base + "model"
        package, lacking = _model(evidence, model, d, model_id, supplier)
        graph.append(package)
        missing += lacking
        roots = [model_id]
        for kind, ids in (("trainedOn", training_ids(evidence)), ("testedOn", evaluation_ids(evidence))):
            targets = [datasets[i] for i in datasets if i in ids]
            if targets:
                graph.append(_relationship(base + kind, model_id, kind, targets))
        if d.licence:
            licence = base + "licence"
            graph.append(
                _element("simplelicensing_LicenseExpression", licence, simplelicensing_licenseExpression=d.licence)
            )
            graph.append(_relationship(base + "hasDeclaredLicense", model_id, "hasDeclaredLicense", [licence]))
        else:
            missing.append(Missing("ai_AIPackage hasDeclaredLicense", "legal", "uitlegbaar.yaml: licence"))
    elements = [e["spdxId"] for e in graph if "spdxId" in e]
    graph.append(
        _element(
            "SpdxDocument",
            base + "document",
            name=f"uitlegbaar run {evidence.run.name} ({evidence.run_id})",
            rootElement=roots,
            element=elements,
            profileConformance=PROFILES,
        )
    )
    return {"@context": CONTEXT, "@graph": graph}, missing


def _element(kind: str, spdx_id: str, **values: Any) -> dict[str, Any]:
    return {"type": kind, "spdxId": spdx_id, "creationInfo": CREATION_INFO, **{k: v for k, v in values.items() if v}}


def _website() -> dict[str, Any]:
    return {"type": "ExternalRef", "externalRefType": "altWebPage", "locator": [HOMEPAGE]}


def _relationship(spdx_id: str, source: str, kind: str, targets: list[str]) -> dict[str, Any]:
    return _element("Relationship", spdx_id, **{"from": source, "relationshipType": kind, "to": targets})


def _entry(key: str, value: Any) -> dict[str, str]:
    return {"type": "DictionaryEntry", "key": key, "value": value if isinstance(value, str) else json.dumps(value)}


def _hash(digest: str, comment: str | None = None) -> dict[str, str]:
    found = {"type": "Hash", "algorithm": "sha256", "hashValue": digest}
    return {**found, "comment": comment} if comment else found


def _model(
    evidence: Evidence, model: ModelRecord, d: Declaration, spdx_id: str, supplier: str | None
) -> tuple[dict[str, Any], list[Missing]]:
    missing = [
        Missing(
            "ai_AIPackage software_downloadLocation",
            "engineer",
            "not captured: publish the model artifact and record where (no field for it yet)",
        )
    ]
    if supplier is None:
        missing.append(Missing("ai_AIPackage suppliedBy", "owner", "uitlegbaar.yaml: organization"))
    training = [x for x in evidence.datasets if x.id in training_ids(evidence)]
    trained = f"Trained by {model.function} in {model.duration_s:.3g} s on " + ", ".join(
        f"{x.name} ({x.num_rows} rows × {x.num_columns} columns)" for x in training
    )
    explanations = [
        f"{x.method}: "
        + ", ".join(f"{k} {v:.4g}" for k, v in sorted(x.importances.items(), key=lambda kv: -abs(kv[1])))
        for x in evidence.explanations
    ]
    inputs = [i for i in model.inputs if i.personal or i.sensitive]
    uses_sensitive = "yes" if inputs else ("no" if model.inputs else "noAssertion")
    package = _element(
        "ai_AIPackage",
        spdx_id,
        name=model.name,
        description=d.description_short,
        software_packageVersion=model.artifact_sha256 or evidence.run_id,
        software_primaryPurpose="model",
        builtTime=spdx_time(model.created),
        releaseTime=spdx_time(finished(evidence)),
        suppliedBy=supplier,
        verifiedUsing=[_hash(model.artifact_sha256, f"SHA-256 of the model ({model.artifact_format or 'pickle'})")]
        if model.artifact_sha256
        else [],
        ai_typeOfModel=[model.class_name],
        ai_hyperparameter=[_entry(k, v) for k, v in model.hyperparameters.items()],
        ai_metric=[_entry(f"{s.metric} ({s.label})", repr(s.value)) for s in slices(evidence.evaluations)],
        ai_informationAboutTraining=trained + ".",
        ai_informationAboutApplication=" ".join(t for t in (d.goal, d.human_intervention) if t),
        ai_limitation=" ".join(d.limitations),
        ai_modelExplainability=explanations,
        ai_domain=list(d.category),
        ai_useSensitivePersonalInformation=uses_sensitive,
    )
    return package, missing


def _dataset(
    evidence: Evidence, x: DatasetRecord, spdx_id: str, owner: str | None
) -> tuple[dict[str, Any], list[Missing]]:
    missing = []
    if x.role == "source" and owner is None:
        missing.append(Missing(f"dataset {x.name}: originatedBy", "engineer", "@ub.dataset(owner=...)"))
    if x.role == "source" and not x.source:
        missing.append(Missing(f"dataset {x.name}: software_downloadLocation", "engineer", "@ub.dataset(source=...)"))
    uses = [
        use
        for use, ids in (("training", training_ids(evidence)), ("evaluation", evaluation_ids(evidence)))
        if x.id in ids
    ]
    model = evidence.model
    collected = f"Captured as {x.origin}" + (f" from {x.source}" if x.source else "")
    collected += f", returned by {x.produced_by}." if x.produced_by else "."
    sensitive = "yes" if x.personal or x.sensitive else "noAssertion"
    package = _element(
        "dataset_DatasetPackage",
        spdx_id,
        name=x.name,
        description=x.description,
        software_primaryPurpose="data",
        software_packageVersion=x.fingerprint.digest,
        software_downloadLocation=x.source if x.source and ":" in x.source else None,
        builtTime=spdx_time(x.created),
        originatedBy=[owner] if owner else [],
        verifiedUsing=[_hash(x.fingerprint.digest, f"{x.fingerprint.algorithm}: the table's logical content")],
        dataset_datasetType=["structured"],
        dataset_dataCollectionProcess=collected,
        dataset_hasSensitivePersonalInformation=sensitive,
        dataset_intendedUse=f"{' and '.join(uses)} of model {model.name}" if uses and model else None,
        dataset_knownBias=findings_for(evidence, x),
    )
    return package, missing
