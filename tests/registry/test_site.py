"""The static register site, built from an entry and a model card compiled from a real captured run plus
entries of other teams (some with hostile values): files, escaping, determinism, and use in a real headless
Chromium (search, filters, keyboard, navigation to the algorithm, its card and lineage, a screenshot)."""

from __future__ import annotations

import json
import struct
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from browser import artifacts, check_page, chromium, needs_chromium, sync_api
from uitlegbaar.registry.site import build_site
from uitlegbaar.registry.sources import read_documents

HOSTILE = '<script>window.__xss=1</script><img src=x onerror="window.__xss=1">'

DECLARATION = """\
organization: Gemeente Voorbeeldstad
contact_email: algoritmes@voorbeeldstad.nl
name: Selecteren van toeslagaanvragen voor heronderzoek
description_short: Het algoritme schat welke toeslagaanvragen een heronderzoek nodig hebben.
status: In ontwikkeling
publication_category: Impactvolle algoritmes
category: [Sociale zekerheid, Werk]
source_id: TOESLAG-01
goal: Medewerkers helpen hun tijd goed te besteden.
lawful_basis_grouping:
  - title: Participatiewet
    link: https://wetten.overheid.nl/BWBR0015703
"""


def other(n: int, **changes: Any) -> dict[str, Any]:
    return {
        "name": f"Voorspellen van verkeersdrukte {n}",
        "description_short": f"Dit algoritme {n} voorspelt hoe druk het wordt op de ringweg.",
        "organization": "Gemeente Noorderhaaks",
        "category": ["Verkeer"],
        "status": "In gebruik",
        "contact_email": "algoritmes@gemeentenoorderhaaks.nl",
        "publication_category": "Overige algoritmes",
        "goal": "<p>Doorstroming.</p><script>window.__xss=1</script>",
        "website": "javascript:window.__xss=1",
        "lang": "nld",
        "standard_version": "1.0",
        "source_id": f"VERKEER-{n}",
    } | changes


@pytest.fixture
def inputs(store: Path, tmp_path: Path) -> Path:
    """A folder with the real run's entry and card (as the commands write them) and two other entries."""
    from pipelines import capture_run
    from uitlegbaar.documents.card.render import render_card as render
    from uitlegbaar.pipeline import compile_run
    from uitlegbaar.store import LocalStore

    run = capture_run()
    declaration = tmp_path / "uitlegbaar.yaml"
    declaration.write_text(DECLARATION, encoding="utf-8")
    local = LocalStore.open(store)
    folder = tmp_path / "in"
    folder.mkdir()
    entry = compile_run(local, run, "register", declaration=declaration).document.payload()
    (folder / "toeslag.json").write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")
    card = compile_run(local, run, "card", declaration=declaration).document
    (folder / "toeslag-card.json").write_text(render(card, "json"), encoding="utf-8")
    others = [other(1), other(2, name=HOSTILE, status="Buiten gebruik", category=["Wonen"])]
    (folder / "teams.json").write_text(json.dumps(others), encoding="utf-8")
    return folder


def test_the_site_has_an_index_and_a_page_per_algorithm_with_its_card(inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    written = build_site(read_documents([inputs]), out)
    names = sorted(p.relative_to(out).as_posix() for p in written)
    assert names[0] == "algoritme" or "index.html" in names
    pages = sorted((out / "algoritme").glob("*.html"))
    assert len([p for p in pages if not p.name.endswith("-modelkaart.html")]) == 3
    (card_page,) = [p for p in pages if p.name.endswith("-modelkaart.html")]
    algorithm = card_page.with_name(card_page.name.replace("-modelkaart", ""))
    html = algorithm.read_text(encoding="utf-8")
    assert "Selecteren van toeslagaanvragen voor heronderzoek" in html
    assert f'href="{card_page.name}"' in html
    assert (
        "<code>fit</code>" in html and "&lt;locals&gt;" not in html
    )  # the lineage: the training function, no qualname
    assert '<span class="in">aanvragen, ' in html
    assert '<a href="https://wetten.overheid.nl/BWBR0015703">Participatiewet</a>' in html

    for page in [out / "index.html", *pages]:
        elements = Elements(page.read_text(encoding="utf-8"))
        scripts = [a for tag, a in elements.found if tag == "script"]
        assert scripts == ([[]] if page.name == "index.html" else []), page  # only the site's own, inline
        assert not {"img", "iframe", "object", "embed", "form", "base"} & {tag for tag, _ in elements.found}
        attributes = [(name, value or "") for _, a in elements.found for name, value in a]
        assert not [n for n, _ in attributes if n.startswith("on")]
        assert not [
            v
            for n, v in attributes
            if n in ("href", "src") and not v.startswith(("https:", "algoritme/", "../", ".", "#")) and "/" in v
        ]
        assert not [v for n, v in attributes if n == "href" and v.lower().startswith("javascript:")]
        assert any(n == "http-equiv" and v == "Content-Security-Policy" for n, v in attributes)


class Elements(HTMLParser):
    """The elements a browser would build from a page, with their attributes."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def test_the_same_input_gives_the_same_bytes(inputs: Path, tmp_path: Path) -> None:
    first = build_site(read_documents([inputs]), tmp_path / "a")
    second = build_site(read_documents([inputs]), tmp_path / "b")
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]


@needs_chromium
def test_the_site_in_headless_chromium(inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site(read_documents([inputs]), out)
    expect = sync_api().expect
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1100, "height": 900})
        requests: list[str] = []
        context.on("request", lambda r: requests.append(r.url))
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda m: console.append(m.text))
        page.on("dialog", lambda d: (console.append("dialog " + d.message), d.dismiss()))
        page.goto((out / "index.html").as_uri(), wait_until="load")

        results = page.locator("#resultaten > li")
        count = page.get_by_role("status")
        expect(count).to_have_text("3 algoritmes gevonden")  # the script ran under the page's CSP
        search = page.get_by_role("searchbox", name="Zoeken")
        expect(search).to_be_visible()
        search.fill("toeslag")
        expect(count).to_have_text("1 algoritme gevonden")
        expect(results.filter(visible=True)).to_have_count(1)
        search.fill("")
        page.get_by_label("Thema").select_option("Verkeer")
        expect(count).to_have_text("1 algoritme gevonden")
        page.get_by_label("Thema").select_option("")
        page.get_by_label("Status").select_option("Buiten gebruik")
        expect(page.get_by_role("link", name=HOSTILE)).to_be_visible()  # shown as text
        page.get_by_label("Status").select_option("")
        page.get_by_label("Publicatiecategorie").select_option("Impactvolle algoritmes")
        expect(count).to_have_text("1 algoritme gevonden")

        shot = tmp_path / "index.png"
        page.screenshot(path=str(shot), full_page=True)
        png = shot.read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", png[16:24])[0] == 1100

        page.reload(wait_until="load")
        page.keyboard.press("Tab")  # the first stop is the skip link
        assert page.evaluate("() => document.activeElement.textContent") == "Naar de lijst met algoritmes"
        link = page.get_by_role("link", name="Selecteren van toeslagaanvragen voor heronderzoek")
        link.focus()
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Selecteren van toeslagaanvragen voor heronderzoek")
        expect(page.get_by_role("heading", name="Herkomst")).to_be_visible()
        expect(page.get_by_role("main").locator("ol.lineage li")).not_to_have_count(0)
        page.get_by_role("link", name="De volledige modelkaart").click()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert page.url.endswith("-modelkaart.html")
        page.go_back()
        page.get_by_role("navigation", name="Kruimelpad").get_by_role("link", name="Alle algoritmes").click()
        expect(count).to_have_text("3 algoritmes gevonden")

        assert page.evaluate("() => window.__xss") is None
        assert not [m for m in console if "Content Security Policy" in m or m.startswith("dialog")], console
        assert all(u.startswith(out.as_uri()) for u in requests), requests


@pytest.fixture(scope="module")
def readers_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site of the two pipelines the documents are held to (the README example, the one-hot pipeline), each
    with its register entry and model card as the commands write them."""
    from pipelines import capture_reader_pipelines
    from uitlegbaar.documents.card.render import render_card
    from uitlegbaar.pipeline import compile_run
    from uitlegbaar.store import LocalStore

    folder = tmp_path_factory.mktemp("readers-site")
    runs = capture_reader_pipelines(folder)
    local = LocalStore.open(folder / "store")
    documents = folder / "in"
    documents.mkdir()
    for name, (run, declaration) in runs.items():
        entry = compile_run(local, run, "register", declaration=declaration).document.payload()
        (documents / f"{name}.json").write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")
        card = compile_run(local, run, "card", declaration=declaration).document
        (documents / f"{name}-card.json").write_text(render_card(card, "json"), encoding="utf-8")
    out = folder / "site"
    build_site(read_documents([documents]), out)
    return out


@needs_chromium
def test_every_page_of_the_site_is_accessible_readable_and_printable(readers_site: Path, tmp_path: Path) -> None:
    """Index, each algorithm's page and its model card (in Dutch), by axe-core, layout and keyboard checks at 390 and
    1280 px in light and dark colours, and printed to A4; screenshots in the folder the test prints."""
    pages = [readers_site / "index.html", *sorted((readers_site / "algoritme").glob("*.html"))]
    assert len(pages) == 5  # the index, and per pipeline its page and its card
    folder = artifacts(tmp_path, "site")
    with chromium() as browser:
        page = browser.new_context().new_page()
        for file in pages:
            check_page(page, file.as_uri(), file.stem, folder, lang="nl")
    assert len(list(folder.glob("*.png"))) == 3 * len(pages) and len(list(folder.glob("*.pdf"))) == len(pages)
