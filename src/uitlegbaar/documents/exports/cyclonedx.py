"""A CycloneDX 1.6 ML-BOM of a run: the model with its model card, the datasets, the Python libraries.

cyclonedx-python-lib builds what it models (components, hashes, licences, dependencies, metadata);
it does not model `component.modelCard` or `component.data` yet (its TODOs since CycloneDX 1.5), so
those are filled into its JSON by bom-ref. The result passes the library's strict JSON validator.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from uitlegbaar._version import __version__
from uitlegbaar.documents.exports.common import (
    HOMEPAGE,
    Missing,
    as_uuid,
    disparities,
    evaluation_ids,
    finished,
    number,
    sensitive_columns,
    slices,
    task_of,
    training_ids,
)
from uitlegbaar.evidence.declaration import Declaration
from uitlegbaar.evidence.records import DatasetRecord, ModelRecord
from uitlegbaar.evidence.view import Evidence

if TYPE_CHECKING:
    from cyclonedx.model.component import Component

SPEC_VERSION = "1.6"
PROPERTY_PREFIX = "uitlegbaar:"
# modelCard.modelParameters.approach.type (CycloneDX 1.6 `modelCard` definition)
APPROACH = {"classification": "supervised", "regression": "supervised"}
OUTPUT_FORMAT = {"classification": "class label", "regression": "number"}
DISTRIBUTION_OF = {"sklearn": "scikit-learn"}


def model_ref(model: ModelRecord) -> str:
    return f"model:{model.name}"


def dataset_ref(dataset: DatasetRecord) -> str:
    return f"dataset:{dataset.id}"


def compile_cyclonedx(evidence: Evidence, declaration: Declaration) -> tuple[dict[str, Any], list[Missing]]:
    """The BOM as a JSON dict, and what the model card lacks that people must supply."""
    from cyclonedx.model.bom import Bom, BomMetaData
    from cyclonedx.model.dependency import Dependency
    from cyclonedx.output import make_outputter
    from cyclonedx.schema import OutputFormat, SchemaVersion

    model = evidence.model
    datasets = [_data_component(d) for d in evidence.datasets]
    libraries = _libraries(evidence)
    components = [*datasets, *libraries]
    dependencies = []
    if model is not None:
        main = _model_component(model, evidence, declaration)
        components.insert(0, main)
        used = [c for c in datasets if str(c.bom_ref).removeprefix("dataset:") in training_ids(evidence)]
        dependencies.append(Dependency(main.bom_ref, dependencies=[Dependency(c.bom_ref) for c in used + libraries]))
    bom = Bom(
        serial_number=_uuid(as_uuid(evidence.run_id)),
        version=1,
        metadata=BomMetaData(timestamp=finished(evidence), tools=_tools(), properties=_run_properties(evidence)),
        components=components,
        dependencies=dependencies,
    )
    outputter = make_outputter(bom, OutputFormat.JSON, SchemaVersion.V1_6)
    document: dict[str, Any] = json.loads(outputter.output_as_string())
    missing: list[Missing] = []
    by_ref = {c.get("bom-ref"): c for c in document.get("components", [])}
    for d in evidence.datasets:
        by_ref[dataset_ref(d)]["data"] = [_component_data(d)]
    if model is not None:
        card, missing = _model_card(model, evidence, declaration)
        by_ref[model_ref(model)]["modelCard"] = card
    return document, missing


def validate_cyclonedx(document: dict[str, Any]) -> list[str]:
    """Problems cyclonedx-python-lib's strict JSON validator (CycloneDX 1.6) finds; empty when none."""
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    found = JsonStrictValidator(SchemaVersion.V1_6).validate_str(json.dumps(document), all_errors=True)
    return [] if found is None else [str(e) for e in found]


# ------------------------------------------------------------------ what the library models


def _uuid(text: str) -> Any:
    import uuid

    return uuid.UUID(text)


def _tools() -> Any:
    from cyclonedx.model import ExternalReference, ExternalReferenceType, XsUri
    from cyclonedx.model.component import Component, ComponentType
    from cyclonedx.model.tool import ToolRepository

    tool = Component(
        type=ComponentType.APPLICATION,
        name="uitlegbaar",
        version=__version__,
        bom_ref=f"tool:uitlegbaar@{__version__}",
        external_references=[ExternalReference(type=ExternalReferenceType.WEBSITE, url=XsUri(HOMEPAGE))],
    )
    return ToolRepository(components=[tool])


def _properties(pairs: list[tuple[str, str]]) -> list[Any]:
    from cyclonedx.model import Property

    return [Property(name=PROPERTY_PREFIX + name, value=value) for name, value in pairs]


def _run_properties(evidence: Evidence) -> list[Any]:
    return _properties(
        [
            ("run-id", evidence.run_id),
            ("run-name", evidence.run.name),
            ("run-status", evidence.status),
            ("evidence-digest", evidence.digest),
        ]
    )


def _sha256(digest: str | None) -> list[Any]:
    from cyclonedx.model import HashAlgorithm, HashType

    return [HashType(alg=HashAlgorithm.SHA_256, content=digest)] if digest else []


def _model_component(model: ModelRecord, evidence: Evidence, d: Declaration) -> Component:
    from cyclonedx.contrib.license.factories import LicenseFactory
    from cyclonedx.model.component import Component, ComponentType
    from cyclonedx.model.contact import OrganizationalEntity

    properties = [
        ("model-class", model.class_name),
        ("training-function", model.function),
        *(
            (f"hyperparameter:{k}", v if isinstance(v, str) else json.dumps(v))
            for k, v in model.hyperparameters.items()
        ),
        *(("out-of-scope-use", use) for use in d.out_of_scope_uses),
    ]
    return Component(
        type=ComponentType.MACHINE_LEARNING_MODEL,
        bom_ref=model_ref(model),
        name=model.name,
        version=model.artifact_sha256 or evidence.run_id,
        description=d.description_short,
        supplier=OrganizationalEntity(name=d.organization) if d.organization else None,
        hashes=_sha256(model.artifact_sha256),
        licenses=[LicenseFactory().make_from_string(d.licence)] if d.licence else None,
        properties=_properties(properties),
    )


def _data_component(d: DatasetRecord) -> Component:
    from cyclonedx.model.component import Component, ComponentType

    return Component(
        type=ComponentType.DATA,
        bom_ref=dataset_ref(d),
        name=d.name,
        version=d.fingerprint.digest,
        description=d.description,
        hashes=_sha256(d.fingerprint.digest),
        properties=_properties(
            [
                ("fingerprint-algorithm", d.fingerprint.algorithm),
                ("role", d.role),
                ("origin", d.origin),
                ("rows", str(d.num_rows)),
                ("columns", str(d.num_columns)),
                *((f"column:{c.name}", c.type) for c in d.columns),
                *((("produced-by", d.produced_by),) if d.produced_by else ()),
            ]
        ),
    )


def _libraries(evidence: Evidence) -> list[Component]:
    from cyclonedx.model.component import Component, ComponentType
    from packageurl import PackageURL

    packages = evidence.run.provenance.packages if evidence.run.provenance else {}
    model = evidence.model
    if model is not None and model.library and model.library_version:
        name = DISTRIBUTION_OF.get(model.library, model.library)
        packages = {name: model.library_version, **packages}
    return [
        Component(
            type=ComponentType.LIBRARY,
            bom_ref=f"pkg:pypi/{name}@{version}",
            name=name,
            version=version,
            purl=PackageURL(type="pypi", name=name, version=version),
        )
        for name, version in sorted(packages.items())
    ]


# ------------------------------------------------------------------ what the JSON gets besides


def _component_data(d: DatasetRecord) -> dict[str, Any]:
    """`component.data[0]` (componentData): the dataset's contents, sensitivity and owner."""
    data: dict[str, Any] = {"bom-ref": f"{dataset_ref(d)}:data", "type": "dataset", "name": d.name}
    if d.source:
        data["contents"] = {"url": d.source}
    if d.personal:
        data["classification"] = "personal data"
    if sensitive := sensitive_columns(d):
        data["sensitiveData"] = sensitive
    if d.description:
        data["description"] = d.description
    if d.owner:
        data["governance"] = {"owners": [{"organization": {"name": d.owner}}]}
    return data


def _model_card(model: ModelRecord, evidence: Evidence, d: Declaration) -> tuple[dict[str, Any], list[Missing]]:
    """`component.modelCard`: parameters, metrics per slice and the considerations people declared."""
    missing = []
    task = task_of(evidence)
    parameters: dict[str, Any] = {}
    if task is not None:
        parameters["approach"] = {"type": APPROACH[task]}
        parameters["task"] = task
    family = _family(model.class_name)
    if family:
        parameters["architectureFamily"] = family
    parameters["modelArchitecture"] = model.class_name
    used = training_ids(evidence) | evaluation_ids(evidence)
    parameters["datasets"] = [{"ref": dataset_ref(x)} for x in evidence.datasets if x.id in used]
    if model.features:
        parameters["inputs"] = [{"format": "table"}]
    if task is not None:
        parameters["outputs"] = [{"format": OUTPUT_FORMAT[task]}]
    card: dict[str, Any] = {"bom-ref": f"{model_ref(model)}:card", "modelParameters": parameters}

    metrics = [{"type": s.metric, "value": number(s.value), "slice": s.label} for s in slices(evidence.evaluations)]
    if metrics:
        card["quantitativeAnalysis"] = {"performanceMetrics": metrics}
    else:
        missing.append(Missing("quantitativeAnalysis", "engineer", "decorate the evaluation with @ub.evaluate"))

    considerations: dict[str, Any] = {}
    for key, values, how in (
        ("users", [d.organization] if d.organization else [], "uitlegbaar.yaml: organization"),
        ("useCases", list(d.intended_uses), "uitlegbaar.yaml: intended_uses"),
        ("technicalLimitations", list(d.limitations), "uitlegbaar.yaml: limitations"),
    ):
        if values:
            considerations[key] = values
        else:
            missing.append(Missing(f"considerations.{key}", "owner", how))
    if d.risks:
        risk = {"name": d.risks}
        if d.human_intervention:
            risk["mitigationStrategy"] = d.human_intervention
        considerations["ethicalConsiderations"] = [risk]
    else:
        missing.append(Missing("considerations.ethicalConsiderations", "owner", "uitlegbaar.yaml: risks"))
    fairness = _fairness(evidence)
    if fairness:
        considerations["fairnessAssessments"] = fairness
    else:
        missing.append(
            Missing(
                "considerations.fairnessAssessments",
                "engineer",
                "return per-group metrics from @ub.evaluate(sensitive=[...])",
            )
        )
    if considerations:
        card["considerations"] = considerations
    card["properties"] = [
        {"name": f"{PROPERTY_PREFIX}input:{i.name}", "value": _input(i.type, i.sources, i.transforms)}
        for i in model.inputs
    ] or [{"name": f"{PROPERTY_PREFIX}feature", "value": f} for f in model.features]
    if not card["properties"]:
        del card["properties"]
    return card, missing


def _input(kind: str | None, sources: list[str], transforms: list[str]) -> str:
    parts = [kind or "unknown type", f"from {', '.join(sources)}" if sources else ""]
    parts.append(f"via {' → '.join(transforms)}" if transforms else "")
    return "; ".join(p for p in parts if p)


def _family(class_name: str) -> str | None:
    """scikit-learn's module names a model family: `sklearn.linear_model._logistic…` → `linear model`."""
    parts = class_name.split(".")
    if len(parts) >= 3 and not parts[1].startswith("_"):
        return parts[1].replace("_", " ")
    return None


def _fairness(evidence: Evidence) -> list[dict[str, str]]:
    """One assessment per sensitive attribute: its groups, and the disparities the evaluation measured."""
    measured: dict[str, list[str]] = {}
    for x in disparities(evidence.evaluations):
        measured.setdefault(x.attribute, []).append(x.sentence())
    groups = {a: sorted({g for e in evidence.evaluations for g in e.by_group.get(a, {})}) for a in measured}
    return [
        {"groupAtRisk": f"groups by {attribute}: {', '.join(groups[attribute])}", "harms": " ".join(sentences)}
        for attribute, sentences in measured.items()
    ]
