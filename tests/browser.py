"""Real headless Chromium for the tests of the HTML pages people read (the model card, the register site):
Debian's chromium driven through Playwright (never `playwright install`), axe-core from the npm registry
(`tests/axe/`, installed by `npm ci` there), and the layout checks of a readable, printable page — words
unbroken, tables scrolling in their own box, no sideways page scroll, every table inside an A4 page."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest

from helpers import TESTS

CHROMIUM = Path("/usr/bin/chromium")
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = TESTS / "axe" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# best-practice rules about a page's structure that the pages keep too, at any impact
STRUCTURE = ["heading-order", "landmark-one-main", "page-has-heading-one", "skip-link", "region", "bypass"]
WIDTHS = (390, 1280)  # a phone and a laptop
# an A4 page less the 14 mm side margins of the pages' @page rule, in CSS pixels (96 per inch)
A4_TEXT_WIDTH = round((210 - 2 * 14) / 25.4 * 96)
A4_POINTS = (595.3, 841.9)

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)"
)


def sync_api() -> Any:
    return pytest.importorskip("playwright.sync_api", reason="needs playwright (pip install -e '.[test]')")


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium browser for the duration of the block."""
    with sync_api().sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def artifacts(tmp_path: Path, name: str) -> Path:
    """The folder a test writes its screenshots and PDFs to, emptied: `$UITLEGBAAR_TEST_ARTIFACTS/<name>` when that
    is set (so they are kept after the run), else under the test's tmp_path; printed so people can look."""
    root = os.environ.get("UITLEGBAAR_TEST_ARTIFACTS")
    folder = (Path(root) if root else tmp_path / "artifacts") / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    print(f"screenshots and PDFs: {folder}")
    return folder


# ---------------------------------------------------------------- axe-core


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    help: str
    targets: list[str]

    def __str__(self) -> str:
        more = f" and {len(self.targets) - 5} more" if len(self.targets) > 5 else ""
        return f"{self.rule} ({self.impact}): {self.help} — {', '.join(self.targets[:5])}{more}"


@functools.cache
def _install_axe() -> None:
    """axe-core at the version tests/axe/package-lock.json pins, installed from the npm registry on first use (a
    machine with Chromium has Node.js beside it; .ci/run installs both)."""
    if AXE.exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail(
            f"axe-core is not installed and npm is not on PATH: install Node.js, then `npm ci` in {AXE.parents[2]}"
        )
    done = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=AXE.parents[2], capture_output=True, text=True
    )
    if done.returncode != 0 or not AXE.exists():
        pytest.fail(f"`npm ci` in {AXE.parents[2]} failed: {done.stderr.strip()[-500:]}")


def axe(page: Any) -> list[Violation]:
    """What axe-core finds on the page under WCAG 2.1 AA (serious or critical) and the structural best practices
    (any impact)."""
    _install_axe()
    page.evaluate(AXE.read_text(encoding="utf-8"))  # through the DevTools protocol: the page CSP stays as it is
    found = page.evaluate(
        """async ([tags, structure]) => {
            const result = await axe.run(document, {runOnly: {type: "tag", values: [...tags, "best-practice"]},
                                                    resultTypes: ["violations"]});
            return result.violations
                .filter(v => v.tags.some(t => tags.includes(t)) ? ["serious", "critical"].includes(v.impact)
                                                                 : structure.includes(v.id))
                .map(v => ({rule: v.id, impact: v.impact, help: v.help,
                            targets: v.nodes.map(n => n.target.join(" "))}));
        }""",
        [AXE_TAGS, STRUCTURE],
    )
    return [Violation(**v) for v in found]


def assert_accessible(page: Any, where: str) -> None:
    found = axe(page)
    assert not found, f"axe-core on {where}:\n" + "\n".join(f"  {v}" for v in found)


# ---------------------------------------------------------------- layout

_BROKEN_WORDS = """(selector) => {
    const broken = [];
    for (const element of document.querySelectorAll(selector)) {
        const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            for (const word of node.textContent.matchAll(/\\S+/g)) {
                const range = document.createRange();
                range.setStart(node, word.index);
                range.setEnd(node, word.index + word[0].length);
                const rects = Array.from(range.getClientRects()).filter(r => r.width > 0);
                if (rects.some(r => r.top >= rects[0].bottom - 1)) {
                    broken.push(`${element.tagName.toLowerCase()}: ${word[0]}`);
                }
            }
        }
    }
    return [...new Set(broken)];
}"""

_TABLES = """() => Array.from(document.querySelectorAll("table")).map(table => {
    const box = table.parentElement, style = getComputedStyle(box), page = document.documentElement.clientWidth;
    return {
        label: box.getAttribute("aria-label") || "",
        role: box.getAttribute("role") || "",
        tabindex: box.getAttribute("tabindex"),
        overflow: style.overflowX,
        scrolls: box.scrollWidth > box.clientWidth + 1,
        inside: box.getBoundingClientRect().right <= page + 0.5,
        fits: table.getBoundingClientRect().width <= box.clientWidth + 1
            && table.getBoundingClientRect().right <= page + 0.5,
        caption: (table.caption || {}).textContent || table.rows[0].textContent.trim().slice(0, 60),
    };
})"""


def open_details(page: Any) -> None:
    """Open every folded part (`<details>`), so the checks see what a reader who opens them sees."""
    page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")


def broken_words(page: Any, selector: str = "th, td, caption, summary, h1, h2, h3, h4, h5, h6") -> list[str]:
    """The words (runs of non-space) of table cells and headings that the browser split across lines."""
    return list(page.evaluate(_BROKEN_WORDS, selector))


def page_scrolls_sideways(page: Any) -> bool:
    return bool(page.evaluate("() => document.documentElement.scrollWidth > document.documentElement.clientWidth"))


def tables(page: Any) -> list[dict[str, Any]]:
    """Each table with the box around it: its label, role, tabindex and overflow, whether it scrolls, whether the
    box stays inside the page and whether the table fits its box."""
    return list(page.evaluate(_TABLES))


def assert_readable(page: Any, where: str) -> list[dict[str, Any]]:
    """At the page's current width: no word of a cell or heading broken, no sideways page scroll, and each table
    in a focusable, labelled region that scrolls sideways by itself. Returns the tables."""
    broken = broken_words(page)
    assert not broken, f"{where}: words broken across lines: {broken}"
    assert not page_scrolls_sideways(page), f"{where}: the page scrolls sideways"
    found = tables(page)
    for t in found:
        assert t["overflow"] == "auto" and t["inside"], f"{where}: table {t['caption']!r} is not in a scroll box"
        assert t["tabindex"] == "0" and t["role"] == "region" and t["label"], f"{where}: {t}"
    return found


def assert_focus_visible(page: Any, where: str, stops: int = 40) -> list[str]:
    """Tab through the first `stops` stops from the top: each shows a visible focus outline (at least 2 px, not the
    browser's thin default ring). Returns what was focused (tag and name)."""
    page.evaluate("() => { window.scrollTo(0, 0); document.activeElement && document.activeElement.blur(); }")
    seen: list[str] = []
    for _ in range(stops):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => { const e = document.activeElement, s = getComputedStyle(e);
                       return {name: e.tagName.toLowerCase() + " " + (e.getAttribute("aria-label") || e.textContent)
                                     .trim().slice(0, 40),
                               outline: s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2,
                               body: e === document.body}; }"""
        )
        if focused["body"]:
            break
        assert focused["outline"], f"{where}: no visible focus on {focused['name']}"
        seen.append(focused["name"])
    assert seen, f"{where}: nothing can be reached with the keyboard"
    return seen


def pdf_text(path: Path) -> str:
    """The text of a PDF without any white space (so a word the page broke across lines is found whole)."""
    from pypdf import PdfReader

    return "".join("".join(p.extract_text() for p in PdfReader(path).pages).split())


def print_pdf(page: Any, out: Path, where: str) -> int:
    """Under print media at the width of an A4 page's text: no table wider than its box or the page. Then the page
    as an A4 PDF in `out`; its number of pages (each A4)."""
    from pypdf import PdfReader

    size = page.viewport_size
    page.emulate_media(media="print")
    page.set_viewport_size({"width": A4_TEXT_WIDTH, "height": size["height"]})
    try:
        cut = [t["caption"] for t in tables(page) if not t["fits"]]
        assert not cut, f"{where}: tables cut in print at A4 width: {cut}"
        assert not page_scrolls_sideways(page), f"{where}: the printed page is wider than A4"
        out.write_bytes(page.pdf(format="A4"))
    finally:
        page.emulate_media(media="screen")
        page.set_viewport_size(size)
    pages = PdfReader(BytesIO(out.read_bytes())).pages
    assert len(pages) > 0, where
    for p in pages:  # A4 is 210 × 297 mm: 595.3 × 841.9 points (Chromium rounds to whole hundredths of an inch)
        assert abs(float(p.mediabox.width) - A4_POINTS[0]) < 2 and abs(float(p.mediabox.height) - A4_POINTS[1]) < 2
    return len(pages)


def screenshot(page: Any, out: Path) -> Path:
    page.screenshot(path=str(out), full_page=True)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return out


def assert_skip_link(page: Any, where: str) -> None:
    """The first Tab stop is a skip link; Enter on it moves the reading position to the page's main content."""
    page.evaluate("() => { window.scrollTo(0, 0); document.activeElement && document.activeElement.blur(); }")
    page.keyboard.press("Tab")
    skip = page.evaluate("() => [document.activeElement.className, document.activeElement.getAttribute('href')]")
    assert skip[0] == "skip" and skip[1].startswith("#"), f"{where}: the first Tab stop is {skip}, not a skip link"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    inside = page.evaluate("(id) => document.getElementById(id).contains(document.activeElement)", skip[1][1:])
    assert inside, f"{where}: after the skip link, Tab does not continue inside {skip[1]}"


def assert_structure(page: Any, where: str, lang: str) -> None:
    """The page says its language, and every header cell says whether it heads a column or a row."""
    assert page.evaluate("() => document.documentElement.lang") == lang, where
    loose = page.evaluate("() => Array.from(document.querySelectorAll('th:not([scope])')).map(t => t.textContent)")
    assert not loose, f"{where}: header cells without scope: {loose}"


def check_page(
    page: Any, url: str, name: str, folder: Path, *, lang: str, widths: Sequence[int] = WIDTHS
) -> dict[int, list[dict[str, Any]]]:
    """The whole check of one page: its language and table headers, then at each width (the widest also in dark
    colours) axe-core and a readable layout with a screenshot, and the keyboard (skip link, visible focus); then
    printed to an A4 PDF. Returns the tables found per width."""
    found: dict[int, list[dict[str, Any]]] = {}
    page.emulate_media(media="screen")
    for width in widths:
        page.set_viewport_size({"width": width, "height": 900})
        for scheme in ("light", "dark") if width == max(widths) else ("light",):
            page.emulate_media(color_scheme=scheme)
            page.goto(url, wait_until="load")
            open_details(page)
            where = f"{name} at {width} px ({scheme})"
            assert_structure(page, where, lang)
            assert_accessible(page, where)
            found[width] = assert_readable(page, where)
            screenshot(page, folder / f"{name}-{width}-{scheme}.png")
        assert_skip_link(page, f"{name} at {width} px")
        assert_focus_visible(page, f"{name} at {width} px")
    page.emulate_media(color_scheme="light")
    page.goto(url, wait_until="load")  # as a reader prints it: folded parts as they are
    print_pdf(page, folder / f"{name}.pdf", name)
    return found
