"""The HTML model card as people read it, in a real headless Chromium, on the README example and on a pipeline with
several sensitive attributes and a one-hot feature: no serious or critical WCAG 2.1 AA violation (axe-core) in
light or dark colours, readable at 390 and 1280 px (words whole, tables scrolling in their own focusable box, no
sideways page scroll), usable by keyboard (skip link, visible focus) and printed to A4 without cut tables.
Screenshots and PDFs go to the folder the test prints (set UITLEGBAAR_TEST_ARTIFACTS to keep them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from browser import artifacts, check_page, chromium, needs_chromium, pdf_text
from pipelines import capture_reader_pipelines
from uitlegbaar.documents.card.render import render_card
from uitlegbaar.pipeline import compile_run
from uitlegbaar.store import LocalStore


@pytest.fixture(scope="module")
def pipelines(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, tuple[str, Path]]]:
    folder = tmp_path_factory.mktemp("readers")
    return folder / "store", capture_reader_pipelines(folder)


@needs_chromium
@pytest.mark.parametrize("pipeline", ["example", "onehot"])
def test_the_card_is_accessible_readable_and_printable(
    pipeline: str, pipelines: tuple[Path, dict[str, tuple[str, Path]]], tmp_path: Path
) -> None:
    store, runs = pipelines
    run, declaration = runs[pipeline]
    card = compile_run(LocalStore.open(store), run, "card", declaration=declaration).document
    file = tmp_path / f"{pipeline}.html"
    file.write_text(render_card(card, "html", "en"), encoding="utf-8")
    folder = artifacts(tmp_path, f"card-{pipeline}")
    with chromium() as browser:
        page = browser.new_context().new_page()
        tables = check_page(page, file.as_uri(), pipeline, folder, lang="en")
    # the dataset's column tables are wider than a phone: they scroll in their box instead of squeezing their words
    assert any(t["scrolls"] for t in tables[390]), tables[390]
    assert len(tables[390]) == len(tables[1280]) > 5
    # on paper the folded library defaults are printed too
    assert card.model is not None and card.model.default_hyperparameters
    printed = pdf_text(folder / f"{pipeline}.pdf")
    assert [name for name in card.model.hyperparameters if "".join(name.split()) not in printed] == []
    shots = sorted(p.name for p in folder.iterdir())
    assert shots == sorted(
        [f"{pipeline}-390-light.png", f"{pipeline}-1280-light.png", f"{pipeline}-1280-dark.png", f"{pipeline}.pdf"]
    )
