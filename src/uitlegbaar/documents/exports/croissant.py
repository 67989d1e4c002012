"""Croissant 1.1 descriptions of a run's datasets, with the Responsible-AI extension (RAI 1.0).

Each description says what uitlegbaar knows about one dataset: its name, source, owner, exact content
fingerprint (`identifier`), columns (`variableMeasured`), personal and sensitive columns
(`rai:personalSensitiveInformation`), how it was captured (`rai:dataCollection`), what the subgroup
analysis of the run's model measured on it (`rai:dataBiases`, which says so plainly when no such
analysis was recorded), and its provenance in W3C PROV-O terms, as Croissant 1.1 recommends.

No `distribution`/`recordSet` is written: Croissant requires a checksum of each file, and uitlegbaar
fingerprints a table's logical content, not a file's bytes. The collection period
(`rai:dataCollectionTimeframe`), licence and publication date are written only when declared, and
reported as missing otherwise.
"""

from __future__ import annotations

from typing import Any

from uitlegbaar.documents.exports.common import (
    NO_SUBGROUP_ANALYSIS,
    Missing,
    evaluation_ids,
    findings_for,
    iso,
    training_ids,
)
from uitlegbaar.evidence.declaration import Declaration
from uitlegbaar.evidence.records import DatasetRecord
from uitlegbaar.evidence.view import Evidence

CROISSANT = "http://mlcommons.org/croissant/1.1"
RAI = "http://mlcommons.org/croissant/RAI/1.0"
# The JSON-LD context of Croissant 1.1 (spec appendix 1) with the RAI and PROV prefixes and the keys
# mlcroissant 1.1 expects. schema.org is `https://` as in the 1.1 examples and mlcroissant; the appendix
# writes `http://` (a known difference between the spec text and its examples).
CONTEXT: dict[str, Any] = {
    "@language": "en",
    "annotation": "cr:annotation",
    "arrayShape": "cr:arrayShape",
    "containedIn": "cr:containedIn",
    "excludes": "cr:excludes",
    "isArray": "cr:isArray",
    "readLines": "cr:readLines",
    "sdVersion": "cr:sdVersion",
    "unArchive": "cr:unArchive",
    "value": "cr:value",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileObject": "cr:fileObject",
    "fileProperty": "cr:fileProperty",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "prov": "http://www.w3.org/ns/prov#",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
    "equivalentProperty": "cr:equivalentProperty",
}


def compile_croissant(
    evidence: Evidence, declaration: Declaration, dataset: str | None = None
) -> tuple[list[dict[str, Any]] | dict[str, Any], list[Missing]]:
    """One description per source dataset of the run (a list); with `dataset` (a name), that one's only."""
    if dataset is not None:
        chosen = [x for x in evidence.datasets if x.name == dataset]
        if not chosen:
            from uitlegbaar.errors import ConfigurationError

            names = ", ".join(sorted({x.name for x in evidence.datasets})) or "none"
            raise ConfigurationError(f"the run has no dataset {dataset!r} (it has: {names})")
        return describe(evidence, chosen[-1])
    out, missing = [], []
    for x in evidence.sources:
        described, lacking = describe(evidence, x)
        out.append(described)
        missing += lacking
    return out, missing


def describe(evidence: Evidence, x: DatasetRecord) -> tuple[dict[str, Any], list[Missing]]:
    """The Croissant description of one dataset and what its required fields lack."""
    missing = [
        Missing(f"{x.name}: license", "owner", "@ub.dataset(licence=...)"),
        Missing(f"{x.name}: datePublished", "owner", "not captured: when the data was published"),
        Missing(f"{x.name}: rai:dataCollectionTimeframe", "owner", "not captured: the period the data covers"),
    ]
    if x.licence:
        missing.pop(0)
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": [CROISSANT, RAI],
        "name": x.name,
        "description": x.description or f"{x.name}: {x.num_rows} rows × {x.num_columns} columns, as captured.",
        "identifier": f"{x.fingerprint.algorithm}:{x.fingerprint.digest}",
    }
    if x.source:
        document["url"] = x.source
    else:
        missing.append(Missing(f"{x.name}: url", "engineer", "@ub.dataset(source=...)"))
    if x.licence:
        document["license"] = x.licence
    if x.owner:
        document["creator"] = {"@type": "sc:Organization", "name": x.owner}
    else:
        missing.append(Missing(f"{x.name}: creator", "engineer", "@ub.dataset(owner=...)"))
    document["variableMeasured"] = [
        {"@type": "sc:PropertyValue", "name": c.name, "description": f"Arrow type {c.type}"} for c in x.columns
    ]
    document["rai:dataCollection"] = _collection(x)
    document["rai:personalSensitiveInformation"] = _sensitive(x)
    document["rai:dataBiases"] = " ".join(findings_for(evidence, x)) or NO_SUBGROUP_ANALYSIS
    uses = _uses(evidence, x)
    if uses:
        document["rai:dataUseCases"] = uses
    document.update(_provenance(evidence, x))
    return document, missing


def _collection(x: DatasetRecord) -> str:
    where = f" from {x.source}" if x.source else ""
    by = f" by {x.produced_by}" if x.produced_by else ""
    return f"Read{where} as {x.origin}{by}; {x.num_rows} rows, {x.num_columns} columns."


def _sensitive(x: DatasetRecord) -> str:
    parts = []
    if x.personal:
        parts.append(f"Personal data in columns {', '.join(x.personal)} (fingerprinted, never profiled).")
    if x.sensitive:
        parts.append(f"Sensitive attributes in columns {', '.join(x.sensitive)}.")
    return " ".join(parts) or "None declared when the data was captured."


def _uses(evidence: Evidence, x: DatasetRecord) -> str | None:
    model = evidence.model
    if model is None:
        return None
    uses = [u for u, ids in (("train", training_ids(evidence)), ("evaluate", evaluation_ids(evidence))) if x.id in ids]
    return f"Used to {' and '.join(uses)} the model {model.name}." if uses else None


def _provenance(evidence: Evidence, x: DatasetRecord) -> dict[str, Any]:
    """PROV-O: the capturing run as the generating activity; inputs of the producing step as sources."""
    activity: dict[str, Any] = {
        "@type": "prov:Activity",
        "@id": f"urn:uitlegbaar:run:{evidence.run_id}",
        "name": evidence.run.name,
        "prov:startedAtTime": iso(evidence.run.created),
    }
    if evidence.end is not None:
        activity["prov:endedAtTime"] = iso(evidence.end.created)
    out: dict[str, Any] = {"prov:wasGeneratedBy": activity}
    sources = [
        {"@type": "prov:Entity", "@id": f"urn:uitlegbaar:dataset:{ref.fingerprint}", "name": ref.name}
        for step in evidence.steps
        if any(o.id == x.id for o in step.outputs)
        for ref in step.inputs
    ]
    if x.source:
        sources.insert(0, {"@type": "prov:Entity", "prov:atLocation": x.source})
    if sources:
        out["prov:wasDerivedFrom"] = sources
    if x.owner:
        out["prov:wasAttributedTo"] = {"@type": "prov:Agent", "name": x.owner}
    return out
