"""The HTML model card, compiled from a real captured run: every value escaped (hostile column names,
descriptions and links included), no script and nothing fetched, and readable and printable in a
real headless Chromium."""

from __future__ import annotations

import re
import struct
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from markupsafe import escape
from sklearn.linear_model import LogisticRegression

import uitlegbaar as ub
from browser import chromium, needs_chromium, sync_api
from helpers import EXAMPLES
from uitlegbaar.documents.card import ModelCard, compile_card
from uitlegbaar.documents.card.html import SECTIONS, render_html
from uitlegbaar.documents.i18n import label
from uitlegbaar.evidence.declaration import Declaration
from uitlegbaar.evidence.view import Evidence
from uitlegbaar.pipeline import load_evidence
from uitlegbaar.store import LocalStore

HOSTILE = '<script>alert("x")</script> "quotes"'
DESCRIPTION = 'Aanvragen <img src=x onerror="window.__xss=1"> & <script>window.__xss=1</script>'
HOSTILE_GROUP = '<b onmouseover="window.__xss=1">x</b>'
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
SAFE_LINK = "https://wetten.overheid.nl/BWBR0018472?a=1&b=2"
# HTML elements that run code or fetch something; none may appear in a card
FORBIDDEN = {"script", "img", "link", "iframe", "frame", "object", "embed", "base", "form", "video", "audio", "source"}


# ---------------------------------------------------------------- a real run, a real card


def applications(rows: int = 90, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "bsn": [f"9{n:08d}" for n in rng.integers(0, 10**8, rows)],
            "geslacht": rng.choice(["vrouw", "man", HOSTILE_GROUP], rows),
            "inkomen": rng.normal(30_000, 8_000, rows).round(2),
            HOSTILE: rng.integers(0, 4, rows),
            "heronderzoek": np.tile([0, 1, 1], rows // 3),
        }
    )


def capture(store: Path) -> Evidence:
    """A small pipeline with every decorator, whose names and descriptions try to inject markup."""

    @ub.dataset(name="aanvragen <i>", description=DESCRIPTION, personal=["bsn"], sensitive=["geslacht"])
    def load_applications() -> pd.DataFrame:
        return applications()

    @ub.step
    def features(df: pd.DataFrame) -> pd.DataFrame:
        return df.drop(columns=["bsn"]).rename(columns={"inkomen": "inkomen_eur"})

    @ub.train(model="risico")
    def fit(X: pd.DataFrame, y: pd.Series) -> LogisticRegression:
        return LogisticRegression(max_iter=500).fit(X, y)

    @ub.evaluate(split="test", sensitive=["geslacht"])
    def score(model: LogisticRegression, X: pd.DataFrame, y: pd.Series, groups: pd.Series) -> dict[str, Any]:
        predicted = model.predict(X)
        per_group = {
            str(g): {"selection_rate": float(predicted[mask].mean()), "size": float(mask.sum())}
            for g, mask in ((g, (groups == g).to_numpy()) for g in sorted(groups.unique()))
        }
        return {"accuracy": float((predicted == y).mean()), "geslacht": per_group}

    @ub.explain(method="coefficients")
    def importances(model: LogisticRegression) -> dict[str, float]:
        return dict(zip(model.feature_names_in_, model.coef_[0].tolist(), strict=True))

    with ub.run("html card") as run:
        prepared = features(load_applications())
        X, y = prepared[["inkomen_eur", HOSTILE]], prepared["heronderzoek"]
        model = fit(X, y)
        score(model, X, y, prepared["geslacht"])
        importances(model)
    return load_evidence(LocalStore.open(store), run.id)


def declaration() -> Declaration:
    return Declaration(
        name=HOSTILE,
        organization="Gemeente <Voorbeeld> & co",
        status="In gebruik",
        goal="Prioriteren van heronderzoek.\n<script>window.__xss=1</script>",
        contact_email="javascript:window.__xss=1",
        lawful_basis_grouping=[
            {"title": "Awir art. 18", "link": SAFE_LINK},
            {"title": "Kwaadaardig", "link": "javascript:window.__xss=1"},
        ],
        impacttoetsen_grouping=[{"title": "IAMA", "link": "data:text/html,<script>alert(1)</script>"}],
        limitations=[HOSTILE],
    )


@pytest.fixture
def evidence(store: Path) -> Evidence:
    return capture(store)


@pytest.fixture
def card(evidence: Evidence) -> ModelCard:
    from uitlegbaar.documents.diff import EvaluationDiff, Section, ValueChange, diff_evidence

    hostile = ValueChange(name=HOSTILE, change="changed", old=0.5, new=0.75, delta=0.25)  # a changed metric
    same = diff_evidence(evidence, evidence)
    changed = same.model_copy(
        update={"evaluations": Section[EvaluationDiff](changed=[EvaluationDiff(split=HOSTILE, metrics=[hostile])])}
    )
    return compile_card(evidence, declaration(), changes=changed.model_dump(mode="json"))


class Page(HTMLParser):
    """What a browser would build from the page: elements, attributes, text, and h2 headings."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str | None]] = []
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []
        self.headings: list[str] = []
        self._in: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.elements.append((tag, attrs))
        self.attrs += [(tag, name, value) for name, value in attrs]
        if tag == "h2":
            self.headings.append("")
        self._in.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._in:
            while self._in.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if "h2" in self._in:
            self.headings[-1] += data

    def meta(self, http_equiv: str) -> str | None:
        metas = [dict(attrs) for tag, attrs in self.elements if tag == "meta"]
        return next((m.get("content") for m in metas if m.get("http-equiv") == http_equiv), None)

    def attribute(self, name: str) -> list[str]:
        return [value or "" for _, n, value in self.attrs if n == name]


# ---------------------------------------------------------------- the HTML itself


def test_hostile_values_are_text_and_nothing_runs_or_loads(card: ModelCard) -> None:
    html = render_html(card)
    page = Page(html)
    assert not FORBIDDEN & set(page.tags), FORBIDDEN & set(page.tags)
    assert not [name for _, name, _ in page.attrs if name.startswith("on")]
    assert not page.attribute("src")
    text = "".join(page.text)
    for hostile in (HOSTILE, DESCRIPTION, HOSTILE_GROUP, "Gemeente <Voorbeeld> & co"):
        assert hostile in text
        assert str(escape(hostile)) in html
    assert '<script>alert("x")' not in html and "<img" not in html
    # the hostile column is in tables and in both charts (SVG text is escaped too)
    assert html.count(str(escape(HOSTILE))) >= 4
    assert "<text" in html and str(escape(HOSTILE_GROUP)) in html
    # no fetch of any kind: a CSP that forbids it, and nothing that would try
    assert page.meta("Content-Security-Policy") == CSP
    assert "url(" not in html and "@import" not in html
    assert "@media print" in html


def test_only_http_links_become_links(card: ModelCard) -> None:
    page = Page(render_html(card))
    hrefs = page.attribute("href")
    assert SAFE_LINK in hrefs
    assert all(h.startswith("#") or h.startswith("https://") for h in hrefs), hrefs
    text = "".join(page.text)
    assert "javascript:window.__xss=1" in text and "data:text/html" in text


def test_sections_in_order_in_both_languages(card: ModelCard) -> None:
    for lang in ("en", "nl"):
        html = render_html(card, lang)
        assert f'<html lang="{lang}">' in html
        page = Page(html)
        assert page.headings[0] == label("summary", lang)
        assert page.headings[1:] == [label(key, lang) for key in SECTIONS]
    assert "Ontbrekende informatie" in render_html(card, "nl")
    assert "Missing information" in render_html(card, "en")


def test_output_is_deterministic(evidence: Evidence, card: ModelCard) -> None:
    again = compile_card(evidence, declaration(), changes=card.changes)
    assert render_html(card) == render_html(again)
    assert render_html(card, "nl") == render_html(ModelCard.model_validate_json(card.model_dump_json()), "nl")


def test_empty_sections_point_to_the_missing_list(evidence: Evidence) -> None:
    bare = compile_card(evidence, Declaration())
    html = render_html(bare)
    assert bare.missing
    assert html.count('class="not-supplied"') >= 2  # intended use and considerations
    assert html.count('<a href="#missing">') >= 3  # the summary's call-out and each note
    for missing in bare.missing:
        assert f'<td class="text">{escape(missing.how)}</td>' in html
    assert label("no_changes") in html


def test_card_from_the_toeslagen_example(store: Path) -> None:
    """The example pipeline, as a user runs it, renders with every chart."""
    pytest.importorskip("sklearn")
    import importlib.util

    path = EXAMPLES / "toeslagen_pipeline.py"
    spec = importlib.util.spec_from_file_location("toeslagen_pipeline_html", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    run_id = module.main(rows=600)
    evidence = load_evidence(LocalStore.open(store), run_id)
    html = render_html(compile_card(evidence, Declaration()))
    # one chart per explanation (permutation importance, and SHAP where installed) and one per sensitive attribute
    assert html.count('<svg class="chart"') == len(evidence.explanations) + 1
    assert "Threshold checks" in html and "Possible proxies" in html
    assert ">selection_rate<" not in html and ">Selection rate<" in html


# ---------------------------------------------------------------- in a real browser


@needs_chromium
def test_card_in_headless_chromium(card: ModelCard, tmp_path: Path) -> None:
    expect = sync_api().expect
    file = tmp_path / "card.html"
    file.write_text(render_html(card), encoding="utf-8")
    url = file.as_uri()
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1100, "height": 900})
        requests: list[str] = []
        dialogs: list[str] = []
        context.on("request", lambda r: requests.append(r.url))
        page = context.new_page()

        def dismiss(dialog: Any) -> None:
            dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", dismiss)
        page.goto(url, wait_until="load")

        for key in ("summary", *SECTIONS):
            expect(page.get_by_role("heading", name=label(key), exact=True)).to_be_visible()
        expect(page.get_by_text(DESCRIPTION, exact=True)).to_be_visible()
        expect(page.get_by_role("cell", name=HOSTILE).first).to_be_visible()
        expect(page.get_by_role("img", name=f"{label('explanations')}: coefficients")).to_be_visible()
        page.get_by_text(HOSTILE_GROUP).first.hover()
        assert page.evaluate("() => document.scripts.length") == 0
        assert page.evaluate("() => window.__xss") is None

        shot = tmp_path / "card.png"
        page.screenshot(path=str(shot), full_page=True)
        png = shot.read_bytes()
        width, height = struct.unpack(">II", png[16:24])
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 50_000
        assert width == 1100 and height > 3000

        page.emulate_media(media="print")
        pdf = page.pdf(format="A4")
        assert pdf.startswith(b"%PDF")
        assert len(re.findall(rb"/Type\s*/Page\b", pdf)) > 0

        assert dialogs == []
        assert requests == [url]
