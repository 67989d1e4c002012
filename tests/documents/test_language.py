"""Documents people can read (issue 15, points 2 and 4), on two pipelines: the README example and a pipeline with two
sensitive attributes, one-hot encoded inputs (one of them personal data) and functions defined inside a function.

Every human-facing document is rendered in both languages and must show no string of the other language's
catalogue (the check is built from `documents/i18n.py` itself, see tests/language.py); datasets are named by their
role, no qualname or `<locals>` is shown, one-hot inputs read `gemeente = Den Haag` in prose, and the category of a
personal column is shown nowhere.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers import ROOT, cli
from language import foreign_strings, visible_text
from pipelines import capture_onehot_run
from uitlegbaar.documents.formats import render
from uitlegbaar.documents.register import errors, validate_entry
from uitlegbaar.pipeline import compile_run, load_evidence
from uitlegbaar.store import LocalStore

EXAMPLE_DECLARATION = ROOT / "examples" / "uitlegbaar.yaml"
PERSONAL_CATEGORIES = ("1234AB", "5678CD", "9012EF")  # the values of the personal column wijk
QUALNAME = re.compile(r"\.output\b|<locals>|&lt;locals&gt;|__main__|split_for_training\.|\w+\.(X|y|groups)\b")


def _declared_texts(value: Any) -> list[str]:
    """Every text of the declaration: what the user wrote is shown as written, in whatever language."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _declared_texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in _declared_texts(v)]
    return []


DECLARED = sorted(_declared_texts(yaml.safe_load(EXAMPLE_DECLARATION.read_text())), key=len, reverse=True)


def _without_declared(text: str) -> str:
    for declared in DECLARED:
        text = text.replace(declared, " ")
    return text


@pytest.fixture(scope="module")
def example_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The README example run twice (so the second has a previous version to compare with)."""
    store = tmp_path_factory.mktemp("example") / "store"
    env = {**os.environ, "UITLEGBAAR_STORE": str(store)}
    for rows in ("1500", "2000"):
        script = ROOT / "examples" / "toeslagen_pipeline.py"
        subprocess.run([sys.executable, str(script), "--rows", rows], env=env, check=True, capture_output=True)
    return store


@pytest.fixture
def onehot_store(store: Path) -> Iterator[Path]:
    capture_onehot_run(seed=1)
    capture_onehot_run(seed=2)
    yield store


def documents(store: Path) -> dict[tuple[str, str, str], str]:
    """Every human-facing document of the latest run: (kind, format, language) → text."""
    opened = LocalStore.open(store)
    out: dict[tuple[str, str, str], str] = {}
    card = compile_run(opened, "latest", "card", declaration=EXAMPLE_DECLARATION)
    for fmt in ("md", "html"):
        for lang in ("en", "nl"):
            out[("card", fmt, lang)] = render("card", card, fmt, lang).decode()  # type: ignore[arg-type]
    register = compile_run(opened, "latest", "register", declaration=EXAMPLE_DECLARATION)
    out[("register", "json", "nl")] = render("register", register, "json").decode()
    systemcard = compile_run(opened, "latest", "systemcard", declaration=EXAMPLE_DECLARATION)
    out[("systemcard", "yaml", "nl")] = render("systemcard", systemcard).decode()
    lineage = compile_run(opened, "latest", "lineage")
    for fmt in ("text", "html"):  # the lineage graph is English only
        out[("lineage", fmt, "en")] = render("lineage", lineage, fmt).decode()
    out[("site", "html", "nl")] = _site_page(register.document.payload(), render("card", card, "json").decode())
    return out


def _site_page(entry: dict[str, Any], card: str) -> str:
    """The register site's page of the algorithm, built from its entry and card as a register maintainer would."""
    from uitlegbaar.registry.site import build_site
    from uitlegbaar.registry.sources import read_documents

    with tempfile.TemporaryDirectory() as folder:
        given = Path(folder) / "in"
        given.mkdir()
        (given / "entry.json").write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")
        (given / "entry-card.json").write_text(card, encoding="utf-8")
        build_site(read_documents([given]), Path(folder) / "site")
        (page,) = [p for p in (Path(folder) / "site" / "algoritme").glob("*.html") if "modelkaart" not in p.name]
        return page.read_text(encoding="utf-8")


def _prose_of_systemcard(text: str) -> str:
    """The system card's sentences (its keys and labels are the standard's own)."""
    data = yaml.safe_load(text)
    return "\n".join(str(data.get(k, "")) for k in ("used_data", "technical_design"))


def _check_language(docs: dict[tuple[str, str, str], str]) -> None:
    for (kind, fmt, lang), text in docs.items():
        shown = _prose_of_systemcard(text) if kind == "systemcard" else visible_text(text, fmt)
        found = foreign_strings(_without_declared(shown), "txt", lang)  # type: ignore[arg-type]
        assert found == [], f"{kind} {fmt} in {lang} shows {found}"
        if fmt == "html":
            assert f'<html lang="{lang}">' in text


def _check_names(docs: dict[tuple[str, str, str], str]) -> None:
    for (kind, fmt, lang), text in docs.items():
        shown = visible_text(text, fmt) if fmt != "yaml" else _prose_of_systemcard(text)
        assert not QUALNAME.search(shown), f"{kind} {fmt} {lang}: {QUALNAME.search(shown)}"


def test_the_example_documents_are_in_one_language_with_names_people_understand(example_store: Path) -> None:
    huggingface_hub = pytest.importorskip("huggingface_hub")
    docs = documents(example_store)
    _check_language(docs)
    _check_names(docs)
    nl = visible_text(docs[("card", "md", "nl")], "md")
    en = visible_text(docs[("card", "md", "en")], "md")
    for title in ("kenmerken van de trainingsset", "labels van de testset", "gevoelige kenmerken van de testset"):
        assert f"### {title}" in nl
    for title in ("training features", "test labels", "sensitive attributes of the test set"):
        assert f"### {title}" in en
    assert "0,75" in nl or re.search(r"\d,\d", nl)  # Dutch decimal comma
    assert huggingface_hub.ModelCard(docs[("card", "md", "nl")]).data.to_dict()["model-index"]
    site = docs[("site", "html", "nl")]
    assert "kenmerken van de trainingsset" in site and "<code>train_model</code>" in site


def test_the_example_register_entry_is_dutch_valid_and_states_figures_under_their_own_names(
    example_store: Path,
) -> None:
    entry = json.loads(documents(example_store)[("register", "json", "nl")])
    assert errors(validate_entry(entry)) == []
    methods, risks = entry["methods_and_models"], entry["risks"]
    assert "juistheid" in methods and "oppervlakte onder de ROC-curve (AUC)" in methods
    assert "Wat de maten betekenen:" in methods  # the glossary
    assert "gemeente (6 categorieën: Amsterdam, Den Haag" in methods
    assert "de functie train_model heeft" in methods
    assert "kenmerken van de trainingsset, labels van de trainingsset" in methods
    (sizes,) = re.findall(r"<li>geslacht, aantal gevallen[^<]*</li>", risks)
    assert "verhouding" not in sizes  # a group size is no risk figure: no lowest/highest ratio
    assert re.search(r"selectiepercentage \(testset\): [^<]*verhouding laagste/hoogste 0,\d", risks)
    permutation = re.search(r"methode permutatiebelang; de belangrijkste kenmerken zijn ([^.]*)\.", methods)
    assert permutation and "-" not in permutation[1]  # an input whose shuffling costs nothing is not important
    for english in ("accuracy", "recall", "roc_auc", "size", "permutation_importance", "onehot__"):
        assert english not in methods + risks


def test_the_cli_writes_the_example_entry_that_validate_accepts(example_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "entry.json"
    done = cli("register", "latest", "--declaration", str(EXAMPLE_DECLARATION), "-o", str(out), store=example_store)
    assert done.returncode == 0, done.stderr
    checked = cli("validate", str(out), store=example_store)
    assert checked.returncode == 0 and "0 error(s)" in checked.stdout, checked.stdout + checked.stderr


def test_a_one_hot_pipeline_with_two_sensitive_attributes_reads_well_and_hides_personal_categories(
    onehot_store: Path,
) -> None:
    docs = documents(onehot_store)
    _check_language(docs)
    _check_names(docs)
    for (kind, fmt, lang), text in docs.items():
        for code in PERSONAL_CATEGORIES:
            assert code not in text, f"{kind} {fmt} {lang} shows a value of personal data: {code}"
    entry = json.loads(docs[("register", "json", "nl")])
    assert "gemeente (3 categorieën: Den Haag, Utrecht, Zwolle)" in entry["methods_and_models"]
    assert "wijk (3 categorieën)" in entry["methods_and_models"]
    assert "leeftijdsgroep" in entry["risks"] and "geslacht" in entry["risks"]
    assert "de functie trainen heeft het model getraind" in entry["methods_and_models"]  # @ub.train(name=...)
    assert "### aanvragen" in visible_text(docs[("card", "md", "nl")], "md")  # the name the user gave
    nl_html = docs[("card", "html", "nl")]
    assert "gemeente = Den Haag" in nl_html or "gemeente = Utrecht" in nl_html  # the chart's labels
    assert "wijk (één categorie, persoonsgegeven)" in nl_html
    en_md = visible_text(docs[("card", "md", "en")], "md")
    assert "onehot__gemeente_Den Haag" in en_md  # tables keep the recorded name
    assert "### test features" in en_md and "### sensitive attributes of the test set" in en_md


def test_no_document_in_any_format_and_not_show_names_a_category_of_a_personal_column(onehot_store: Path) -> None:
    """Machine-readable documents too (the JSON card, every export, the lineage) and `show`: the one-hot inputs of
    `wijk` are named `onehot__wijk_#1` … there, never after a value; the evidence itself keeps the recorded name."""
    from uitlegbaar.documents.formats import KINDS

    opened = LocalStore.open(onehot_store)
    model = load_evidence(opened, "latest").model
    assert model is not None and any(c in i.name for i in model.inputs for c in PERSONAL_CATEGORIES)  # can fail
    seen = []
    for kind in KINDS.values():
        for fmt in kind.formats:
            options = {"declaration": EXAMPLE_DECLARATION}
            if kind.name != "export" or fmt != "croissant":
                compiled = compile_run(opened, "latest", kind.name, fmt, **options)
            else:
                compiled = compile_run(opened, "latest", kind.name, fmt, dataset="aanvragen", **options)
            text = render(kind.name, compiled, fmt).decode()
            for code in PERSONAL_CATEGORIES:
                assert code not in text, f"{kind.name} {fmt} shows a value of personal data: {code}"
            seen.append(text)
    assert any("onehot__wijk_#1" in text for text in seen)
    shown = cli("show", "latest", store=onehot_store)
    assert shown.returncode == 0, shown.stderr
    assert not [c for c in PERSONAL_CATEGORIES if c in shown.stdout], shown.stdout


def test_the_catalogue_check_finds_a_string_of_the_other_language() -> None:
    """The check can fail: an English label in a Dutch text is found, and a Dutch one in an English text."""
    assert "Model details" in foreign_strings("## Model details\n", "md", "nl")
    assert "Modelgegevens" in foreign_strings("## Modelgegevens\n", "md", "en")
    assert foreign_strings("## Modelgegevens\n", "md", "nl") == []


def test_what_capture_could_not_record_is_told_in_the_cards_language_without_qualnames(onehot_store: Path) -> None:
    from uitlegbaar.documents.card.model import Gap

    card = compile_run(LocalStore.open(onehot_store), "latest", "card", declaration=EXAMPLE_DECLARATION)
    gaps = [
        Gap(what="subgroup metrics of tests.pipelines.outer.<locals>.evaluate", reason="ValueError: no groups"),
        Gap(what="evaluate __main__.evaluate_model", reason="TypeError: in __main__.evaluate_model: bad y"),
    ]
    card = dataclasses.replace(card, document=card.document.model_copy(update={"gaps": gaps}))
    for fmt in ("md", "html"):
        document = render("card", card, fmt, "nl").decode()
        nl = visible_text(document, fmt)
        assert "de prestaties per groep van evaluate" in nl
        assert "het vastleggen van de evaluatie in evaluate_model" in nl
        assert "in evaluate_model: bad y" in nl  # the error itself as it was raised, without the module path
        assert "&lt;locals&gt;" not in document and "<locals>" not in nl and "__main__" not in nl
        en = visible_text(render("card", card, fmt, "en").decode(), fmt)
        assert "the metrics per group of evaluate" in en


@pytest.mark.parametrize("decorator", ["train", "evaluate", "explain", "step", "dataset"])
def test_name_is_accepted_where_a_table_is_captured_and_must_be_text(decorator: str) -> None:
    import uitlegbaar as ub
    from uitlegbaar.errors import ConfigurationError

    getattr(ub, decorator)(name="leesbare naam")  # accepted
    with pytest.raises(ConfigurationError, match="name= takes a string"):
        getattr(ub, decorator)(name=3)
