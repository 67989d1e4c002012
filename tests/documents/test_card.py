"""Model cards compiled from a real captured run and a real uitlegbaar.yaml, in Markdown and JSON."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT
from pipelines import capture_run
from uitlegbaar.documents.card.compile import compile_card
from uitlegbaar.documents.card.model import ModelCard, card_json_schema
from uitlegbaar.documents.card.render import render_card as render
from uitlegbaar.documents.starter import starter
from uitlegbaar.errors import ConfigurationError
from uitlegbaar.evidence.declaration import Declaration, load
from uitlegbaar.pipeline import compile_run, load_evidence
from uitlegbaar.store import LocalStore

EXAMPLE_DECLARATION = ROOT / "examples" / "uitlegbaar.yaml"
EXECUTABLE = str(Path(sys.executable).with_name("uitlegbaar"))


def train_run(store: Path, c: float = 1.0) -> str:
    return capture_run(c=c)


@pytest.fixture
def run_id(store: Path) -> str:
    return train_run(store)


def test_the_card_joins_what_was_captured_with_what_was_declared(store: Path, run_id: str) -> None:
    card = compile_run(LocalStore.open(store), run_id, "card", declaration=EXAMPLE_DECLARATION).document
    assert card.title == "Selecteren van toeslagaanvragen voor heronderzoek"
    assert card.algorithm.organization == "Gemeente Voorbeeldstad"  # shared at the top of the file
    assert card.model is not None and card.model.class_name == "sklearn.linear_model._logistic.LogisticRegression"
    assert card.model.hyperparameters["C"] == 1.0
    assert card.training_data[0].name == "aanvragen"
    source = card.training_data[0]
    assert (
        source.personal == ["bsn"] and source.source == "s3 storage: aanvragen.parquet"
    )  # public documents name no bucket
    assert [f.name for f in card.features] == ["inkomen", "leeftijd"]
    evaluation = card.evaluations[0]
    assert set(evaluation.by_group["geslacht"]) == {"man", "vrouw"}
    ranked = [i.feature for i in card.explanations[0].importances]
    coefficients = {i.feature: abs(i.value) for i in card.explanations[0].importances}
    assert ranked == sorted(coefficients, key=lambda f: -coefficients[f])
    assert card.missing == []  # the example declaration supplies every declared field
    assert card.provenance.evidence_digest == load_evidence(LocalStore.open(store), run_id).digest


def test_what_nobody_supplied_is_listed_with_who_must_supply_it(store: Path, run_id: str) -> None:
    evidence = load_evidence(LocalStore.open(store), run_id)
    card = compile_card(evidence, Declaration())
    who = {(m.section, m.field): m.who for m in card.missing}
    assert who[("algorithm", "contact_email")] == "owner"
    assert who[("considerations", "lawful_basis")] == "legal"
    assert who[("algorithm", "publication_category")] == "legal"
    assert ("model", "model") not in who and ("evaluations", "by_group") not in who  # captured
    markdown = render(card, "md")
    assert "contact\\_email" in markdown and "More Information Needed" not in markdown


def test_markdown_is_a_hugging_face_model_card_with_the_runs_metrics(store: Path, run_id: str) -> None:
    huggingface_hub = pytest.importorskip("huggingface_hub")
    card = compile_run(LocalStore.open(store), run_id, "card", declaration=EXAMPLE_DECLARATION).document
    parsed = huggingface_hub.ModelCard(render(card, "md"))
    data = parsed.data.to_dict()
    assert data["library_name"] == "sklearn"
    (result,) = data["model-index"][0]["results"]
    assert result["metrics"][0] == {
        "type": "accuracy",
        "name": "Accuracy",  # the readable name (`type` is the metric id)
        "value": card.evaluations[0].metrics["accuracy"],
    }
    assert parsed.data.eval_results[0].metric_value == card.evaluations[0].metrics["accuracy"]
    assert "## Model details" in parsed.text and "## Metrics per group" in parsed.text


def test_dutch_labels_come_from_the_same_table(store: Path, run_id: str) -> None:
    card = compile_run(LocalStore.open(store), run_id, "card", declaration=EXAMPLE_DECLARATION).document
    dutch = render(card, "md", "nl")
    assert "## Modelgegevens" in dutch and "## Prestaties per groep" in dutch and "language:\n- nl" in dutch


def test_json_round_trips_and_matches_the_published_schema(store: Path, run_id: str) -> None:
    card = compile_run(LocalStore.open(store), run_id, "card", declaration=EXAMPLE_DECLARATION).document
    document = render(card, "json")
    assert ModelCard.model_validate_json(document) == card
    schema = card_json_schema()
    assert set(json.loads(document)) <= set(schema["properties"])
    assert "schema" in json.loads(document)["training_data"][0]


def test_regenerating_after_a_new_run_keeps_the_declaration_and_follows_the_evidence(store: Path, run_id: str) -> None:
    before = hashlib.sha256(EXAMPLE_DECLARATION.read_bytes()).hexdigest()
    first = compile_run(LocalStore.open(store), run_id, "card", declaration=EXAMPLE_DECLARATION).document
    second_id = train_run(store, c=0.5)
    second = compile_run(LocalStore.open(store), "latest", "card", declaration=EXAMPLE_DECLARATION).document
    assert hashlib.sha256(EXAMPLE_DECLARATION.read_bytes()).hexdigest() == before
    assert second.provenance.run_id == second_id != first.provenance.run_id
    assert second.model is not None and second.model.hyperparameters["C"] == 0.5
    assert second.intended_use == first.intended_use and second.considerations == first.considerations


def test_declaration_errors_name_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "uitlegbaar.yaml"
    path.write_text("name: Toeslagen\nstatus: actief\nbegin_date: 2025-3\nowners:\n  - role: eigenaar\nkleur: rood\n")
    with pytest.raises(ConfigurationError) as caught:
        load(path)
    lines = str(caught.value).splitlines()
    assert lines == [
        f"{path}:2: status: must be one of 'In ontwikkeling', 'In gebruik' or 'Buiten gebruik', not 'actief'",
        f"{path}:3: begin_date: must be a month as YYYY-MM, e.g. 2025-03, not '2025-3'",
        f"{path}:5: owners.0.name: Field required",
        f"{path}:6: kleur: unknown field (see `uitlegbaar init` for the fields there are)",
    ]
    path.write_text("name: [unclosed\n")
    with pytest.raises(ConfigurationError, match=rf"{path}:2: not valid YAML"):
        load(path)


def test_the_starter_file_loads_and_init_never_overwrites_without_force(tmp_path: Path) -> None:
    assert load_text(tmp_path, starter({"name": "Toeslagen", "status": "In gebruik"})).select().status == "In gebruik"
    target = tmp_path / "uitlegbaar.yaml"
    first = subprocess.run(
        [EXECUTABLE, "init", "--path", str(target), "--no-input", "--organization", "Gemeente Voorbeeldstad"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert first.returncode == 0 and load(target).select().organization == "Gemeente Voorbeeldstad"
    assert "# Organisatienaam" in target.read_text()
    target.write_text(target.read_text().replace("organization: ", "organization: Hand-written #"))
    again = subprocess.run(
        [EXECUTABLE, "init", "--path", str(target), "--no-input"], capture_output=True, text=True, timeout=60
    )
    assert again.returncode == 2 and "--force" in again.stderr
    assert "Hand-written" in target.read_text()
    forced = subprocess.run(
        [EXECUTABLE, "init", "--path", str(target), "--no-input", "--force"], capture_output=True, text=True, timeout=60
    )
    assert forced.returncode == 0 and "Hand-written" not in target.read_text()


def load_text(folder: Path, text: str):  # type: ignore[no-untyped-def]
    path = folder / "starter.yaml"
    path.write_text(text)
    return load(path)


def test_the_card_command_writes_every_format(store: Path, run_id: str, tmp_path: Path) -> None:
    env = {**os.environ, "UITLEGBAAR_STORE": str(store)}
    for fmt in ("md", "json"):
        out = tmp_path / f"card.{fmt}"
        done = subprocess.run(
            [EXECUTABLE, "card", "latest", "--format", fmt, "-o", str(out), "--declaration", str(EXAMPLE_DECLARATION)],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert out.read_text().strip()
    assert json.loads((tmp_path / "card.json").read_text())["provenance"]["run_id"] == run_id
    schema = subprocess.run([EXECUTABLE, "schema", "card"], capture_output=True, text=True, timeout=60)
    assert json.loads(schema.stdout)["title"].startswith("uitlegbaar model card")


def test_sources_are_shown_only_as_far_as_they_are_public() -> None:
    from uitlegbaar.documents.paths import public_source

    assert public_source("/tmp/toeslagen-x7/aanvragen-2025.csv") == "local file aanvragen-2025.csv"
    assert public_source("file:///data/a.csv") == "local file a.csv"
    assert public_source("s3://intern-bucket/dir/aanvragen.parquet") == "s3 storage: aanvragen.parquet"
    assert public_source("https://user:secret@data.overheid.nl:8443/set.csv?token=1") == (
        "https://data.overheid.nl:8443/set.csv"
    )
    assert public_source(None) is None


def test_hyperparameters_chosen_come_first_and_the_library_defaults_are_folded(store: Path) -> None:
    run_id = capture_run(c=0.5)  # LogisticRegression(C=0.5, max_iter=2000): two choices, the rest defaults
    model = load_evidence(LocalStore.open(store), run_id).model
    assert model is not None and {"tol", "solver", "fit_intercept"} <= set(model.default_hyperparameters)
    assert not {"C", "max_iter"} & set(model.default_hyperparameters)
    card = compile_run(LocalStore.open(store), run_id, "card", declaration=EXAMPLE_DECLARATION).document
    markdown, html = render(card, "md"), render(card, "html")
    chosen, folded = markdown.split("| Hyperparameters left at the library default |", 1)
    assert "| C | 0.5 |" in chosen and "| max\\_iter | 2000 |" in chosen and "| tol |" not in chosen
    assert "| tol |" in folded
    assert html.index("<code>C</code>") < html.index('<details class="defaults">') < html.index("<code>tol</code>")


def test_changes_are_short_tables_without_json_in_both_languages(store: Path) -> None:
    capture_run()
    run_id = capture_run(c=0.5)
    card = compile_run(LocalStore.open(store), run_id, "card", declaration=EXAMPLE_DECLARATION).document
    assert card.changes is not None
    english, dutch, html = render(card, "md"), render(card, "md", "nl"), render(card, "html", "nl")
    for text in (english, dutch, html):
        assert "```json" not in text and '"old_fingerprint"' not in text and "old_fingerprint" not in text
    changes = english.split("## Changes since the previous version", 1)[1].split("\n## ", 1)[0]
    assert "| Of | What | Before | Now | Change |" in changes and "### Model" in changes
    assert "| toeslag-heronderzoek | hyperparameter C | 1 | 0.5 | -0.5 |" in changes
    assert "### Model" in dutch and "| Van | Wat | Was | Nu | Verschil |" in dutch
    section = html.split('id="changes"', 1)[1].split("</section>", 1)[0]
    assert "<caption>Model</caption>" in section and '<th scope="col">Was</th>' in section
