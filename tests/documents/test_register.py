"""Algoritmeregister entries compiled from a real captured run, checked by the register's rules, the official
submission-API schema, hostile input, the register's CSV layout and the command line."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from helpers import ROOT
from pipelines import BSNS, capture_run
from uitlegbaar.documents.card.compile import compile_card
from uitlegbaar.documents.register import compile_entry, errors, strip_html, to_csv, validate_entry
from uitlegbaar.errors import ConfigurationError
from uitlegbaar.evidence.declaration import Declaration, Reference, load
from uitlegbaar.evidence.view import Evidence
from uitlegbaar.pipeline import compile_run, load_evidence
from uitlegbaar.standards import algoritmeregister as ar
from uitlegbaar.store import LocalStore

STANDARDS = ROOT.parent / "shared" / "standards"
REGISTER = STANDARDS / "algoritmeregister"
EXAMPLE_DECLARATION = ROOT / "examples" / "uitlegbaar.yaml"
EXECUTABLE = str(Path(sys.executable).with_name("uitlegbaar"))

# The example payloads of notes/algoritmeregister.md §10 (both pass the register's own validation there).
MINIMAL = {
    "name": "X",
    "description_short": "Y",
    "organization": "Gemeente Noorderhaaks",
    "status": "In ontwikkeling",
    "contact_email": "algoritmes@gemeentenoorderhaaks.nl",
    "publication_category": "Overige algoritmes",
    "lang": "nld",
}
FULL: dict[str, Any] = {
    "name": "Voorspellen van verkeersdrukte op de ringweg",
    "description_short": "Dit algoritme voorspelt hoe druk het wordt op de ringweg, zodat de verkeerslichten beter "
    "kunnen worden afgesteld.",
    "organization": "Gemeente Noorderhaaks",
    "category": ["Verkeer", "Ruimte en infrastructuur"],
    "status": "In gebruik",
    "begin_date": "2024-03",
    "end_date": None,
    "contact_email": "algoritmes@gemeentenoorderhaaks.nl",
    "website": "https://www.gemeentenoorderhaaks.nl/verkeer/slimme-verkeerslichten",
    "publication_category": "Impactvolle algoritmes",
    "url": None,
    "goal": "<p>Het doel is ...</p>",
    "proportionality": "<p>Voordelen ... nadelen ... alternatieven ...</p>",
    "human_intervention": "<p>Een verkeersregelaar controleert ...</p>",
    "risks": "<ul><li>Risico op ...</li><li>Maatregel ...</li></ul>",
    "lawful_basis": "<p>Het algoritme wordt ingezet voor taken uit de Wegenverkeerswet 1994.</p>",
    "lawful_basis_grouping": [{"title": "Wegenverkeerswet 1994", "link": "https://wetten.overheid.nl/BWBR0006622"}],
    "process_index_url": None,
    "impacttoetsen_grouping": [
        {"title": "Data Protection Impact Assessment (DPIA)", "link": None},
        {
            "title": "Impact Assessment Mensenrechten en Algoritmes (IAMA)",
            "link": "https://www.gemeentenoorderhaaks.nl/iama-verkeer.pdf",
        },
    ],
    "impacttoetsen": None,
    "source_data": "<p>Sensordata van verkeerslussen (geen persoonsgegevens) ...</p>",
    "source_data_grouping": [
        {"title": "Verkeerslusdata 2019-2023", "link": "https://data.gemeentenoorderhaaks.nl/verkeerslussen"}
    ],
    "methods_and_models": "<p>Gradient-boosted regressiemodel (LightGBM), getraind op ... Het model is niet zelflerend "
    "in productie; hertraining per kwartaal ...</p>",
    "provider": "Intern ontwikkeld",
    "publiccode": "https://github.com/gemeentenoorderhaaks/verkeersvoorspelling",
    "lang": "nld",
    "standard_version": "1.0",
    "source_id": "ML-PIPE-0042",
    "tags": "verkeer, verkeerslichten, voorspelling, machine learning",
}


# ------------------------------------------------------------------ fixtures


@pytest.fixture
def evidence(store: Path) -> Evidence:
    run_id = capture_run()
    return load_evidence(LocalStore.open(store), run_id)


@pytest.fixture
def declared() -> Declaration:
    return load(EXAMPLE_DECLARATION).select("toeslag-heronderzoek")


def standards_file(*parts: str) -> Path:
    path = STANDARDS.joinpath(*parts)
    if not path.is_file():
        pytest.skip(f"reference data not found at {path} (../shared/standards from the project root)")
    return path


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    return json.loads(standards_file("algoritmeregister", "openapi", "aanleverapi-v1_0.openapi.json").read_text())


@pytest.fixture(scope="module")
def register_config() -> dict[str, Any]:
    return json.loads(standards_file("algoritmeregister", "register-config", "v1_0.json").read_text())


@pytest.fixture(scope="module")
def algorithm_in(openapi: dict[str, Any]) -> Any:
    """A JSON Schema validator for the official `AlgorithmIn`, its `$ref`s resolved within the OpenAPI document.

    The generated spec types the enum fields as `"type": "enum"` (the register config's own type name,
    unknown to JSON Schema); it is read here as "a string", which the referenced enum then restricts.
    """
    jsonschema = pytest.importorskip("jsonschema")
    referencing = pytest.importorskip("referencing")
    from referencing.jsonschema import DRAFT202012

    uri = "urn:algoritmeregister:aanleverapi-v1_0"
    registry = referencing.Registry().with_resource(uri, DRAFT202012.create_resource(openapi))
    checker = jsonschema.Draft202012Validator.TYPE_CHECKER.redefine("enum", lambda _, value: isinstance(value, str))
    validator = jsonschema.validators.extend(jsonschema.Draft202012Validator, type_checker=checker)
    return validator({"$ref": f"{uri}#/components/schemas/AlgorithmIn"}, registry=registry)


def schema_errors(validator: Any, payload: dict[str, Any]) -> list[str]:
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(payload)]


# ------------------------------------------------------------------ a real run becomes a valid entry


def test_an_entry_compiled_from_a_real_run_is_valid_for_the_register(
    evidence: Evidence, declared: Declaration, algorithm_in: Any
) -> None:
    built = compile_entry(compile_card(evidence, declared), evidence, declared)
    entry = built.payload()
    assert validate_entry(entry) == []
    assert schema_errors(algorithm_in, entry) == []
    assert list(entry) == [f for f in ar.FIELDS if f in entry]  # the API's order, nothing else
    assert entry["lang"] == "nld" and entry["standard_version"] == "1.0"
    assert entry["name"] == declared.name and entry["status"] == "In ontwikkeling"
    assert entry["category"] == ["Sociale zekerheid", "Werk"]
    assert entry["lawful_basis_grouping"] == [
        {"title": "Participatiewet", "link": "https://wetten.overheid.nl/BWBR0015703"}
    ]
    assert entry["impacttoetsen_grouping"] == [{"title": "Data Protection Impact Assessment (DPIA)"}]
    source_data = strip_html(entry["source_data"])
    assert "aanvragen: 60 rijen en 5 kolommen" in source_data
    assert "bsn (burgerservicenummer)" in source_data and "Gevoelige kenmerken: geslacht" in source_data
    assert not any(bsn in json.dumps(entry) for bsn in BSNS)  # categories of personal data, never values
    methods = strip_html(entry["methods_and_models"])
    assert "Het model is niet zelflerend:" in methods and "LogisticRegression" in methods
    assert "2 kenmerken: inkomen, leeftijd" in methods and "Evaluatie op de testset (60 rijen)" in methods
    assert "de belangrijkste kenmerken zijn" in methods
    risks = strip_html(entry["risks"])
    assert risks.startswith(declared.risks or "?")
    assert "geslacht, selectiepercentage (testset): man" in risks and "verhouding laagste/hoogste" in risks
    assert [n.field for n in built.notes] == []  # self-learning is a declared claim the evidence confirms


def test_build_entry_finds_the_run_and_the_declaration_as_the_cli_does(store: Path) -> None:
    run_id = capture_run()
    built = compile_run(LocalStore.open(store), run_id[:10], "register", declaration=EXAMPLE_DECLARATION).document
    assert built.entry["name"] == "Selecteren van toeslagaanvragen voor heronderzoek"
    assert errors(validate_entry(built.payload())) == []


def test_hostile_names_captured_in_a_real_run_are_quoted_as_text(store: Path, declared: Declaration) -> None:
    long_column = "kolom " * 400
    run_id = capture_run(dataset="<script>alert('x')</script>", columns=("inkomen & <i>toeslag</i>", long_column))
    evidence = load_evidence(LocalStore.open(store), run_id)
    entry = compile_entry(compile_card(evidence, declared), evidence, declared).payload()
    assert errors(validate_entry(entry)) == []
    assert "<script>" not in entry["source_data"] and "&lt;script&gt;" in entry["source_data"]
    assert "inkomen & <i>toeslag</i>" in strip_html(entry["methods_and_models"])
    assert long_column not in strip_html(entry["methods_and_models"])  # quoted names are shortened


# ------------------------------------------------------------------ the encoded facts are the official ones


def test_the_encoded_limits_and_field_sets_match_the_official_files(
    openapi: dict[str, Any], register_config: dict[str, Any]
) -> None:
    schemas = openapi["components"]["schemas"]
    fields = schemas["AlgorithmIn"]["properties"]
    config = register_config["properties"]
    assert {
        k: v["max_length_without_html"] for k, v in fields.items() if "max_length_without_html" in v
    } == ar.MAX_LENGTH
    assert {k: v["max_length"] for k, v in config.items() if "max_length" in v} == ar.MAX_LENGTH
    assert tuple(fields) == ar.FIELDS
    assert set(ar.REQUIRED) == set(schemas["AlgorithmIn"]["required"])
    assert set(ar.REQUIRED) == {k for k, v in config.items() if v.get("required") is True}
    assert set(ar.RICH_TEXT) == {k for k, v in fields.items() if "allowed_html_tags" in v}
    assert {tuple(v["allowed_html_tags"]) for v in fields.values() if "allowed_html_tags" in v} == {
        ar.ALLOWED_HTML_TAGS
    }
    enums = {
        field: schemas[f"v1_0__Enum{''.join(w.capitalize() for w in field.split('_'))}"]["enum"] for field in ar.ENUMS
    }
    assert enums == {field: list(values) for field, values in ar.ENUMS.items()}
    assert list(ar.THEMES) == schemas["v1_0__EnumCategory"]["enum"] == config["category"]["permitted_values"]
    for field in ar.GROUPING_REQUIRED:
        item = schemas[f"v1_0__Object{''.join(w.capitalize() for w in field.split('_'))}"]
        assert set(ar.GROUPING_REQUIRED[field]) == set(item["required"])
        limits = {k: v.get("max_length_without_html") for k, v in item["properties"].items()}
        assert ar.GROUPING_MAX_LENGTH[field] == limits
    suggestions = schemas["v1_0__ObjectImpacttoetsenGrouping"]["properties"]["title"]["recommended_items"]
    assert list(ar.IMPACT_ASSESSMENTS) == suggestions


def test_the_csv_columns_are_the_registers_export_columns() -> None:
    samples = sorted((REGISTER / "examples" / "export-samples").glob("*.csv"))
    if not samples:
        pytest.skip(f"reference data not found at {REGISTER / 'examples' / 'export-samples'} (../shared/standards)")
    sample = samples[0]
    header = next(csv.reader(io.StringIO(sample.read_text(encoding="utf-8-sig"))))
    # the 2024 sample predates the two columns the export has added since (§8)
    assert list(ar.CSV_COLUMNS) == [*header, "algorithm_id", "publication_dt"]
    assert set(ar.CSV_COLUMNS) - {"algorithm_id"} == set(ar.FIELDS) - {"lars"}


# ------------------------------------------------------------------ the register's rules


def test_the_example_payloads_pass(algorithm_in: Any) -> None:
    assert errors(validate_entry(MINIMAL)) == [] and schema_errors(algorithm_in, MINIMAL) == []
    assert validate_entry(FULL) == []
    # The register accepts null for optional fields, but the generated spec puts `"type": "string"` beside
    # each `anyOf [string, null]`, so a strict JSON Schema validator rejects the nulls. That is why compiled
    # entries leave unknown fields out instead of sending null.
    assert {e.split(":")[0] for e in schema_errors(algorithm_in, FULL)} == {
        "end_date",
        "url",
        "process_index_url",
        "impacttoetsen",
        "impacttoetsen_grouping",  # its item link: null
    }
    without_nulls = {k: v for k, v in FULL.items() if v is not None}
    without_nulls["impacttoetsen_grouping"] = [
        {k: v for k, v in x.items() if v} for x in FULL["impacttoetsen_grouping"]
    ]
    assert schema_errors(algorithm_in, without_nulls) == []


FAILING = [
    # (change to a valid entry, field, rule, severity)
    ({"name": None}, "name", "required", "error"),
    ({"status": "in gebruik"}, "status", "enum", "error"),
    ({"lang": "NLD"}, "lang", "enum", "error"),
    ({"standard_version": "1.0.0"}, "standard_version", "enum", "error"),
    ({"publication_category": "Impactvolle algoritmes (Categorie B)"}, "publication_category", "enum", "error"),
    ({"category": ["Verkeer", "Bestuur"]}, "category[1]", "enum", "error"),
    ({"description_short": "a" * 401}, "description_short", "max_length", "error"),
    ({"goal": "<p>" + "a" * 2501 + "</p>"}, "goal", "max_length", "error"),
    ({"name": "<b>Naam</b>"}, "name", "html", "error"),
    ({"goal": "<p>Doel.</p><script>alert(1)</script>"}, "goal", "html", "error"),
    ({"goal": '<p class="x">Doel.</p>'}, "goal", "html_attributes", "error"),
    ({"name": "   "}, "name", "empty_text", "error"),
    ({"name": 42}, "name", "type", "error"),
    ({"tags": "a" * 2500}, "tags", "db_column", "error"),
    ({"source_data_grouping": [{"title": "BRP"}]}, "source_data_grouping[0].link", "required", "error"),
    (
        {"lawful_basis_grouping": [{"link": "https://wetten.overheid.nl/x"}]},
        "lawful_basis_grouping[0].title",
        "required",
        "error",
    ),
    (
        {"lawful_basis_grouping": [{"title": "t" * 101, "link": "https://x.nl"}]},
        "lawful_basis_grouping[0].title",
        "max_length",
        "error",
    ),
    ({"website": "http://www.gemeentenoorderhaaks.nl"}, "website", "https", "warning"),
    (
        {"source_data_grouping": [{"title": "BRP", "link": "www.brp.nl"}]},
        "source_data_grouping[0].link",
        "https",
        "warning",
    ),
    ({"begin_date": "2025-3"}, "begin_date", "month", "warning"),
    ({"status": "In gebruik", "end_date": "2025-01"}, "end_date", "end_date", "warning"),
    ({"contact_email": "jan.jansen@gemeentenoorderhaaks.nl"}, "contact_email", "personal_email", "warning"),
    ({"contact_email": "toeslagen.voorbeeldstad@gmail.com"}, "contact_email", "personal_email", "warning"),
    ({"contact_email": "bel 14 020"}, "contact_email", "contact", "warning"),
    (
        {"impacttoetsen_grouping": [{"title": "AI Impact Assesment (AIIA)"}]},
        "impacttoetsen_grouping[0].title",
        "impact_title",
        "warning",
    ),
    ({"methods_and_models": "<p>Een beslisboom.</p>"}, "methods_and_models", "self_learning", "warning"),
    ({"description_short": ""}, "description_short", "empty", "warning"),
    ({"descripton_short": "typo"}, "descripton_short", "unknown_field", "warning"),
]


@pytest.mark.parametrize(("change", "field", "rule", "severity"), FAILING, ids=[f"{f[1]}-{f[2]}" for f in FAILING])
def test_each_rule_has_a_failing_case(change: dict[str, Any], field: str, rule: str, severity: str) -> None:
    entry = {**MINIMAL, "standard_version": "1.0", **change}
    entry = {k: v for k, v in entry.items() if not (v is None and k in change and k in ar.REQUIRED)}
    found = [p for p in validate_entry(entry) if (p.field, p.rule) == (field, rule)]
    assert found, validate_entry(entry)
    assert found[0].severity == severity
    assert all(p.value is None or len(p.value) <= 80 for p in validate_entry(entry))  # values shown shortened


def test_a_problem_names_the_field_the_limit_and_the_value() -> None:
    (problem,) = validate_entry({**MINIMAL, "standard_version": "1.0", "description_short": "Lang. " * 67})
    assert (problem.field, problem.rule, problem.severity) == ("description_short", "max_length", "error")
    assert "402 characters without HTML" in problem.message and "at most 400" in problem.message
    assert problem.value is not None and problem.value.startswith("'Lang. Lang.") and problem.value.endswith("…")
    assert str(problem).startswith("error: description_short: is 402 characters")


def test_lengths_are_counted_without_html_as_the_register_counts_them() -> None:
    base = {**MINIMAL, "standard_version": "1.0"}
    assert validate_entry({**base, "description_short": "&amp;" * 400}) == []  # 400 characters once unescaped
    rich = "<ul>" + "".join(f"<li>{'a' * 99}</li>" for i in range(25)) + "</ul>"  # 25 × 99 + 24 spaces = 2499
    assert len(strip_html(rich)) == 2499 and validate_entry({**base, "goal": rich}) == []
    # measured against lxml 4.9.4, the version the register pins: text nodes joined by single spaces
    assert strip_html("<b>Hi</b> there") == "Hi  there"
    assert strip_html("<p>a</p>\n<p>b</p>") == "a \n b"
    assert strip_html("AT&amp;T") == "AT&T"
    assert strip_html("<script>x</script>y") == "x y"
    assert strip_html("\n\n  <p>a</p>") == "a"


# ------------------------------------------------------------------ compiling: shortening, notes, refusals


def test_text_over_a_limit_is_shortened_at_a_sentence_boundary_with_a_note(
    evidence: Evidence, declared: Declaration
) -> None:
    sentences = [f"Dit is zin nummer {i} van de korte omschrijving." for i in range(12)]
    long = " ".join(sentences)
    goal = " ".join(f"Doelzin {i} legt uit waarom het algoritme bestaat." for i in range(80))
    d = declared.model_copy(update={"description_short": long, "goal": goal})
    built = compile_entry(compile_card(evidence, d), evidence, d)
    short = built.entry["description_short"]
    assert len(long) > 400 >= len(short) and long.startswith(short) and short.endswith("omschrijving.")
    assert long[len(short)] == " "  # cut where a sentence ends, never inside a word
    assert len(strip_html(built.entry["goal"])) <= 2500 and strip_html(built.entry["goal"]).endswith("bestaat.")
    notes = {n.field: n.message for n in built.notes}
    assert "at a sentence boundary" in notes["description_short"] and "400" in notes["description_short"]
    assert "at a sentence boundary" in notes["goal"]
    assert errors(validate_entry(built.payload())) == []


def test_generated_text_is_shortened_to_fit_and_keeps_the_self_learning_statement(
    evidence: Evidence, declared: Declaration
) -> None:
    many = [
        e.model_copy(update={"split": f"fold-{i}", "metrics": {f"metric_{j}": j / 7 for j in range(10)}})
        for e in evidence.evaluations
        for i in range(120)
    ]
    busy = dataclasses.replace(evidence, evaluations=many)
    built = compile_entry(compile_card(busy, declared), busy, declared)
    methods = strip_html(built.entry["methods_and_models"])
    assert len(methods) <= 5000 and "Het model is niet zelflerend:" in methods
    assert methods.endswith(f"modelkaart van run {busy.run_id[:12]}.")
    assert any(n.field == "methods_and_models" and "left out the last" in n.message for n in built.notes)
    assert errors(validate_entry(built.payload())) == []


def test_references_without_a_required_link_are_left_out_with_a_note(evidence: Evidence, declared: Declaration) -> None:
    d = declared.model_copy(
        update={
            "source_data_grouping": [
                Reference(title="Gegevenscatalogus"),
                Reference(title="Basisregistratie Personen", link="https://www.rvig.nl/brp"),
            ],
            "impacttoetsen_grouping": [Reference(title="Eigen toets"), Reference(title="Pre-scan DPIA")],
        }
    )
    built = compile_entry(compile_card(evidence, d), evidence, d)
    assert built.entry["source_data_grouping"] == [
        {"title": "Basisregistratie Personen", "link": "https://www.rvig.nl/brp"}
    ]
    assert any(n.field == "source_data_grouping[0]" and "requires a link" in n.message for n in built.notes)
    assert built.entry["impacttoetsen_grouping"] == [{"title": "Eigen toets"}, {"title": "Pre-scan DPIA"}]
    warnings = [p for p in validate_entry(built.payload()) if p.rule == "impact_title"]
    assert [p.field for p in warnings] == ["impacttoetsen_grouping[0].title"]


def test_missing_declared_fields_are_left_out_for_validation_to_report(evidence: Evidence) -> None:
    built = compile_entry(compile_card(evidence, Declaration()), evidence, Declaration())
    assert {"name", "organization", "status"}.isdisjoint(built.entry)
    assert {p.field for p in errors(validate_entry(built.payload()))} == set(ar.REQUIRED) - {"lang"}


def test_a_declaration_the_register_would_reject_raises_one_clear_error(
    evidence: Evidence, declared: Declaration
) -> None:
    d = declared.model_copy(
        update={"name": "<b>Toeslagen</b>", "goal": "<p onclick='x()'>Doel</p>", "website": "x" * 501}
    )
    with pytest.raises(ConfigurationError) as caught:
        compile_entry(compile_card(evidence, d), evidence, d)
    lines = str(caught.value).splitlines()
    assert lines[0] == "the declaration cannot become a register entry:"
    assert [line.split(": ")[1] for line in lines[1:]] == ["name", "website", "goal"]
    assert "may not contain HTML (<b>)" in lines[1] and "at most 500" in lines[2] and "attributes" in lines[3]


# ------------------------------------------------------------------ hostile input never yields a rejected entry

PIECES = st.sampled_from(
    [
        "<script>alert(1)</script>",
        "<b>vet</b>",
        "<p onclick='x'>alinea</p>",
        "<p>",
        "</ul>",
        "<!-- commentaar -->",
        "a < b & c > d",
        "&lt;script&gt;",
        "&amp;",
        "<",
        "\x00",
        "\x0b",
        "\ufffe",
        "\ud800",
        " ",
        "\n\n",
        "Zin één. ",
        "Vraag? ",
        "é",
        "💡",
        "\u200b",
        "https://",
        "jan.jansen@gmail.com",
    ]
)
HOSTILE = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(PIECES, st.text(max_size=20)), max_size=30).map("".join),
    st.builds(
        lambda piece, n: piece * n,
        st.sampled_from(["a", "Zin. ", "<", "&", "é ", "woord ", "<p>x</p>"]),
        st.integers(1, 10_000),
    ),
)
DECLARED_TEXT = (
    "name",
    "description_short",
    "organization",
    "contact_email",
    "website",
    "url",
    "process_index_url",
    "provider",
    "publiccode",
    "source_id",
    "goal",
    "proportionality",
    "human_intervention",
    "risks",
    "lawful_basis",
    "impacttoetsen",
)
GROUPINGS = ("lawful_basis_grouping", "impacttoetsen_grouping", "source_data_grouping")


def hostile_evidence(evidence: Evidence, text: str) -> Evidence:
    """The captured evidence with every name a pipeline chooses replaced by `text`."""
    model = evidence.models[-1]
    return dataclasses.replace(
        evidence,
        datasets=[
            d.model_copy(
                update={"name": text, "personal": [text], "sensitive": [text], "source": text, "description": text}
            )
            for d in evidence.datasets
        ],
        models=[
            model.model_copy(
                update={"features": [text, f"{text}2"], "function": text, "class_name": text, "library": text}
            )
        ],
        evaluations=[
            e.model_copy(
                update={
                    "split": text,
                    "metrics": {text: 0.5},
                    "by_group": {text: {text: {"selection_rate": 0.2}, f"{text}2": {text: 0.4}}},
                }
            )
            for e in evidence.evaluations
        ],
        explanations=[x.model_copy(update={"method": text, "importances": {text: 1.0}}) for x in evidence.explanations],
    )


def test_hostile_text_gives_a_valid_entry_or_one_clear_configuration_error(
    evidence: Evidence, declared: Declaration, algorithm_in: Any
) -> None:
    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(
        fields=st.dictionaries(st.sampled_from(DECLARED_TEXT), HOSTILE, max_size=4),
        grouping=st.none() | st.tuples(st.sampled_from(GROUPINGS), HOSTILE, HOSTILE | st.none()),
        tags=st.lists(HOSTILE, max_size=3),
        names=st.none() | HOSTILE,
    )
    def check(
        fields: dict[str, str], grouping: tuple[str, str, str | None] | None, tags: list[str], names: str | None
    ) -> None:
        update: dict[str, Any] = {**fields, "tags": tags}
        if grouping is not None:
            key, title, link = grouping
            update[key] = [Reference.model_construct(title=title, link=link)]
        d = declared.model_copy(update=update)
        run = evidence if names is None else hostile_evidence(evidence, names)
        try:
            built = compile_entry(compile_card(run, d), run, d)
        except ConfigurationError as exc:
            event("refused with a ConfigurationError")
            assert str(exc).startswith("the declaration cannot become a register entry:\n")
            assert fields or grouping or tags, "captured names alone must never make compilation fail"
            return
        entry = built.payload()
        event("compiled" + (" and shortened" if any("shortened" in n.message for n in built.notes) else ""))
        json.dumps(entry, ensure_ascii=False).encode("utf-8")  # it can be sent
        blank = {f for f, v in fields.items() if f in ar.REQUIRED and not v.strip()}
        assert [p for p in errors(validate_entry(entry)) if not (p.rule == "required" and p.field in blank)] == []
        if not blank:
            assert schema_errors(algorithm_in, entry) == []
        for field in ar.RICH_TEXT:
            assert "<script" not in entry.get(field, "")

    check()


# ------------------------------------------------------------------ the register's CSV layout


def test_the_csv_has_the_bom_the_1_0_header_and_one_row(evidence: Evidence, declared: Declaration) -> None:
    entry = compile_entry(compile_card(evidence, declared), evidence, declared).payload()
    data = to_csv([{**entry, "lars": "12345678"}])
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == ",".join(f'"{c}"' for c in ar.CSV_COLUMNS)
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert tuple(header) == ar.CSV_COLUMNS and len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert all(line.startswith('"') and line.endswith('"') for line in lines)  # every cell quoted
    assert row["category"] == "Sociale zekerheid, Werk"
    assert row["lawful_basis_grouping"] == "1: Participatiewet, https://wetten.overheid.nl/BWBR0015703"
    assert row["impacttoetsen_grouping"] == "1: Data Protection Impact Assessment (DPIA)"
    assert row["algorithm_id"] == "12345678" and row["publication_dt"] == "" and row["website"] == ""
    assert "<p>" not in row["methods_and_models"] and "\n" not in row["source_data"]
    assert "&lt;" not in row["methods_and_models"]  # entities unescaped, as the register exports them
    assert row["methods_and_models"].startswith("Het algoritme gebruikt een model van het type LogisticRegression")
    two = to_csv([FULL, {**FULL, "impacttoetsen_grouping": [{"title": "A", "link": "https://a.nl"}, {"title": "B"}]}])
    last = list(csv.reader(io.StringIO(two.decode("utf-8-sig"))))[-1]
    assert last[ar.CSV_COLUMNS.index("impacttoetsen_grouping")] == "1: A, https://a.nl. 2: B"


# ------------------------------------------------------------------ the command line


def cli(*args: str, store: Path | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    if store is not None:
        env["UITLEGBAAR_STORE"] = str(store)
    return subprocess.run([EXECUTABLE, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


def test_the_register_and_validate_commands(store: Path, tmp_path: Path) -> None:
    capture_run()
    out = tmp_path / "entry.json"
    unclaimed = yaml.safe_load(EXAMPLE_DECLARATION.read_text(encoding="utf-8"))  # notes go to standard error:
    del unclaimed["algorithms"]["toeslag-heronderzoek"]["claims"]  # without a self-learning claim there is one
    (tmp_path / "uitlegbaar.yaml").write_text(yaml.safe_dump(unclaimed, allow_unicode=True), encoding="utf-8")
    done = cli("register", "latest", "-o", str(out), "--declaration", str(tmp_path / "uitlegbaar.yaml"), store=store)
    assert done.returncode == 0, done.stderr
    assert "note: methods_and_models" in done.stderr and done.stdout.strip() == f"wrote {out}"
    assert errors(validate_entry(json.loads(out.read_text()))) == []
    checked = cli("validate", str(out))  # the handbook asks to say whether it is self-learning: a warning
    assert checked.returncode == 0 and checked.stdout.strip().splitlines()[-1].startswith("OK: 0 error(s)")

    as_csv = tmp_path / "entry.csv"
    done = cli(
        "register",
        "latest",
        "--format",
        "csv",
        "-o",
        str(as_csv),
        "--declaration",
        str(EXAMPLE_DECLARATION),
        store=store,
    )
    assert done.returncode == 0 and as_csv.read_bytes().startswith(b'\xef\xbb\xbf"name","organization"')
    printed = cli("register", "latest", "--declaration", str(EXAMPLE_DECLARATION), store=store)
    assert json.loads(printed.stdout)["lang"] == "nld"


def test_an_entry_the_register_would_reject_is_not_written_without_force(store: Path, tmp_path: Path) -> None:
    capture_run()
    incomplete = tmp_path / "uitlegbaar.yaml"
    incomplete.write_text("name: Toeslagen\nstatus: In gebruik\n")
    out = tmp_path / "entry.json"
    refused = cli("register", "latest", "-o", str(out), "--declaration", str(incomplete), store=store)
    assert refused.returncode == 1 and not out.exists()
    assert "error: organization: is required" in refused.stderr and "--force" in refused.stderr
    assert "Traceback" not in refused.stderr
    forced = cli("register", "latest", "-o", str(out), "--declaration", str(incomplete), "--force", store=store)
    assert forced.returncode == 1 and out.exists()
    report = cli("validate", str(out), "--json")
    assert report.returncode == 1
    parsed = json.loads(report.stdout)
    assert parsed["ok"] is False and parsed["errors"] == 4
    assert {p["field"] for p in parsed["problems"] if p["severity"] == "error"} == {
        "description_short",
        "organization",
        "contact_email",
        "publication_category",
    }


def test_validate_reports_bad_input_in_one_line_with_exit_2(tmp_path: Path) -> None:
    broken = tmp_path / "entry.json"
    broken.write_text("{")
    done = cli("validate", str(broken))
    assert done.returncode == 2 and done.stderr.startswith(f"Error: {broken} is not valid JSON (line 1")
    assert cli("validate", str(tmp_path / "missing.json")).returncode == 2
    listed = tmp_path / "list.json"
    listed.write_text("[]")
    assert cli("validate", str(listed)).returncode == 1


def test_validate_reads_the_csv_that_register_writes(store: Path, tmp_path: Path) -> None:
    capture_run()
    as_csv = tmp_path / "entry.csv"
    done = cli(
        "register",
        "latest",
        "--format",
        "csv",
        "-o",
        str(as_csv),
        "--declaration",
        str(EXAMPLE_DECLARATION),
        store=store,
    )
    assert done.returncode == 0, done.stderr
    checked = cli("validate", str(as_csv))
    assert checked.returncode == 0 and checked.stdout.strip().splitlines()[-1].startswith("OK: 0 error(s)"), (
        checked.stdout
    )
    wrong = tmp_path / "other.csv"
    wrong.write_text("a,b\n1,2\n", encoding="utf-8")
    refused = cli("validate", str(wrong))
    assert refused.returncode == 1 and "name: is required by the register" in refused.stdout
