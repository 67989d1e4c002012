"""The readiness view (`check --format html|md`): per lifecycle phase, escaped, accessible, self-contained."""

from __future__ import annotations

from html.parser import HTMLParser

from uitlegbaar.gates.coverage import CheckReport, FrameworkResult, ItemResult
from uitlegbaar.gates.readiness import NO_PHASE, phases, render_html, render_markdown

HOSTILE = '<script>alert(1)</script> | **bold** "quoted" & <img src=x onerror=alert(1)>'


def _item(key: str, status: str, title: str = HOSTILE, phases: tuple[str, ...] = (), **more: object) -> ItemResult:
    return ItemResult(key, title, key, status, urn=key if key.startswith("urn:") else "", lifecycle=phases, **more)  # type: ignore[arg-type]


def _report() -> CheckReport:
    bias = ("ontwerp", "verificatie-en-validatie")
    items = (
        _item(
            "urn:nl:ak:mtr:ver-03", "evidenced", "Toets op bias", bias, by=HOSTILE, link="https://minbzk.github.io/x"
        ),
        _item(
            "urn:nl:ak:mtr:imp-04",
            "missing",
            HOSTILE,
            ("implementatie",),
            who="owner",
            how=HOSTILE,
            link="javascript:x",
        ),
        _item(
            "urn:nl:ak:mtr:org-01", "organisational", "Experts", ("organisatieverantwoordelijkheden",), detail=HOSTILE
        ),
        _item("urn:nl:ak:ver:aia-05", "not applicable", "Datasets", detail=HOSTILE),
        _item("aia.purpose", "declared", "Intended purpose", by="uitlegbaar.yaml: goal"),
    )
    framework = FrameworkResult("algoritmekader", "Algoritmekader", True, items, "task registry 1.1.0")
    return CheckReport("r" * 32, None, (framework,))


def test_items_are_placed_under_each_of_their_phases_in_the_registry_s_order() -> None:
    placed = {p.name: p for p in phases(_report())}
    assert list(placed) == [
        "Organisatieverantwoordelijkheden",
        "Ontwerp",
        "Verificatie en validatie",
        "Implementatie",
        NO_PHASE,
    ]
    assert [i.key for _, i in placed["Implementatie"].missing] == ["urn:nl:ak:mtr:imp-04"]
    assert [i.key for _, i in placed[NO_PHASE].done] == ["aia.purpose"]
    assert all(
        i.status != "not applicable" for p in placed.values() for _, i in (*p.done, *p.missing, *p.organisational)
    )


def test_the_html_page_is_escaped_self_contained_and_accessible() -> None:
    page = render_html(_report())
    assert "<script" not in page and "<img" not in page and "&lt;script&gt;" in page
    assert 'href="javascript:' not in page and 'href="https://minbzk.github.io/x"' in page  # only https links
    head = page.split("<body>")[0]
    assert '<html lang="en">' in page and "default-src 'none'" in head and "<link" not in head and "://" not in head
    assert page.count("<h1") == 1 and '<h2 id="not-applicable">' in page and '<th scope="col">who</th>' in page
    assert "<caption>Missing: who must act</caption>" in page and 'lang="nl"' in page and "task registry 1.1.0" in page
    HTMLParser().feed(page)


def test_the_markdown_view_escapes_table_cells() -> None:
    text = render_markdown(_report())
    assert "## Implementatie" in text and "### Missing: who must act" in text and "## Not applicable" in text
    row = next(line for line in text.splitlines() if "imp-04" in line)
    assert row.count(" | ") == 3 and "\\|" in row and "\\*\\*bold" in row  # the pipe cannot split a cell
