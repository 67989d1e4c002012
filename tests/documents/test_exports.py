"""Exports of real captured runs, checked against the official schemas in ../shared/standards/lineage/
(skipped with a reason when that folder is absent) and against the libraries' own validators
(cyclonedx-python-lib's strict JSON validator, mlcroissant)."""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import uitlegbaar as ub
import uitlegbaar.capture.settings
from helpers import EXAMPLES, ROOT, cli, lineage_problems, standard
from pipelines import capture_run
from uitlegbaar.documents.exports import FORMATS, compile_export
from uitlegbaar.documents.exports.common import NO_SUBGROUP_ANALYSIS
from uitlegbaar.documents.exports.facets import FACETS_SCHEMA_FILE, FACETS_SCHEMA_URL, facets_schema
from uitlegbaar.evidence import declaration as declarations
from uitlegbaar.evidence.view import Evidence
from uitlegbaar.pipeline import load_evidence
from uitlegbaar.store import LocalStore

# The custom facets' schema is published under an immutable URL: any edit needs a new version and URL.
FACETS_SCHEMA_SHA256 = "a13fcf8e701eb18bd9075a516f758af0c1c2e15993f56d2e19fb925837f9271d"


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str, str]]:
    """One store with the example pipeline (steps, splits, per-group metrics) and the small test pipeline."""
    store = tmp_path_factory.mktemp("exports") / "store"
    uitlegbaar.capture.settings.configure(store=store)
    sys.path.insert(0, str(EXAMPLES))
    try:
        import toeslagen_pipeline

        example = toeslagen_pipeline.main(rows=2000, data_dir=tmp_path_factory.mktemp("data"))
        small = capture_run()
        yield store, example, small
    finally:
        sys.path.remove(str(EXAMPLES))
        ub.end_run()
        uitlegbaar.capture.settings.reset()


def evidence_of(runs: tuple[Path, str, str], which: int = 1) -> Evidence:
    return load_evidence(LocalStore.open(runs[0]), runs[which])


def declared() -> declarations.Declaration:
    return declarations.load(EXAMPLES / "uitlegbaar.yaml").select("toeslag-heronderzoek")


# ------------------------------------------------------------------ CycloneDX


def cyclonedx_validator() -> Any:
    from jsonschema import Draft7Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT7

    folder = standard("cyclonedx", "bom-1.6.schema.json").parent
    resources = []
    for name in ("bom-1.6.schema.json", "spdx.schema.json", "jsf-0.82.schema.json"):
        contents = json.loads((folder / name).read_text(encoding="utf-8"))
        resource = Resource.from_contents(contents, default_specification=DRAFT7)
        resources += [(name, resource), (contents.get("$id", name), resource)]
    schema = json.loads((folder / "bom-1.6.schema.json").read_text(encoding="utf-8"))
    return Draft7Validator(schema, registry=Registry().with_resources(resources))


def test_cyclonedx_bom_passes_the_official_schema_and_the_library_strict_validator(runs: tuple[Path, str, str]) -> None:
    from uitlegbaar.documents.exports.cyclonedx import validate_cyclonedx

    evidence = evidence_of(runs)
    bom = compile_export("cyclonedx", evidence, declared()).document
    assert validate_cyclonedx(bom) == []
    assert [e.message for e in cyclonedx_validator().iter_errors(bom)] == []

    by_type: dict[str, list[dict[str, Any]]] = {}
    for component in bom["components"]:
        by_type.setdefault(component["type"], []).append(component)
    (model,) = by_type["machine-learning-model"]
    card = model["modelCard"]
    assert card["modelParameters"]["approach"] == {"type": "supervised"}
    assert card["modelParameters"]["task"] == "classification"
    slices = {(m["type"], m["slice"]) for m in card["quantitativeAnalysis"]["performanceMetrics"]}
    assert ("accuracy", "split=test") in slices and ("selection_rate", "split=test, geslacht=vrouw") in slices
    assert card["considerations"]["useCases"] == declared().intended_uses
    assert "geslacht" in card["considerations"]["fairnessAssessments"][0]["groupAtRisk"]
    assert model["hashes"] == [{"alg": "SHA-256", "content": evidence.model.artifact_sha256}]  # type: ignore[union-attr]

    source = next(c for c in by_type["data"] if c["name"] == "toeslagaanvragen")
    assert source["hashes"][0]["content"] == evidence.sources[0].fingerprint.digest
    assert source["data"][0]["governance"]["owners"] == [{"organization": {"name": evidence.sources[0].owner}}]
    assert "personal data: column bsn" in source["data"][0]["sensitiveData"]
    libraries = {c["name"]: c["purl"] for c in by_type["library"]}
    assert libraries["scikit-learn"].startswith("pkg:pypi/scikit-learn@")
    refs = {r["ref"]: r.get("dependsOn", []) for r in bom["dependencies"]}
    assert f"dataset:{evidence.sources[0].id}" in refs[model["bom-ref"]]


def test_the_cyclonedx_validators_reject_a_broken_model_card(runs: tuple[Path, str, str]) -> None:
    from uitlegbaar.documents.exports.cyclonedx import validate_cyclonedx

    bom = compile_export("cyclonedx", evidence_of(runs), declared()).document
    model = next(c for c in bom["components"] if c["type"] == "machine-learning-model")
    model["modelCard"]["modelParameters"]["approach"]["type"] = "guesswork"
    assert validate_cyclonedx(bom)
    assert list(cyclonedx_validator().iter_errors(bom))


# ------------------------------------------------------------------ OpenLineage


def test_openlineage_events_pass_the_spec_and_every_facet_schema(runs: tuple[Path, str, str]) -> None:
    evidence = evidence_of(runs)
    events = compile_export("openlineage", evidence, declared()).document
    assert lineage_problems(events) == []

    by_run: dict[str, list[str]] = {}
    for event in events:
        by_run.setdefault(event["run"]["runId"], []).append(event["eventType"])
    assert all(states == ["START", "COMPLETE"] for states in by_run.values())
    assert len(by_run) == 1 + len(evidence.steps) + 1  # the pipeline, each step, the training
    parent, end = events[0], events[-1]
    assert parent["job"]["name"] == "toeslag-heronderzoek" and end["eventType"] == "COMPLETE"
    assert end["run"]["facets"]["uitlegbaar_evidence"]["evidenceDigest"] == evidence.digest
    assert end["job"]["facets"]["uitlegbaar_algorithm"]["organization"] == "Gemeente Voorbeeldstad"
    parameters = {p["key"]: p["value"] for p in end["run"]["facets"]["executionParameters"]["parameters"]}
    assert parameters["classifier__learning_rate"] == "0.1"

    (model,) = end["outputs"]
    assert model["facets"]["datasetType"]["datasetType"] == "MODEL"
    evaluation = model["facets"]["uitlegbaar_evaluation"]["evaluations"][0]
    assert set(evaluation["byGroup"]["geslacht"]) == {"man", "onbekend", "vrouw"}
    lineage = model["facets"]["columnLineage"]["fields"]
    onehot = next(v for k, v in lineage.items() if k.startswith("onehot__gemeente"))
    assert onehot["inputFields"][0]["field"] == "gemeente"
    assert onehot["inputFields"][0]["transformations"][0]["subtype"] == "TRANSFORMATION"

    (source,) = parent["inputs"]
    assert source["facets"]["version"]["datasetVersion"] == evidence.sources[0].fingerprint.digest
    assert source["facets"]["ownership"]["owners"][0]["name"] == evidence.sources[0].owner
    assert source["namespace"] == "file" and source["name"].endswith("toeslagaanvragen-2024-2025.csv")
    assert source["facets"]["uitlegbaar_dataset"]["personalColumns"] == ["aanvraag_id", "bsn", "geboortedatum", "naam"]

    features = next(e for e in events if e["job"]["name"].endswith(".make_features") and e["eventType"] == "COMPLETE")
    assert features["run"]["facets"]["parent"]["run"]["runId"] == parent["run"]["runId"]
    columns = features["outputs"][0]["facets"]["columnLineage"]["fields"]
    assert columns["inkomen"]["inputFields"][0]["name"] == source["name"]
    assert "leeftijd" not in columns  # added by the step: its inputs are unknown, so not guessed


def test_a_facet_that_breaks_its_published_schema_is_rejected(runs: tuple[Path, str, str]) -> None:
    events = compile_export("openlineage", evidence_of(runs), declared()).document
    events[-1]["run"]["facets"]["uitlegbaar_evidence"]["status"] = "half done"
    events[-1]["outputs"][0]["facets"]["uitlegbaar_model"].pop("className")
    problems = lineage_problems(events)
    assert any(p.startswith("uitlegbaar_evidence") for p in problems)
    assert any(p.startswith("uitlegbaar_model") for p in problems)


def test_the_custom_facet_schema_is_immutable_and_named_by_its_url() -> None:
    schema = facets_schema()
    assert schema["$id"] == FACETS_SCHEMA_URL and FACETS_SCHEMA_URL.endswith(FACETS_SCHEMA_FILE)
    shipped = ROOT / FACETS_SCHEMA_URL.split("/uitlegbaar/uitlegbaar/main/", 1)[1]  # where the URL says it is
    digest = hashlib.sha256(shipped.read_bytes()).hexdigest()
    assert digest == FACETS_SCHEMA_SHA256, "a published facet schema changed: add a new version instead"
    keys = {key: ref["$ref"].rsplit("/", 1)[-1] for key, ref in schema["properties"].items()}
    assert all(re.fullmatch(r"Uitlegbaar[A-Z]\w+(Run|Job|Dataset)Facet", name) for name in keys.values())
    assert all(key.startswith("uitlegbaar_") for key in keys)


def test_a_failed_run_ends_with_a_fail_event_and_its_error(store: Path) -> None:
    import pandas as pd

    @ub.dataset(name="aanvragen", source="s3://bucket/aanvragen.parquet")
    def load() -> pd.DataFrame:
        return pd.DataFrame({"inkomen": [1.0, 2.0]})

    with pytest.raises(RuntimeError), ub.run("broken") as run:
        load()
        raise RuntimeError("boom")
    events = compile_export("openlineage", load_evidence(LocalStore.open(store), run.id), declared()).document
    assert [e["eventType"] for e in events] == ["START", "FAIL"]
    assert "RuntimeError" in events[-1]["run"]["facets"]["errorMessage"]["message"]
    assert (
        events[0]["inputs"][0]["namespace"] == "s3://bucket" and events[0]["inputs"][0]["name"] == "aanvragen.parquet"
    )
    assert lineage_problems(events) == []


# ------------------------------------------------------------------ SPDX


def spdx_problems(document: dict[str, Any]) -> list[str]:
    from jsonschema import Draft202012Validator

    schema = json.loads(standard("spdx3", "spdx-3.0.1-schema.json").read_text(encoding="utf-8"))
    return [e.message for e in Draft202012Validator(schema).iter_errors(document)]


def test_spdx_document_passes_the_schema_and_links_model_and_data(runs: tuple[Path, str, str]) -> None:
    evidence = evidence_of(runs)
    document = compile_export("spdx", evidence, declared()).document
    assert spdx_problems(document) == []
    graph = {e.get("spdxId", e.get("@id")): e for e in document["@graph"]}
    (model,) = [e for e in graph.values() if e["type"] == "ai_AIPackage"]
    for key in ("releaseTime", "suppliedBy", "software_packageVersion", "software_primaryPurpose"):
        assert model[key]  # the profile's restrictions the JSON Schema does not check
    assert graph[model["suppliedBy"]]["name"] == "Gemeente Voorbeeldstad"
    links = {e["relationshipType"]: e for e in graph.values() if e["type"] == "Relationship"}
    trained = {graph[t]["name"] for t in links["trainedOn"]["to"]}
    tested = {graph[t]["name"] for t in links["testedOn"]["to"]}
    assert "toeslagaanvragen" in trained and "split_for_training.output[0]" in trained
    assert "split_for_training.output[1]" in tested and "split_for_training.output[1]" not in trained
    source = next(e for e in graph.values() if e.get("name") == "toeslagaanvragen")
    assert source["dataset_hasSensitivePersonalInformation"] == "yes"
    assert any("geslacht" in bias for bias in source["dataset_knownBias"])
    assert links["hasDeclaredLicense"]["to"] == [next(k for k, e in graph.items() if e["type"].startswith("simple"))]


def test_the_spdx_schema_rejects_an_unknown_dataset_type(runs: tuple[Path, str, str]) -> None:
    document = compile_export("spdx", evidence_of(runs), declared()).document
    dataset = next(e for e in document["@graph"] if e["type"] == "dataset_DatasetPackage")
    dataset["dataset_datasetType"] = ["spreadsheet"]
    assert spdx_problems(document)


# ------------------------------------------------------------------ Croissant


def rai_properties() -> set[str]:
    text = standard("croissant", "croissant_rai.ttl").read_text(encoding="utf-8")
    return set(re.findall(r"^rai:(\w+) a rdf:Property", text, flags=re.MULTILINE))


def croissant_11_context() -> dict[str, Any]:
    """The spec's appendix-1 context: a `"@context": {...},` member, so wrapped and its trailing comma dropped."""
    text = standard("croissant", "croissant-1.1-context.appendix1.jsonfragment").read_text(encoding="utf-8")
    member = re.sub(r",\s*}", "}", text.strip().rstrip(","))  # the spec's trailing comma, and the member's
    context: dict[str, Any] = json.loads("{" + member + "}")["@context"]
    return context


def test_croissant_descriptions_load_in_mlcroissant_and_use_only_rai_terms(runs: tuple[Path, str, str]) -> None:
    mlc = pytest.importorskip("mlcroissant", reason="mlcroissant is not installed (pip install -e '.[test]')")
    evidence = evidence_of(runs)
    exported = compile_export("croissant", evidence, declared())
    (description,) = exported.document
    dataset = mlc.Dataset(jsonld=description)  # raises mlcroissant.ValidationError on an error
    assert dataset.metadata.name == "toeslagaanvragen"

    used = {k.removeprefix("rai:") for k in description if k.startswith("rai:")}
    assert used and used <= rai_properties()  # mlcroissant does not check RAI membership; this does
    assert "dataCollectionTimeframe" not in used  # not captured: reported, never invented
    assert {str(m) for m in exported.missing} >= {
        "missing toeslagaanvragen: rai:dataCollectionTimeframe: the owner supplies it "
        "(not captured: the period the data covers)"
    }
    expected = croissant_11_context()
    assert expected.keys() <= description["@context"].keys()
    differing = {k for k, v in expected.items() if description["@context"][k] != v}
    assert differing == {"@vocab", "sc"}  # schema.org: https:// as in the 1.1 examples and mlcroissant
    assert description["@context"]["sc"] == expected["sc"].replace("http://", "https://")
    assert "geslacht" in description["rai:dataBiases"] and "ratio" in description["rai:dataBiases"]
    assert "bsn" in description["rai:personalSensitiveInformation"]
    assert description["identifier"].endswith(evidence.sources[0].fingerprint.digest)


def test_croissant_says_so_when_no_subgroup_analysis_was_recorded(store: Path) -> None:
    import pandas as pd

    @ub.dataset(name="aanvragen", source="s3://bucket/aanvragen.parquet", sensitive=["geslacht"])
    def load() -> pd.DataFrame:
        return pd.DataFrame({"geslacht": ["v", "m"], "inkomen": [1.0, 2.0]})

    with ub.run("no groups") as run:
        load()
    evidence = load_evidence(LocalStore.open(store), run.id)
    (description,) = compile_export("croissant", evidence, declarations.Declaration()).document
    assert description["rai:dataBiases"] == NO_SUBGROUP_ANALYSIS
    cyclonedx = compile_export("cyclonedx", evidence, declarations.Declaration())
    assert cyclonedx.missing == []  # no model: no model card to be incomplete


# ------------------------------------------------------------------ the command


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_same_run_exports_to_the_same_bytes(runs: tuple[Path, str, str], tmp_path: Path, fmt: str) -> None:
    store, example, _ = runs
    outputs = []
    for name in ("first", "second"):
        target = tmp_path / f"{name}.json"
        done = cli(
            "export",
            example,
            "--to",
            fmt,
            "-o",
            str(target),
            "--declaration",
            str(EXAMPLES / "uitlegbaar.yaml"),
            store=store,
        )
        assert done.returncode == 0, done.stderr
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1] and len(outputs[0]) > 1000


def test_openlineage_file_and_console_transports_write_the_same_events(
    runs: tuple[Path, str, str], tmp_path: Path
) -> None:
    store, example, _ = runs
    target = tmp_path / "events.jsonl"
    written = cli("export", example, "--to", "openlineage", "-o", str(target), store=store)
    printed = cli("export", example, "--to", "openlineage", store=store)
    assert written.returncode == printed.returncode == 0, written.stderr + printed.stderr
    assert printed.stdout == target.read_text(encoding="utf-8")
    events = [json.loads(line) for line in printed.stdout.splitlines()]
    assert lineage_problems(events) == []
    assert all(e["producer"].startswith("https://") for e in events)


def test_export_reports_what_is_missing_and_refuses_bad_usage(runs: tuple[Path, str, str], tmp_path: Path) -> None:
    store, _, small = runs
    done = cli("export", small, "--to", "cyclonedx", "--declaration", str(tmp_path / "absent.yaml"), store=store)
    assert done.returncode == 2
    empty = tmp_path / "uitlegbaar.yaml"
    empty.write_text("organization: Gemeente Voorbeeldstad\n", encoding="utf-8")
    done = cli("export", small, "--to", "cyclonedx", "--declaration", str(empty), store=store)
    assert done.returncode == 0 and json.loads(done.stdout)["bomFormat"] == "CycloneDX"
    assert "note: missing considerations.useCases: the owner supplies it" in done.stderr
    wrong = cli("export", small, "--to", "spdx", "--url", "http://127.0.0.1:9", store=store)
    assert wrong.returncode == 2 and wrong.stderr.strip() == "Error: --url applies to --to openlineage only"
    unknown = cli("export", small, "--to", "croissant", "--dataset", "nope", store=store)
    assert unknown.returncode == 2 and "has no dataset 'nope'" in unknown.stderr
