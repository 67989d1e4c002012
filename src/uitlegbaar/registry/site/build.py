"""A static register site: an index to search and filter, and one page per algorithm with its model card
and lineage. Plain files that work from disk or any web server; nothing is fetched from elsewhere (a
Content-Security-Policy allows only the page's own inline style and script, by hash). Every value is
escaped; the rich-text fields keep only the register's own tags. The same input gives the same bytes."""

from __future__ import annotations

import base64
import functools
import hashlib
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from jinja2 import Environment, StrictUndefined, Template
from markupsafe import Markup

from uitlegbaar import progress
from uitlegbaar.documents.card.model import ModelCard
from uitlegbaar.documents.card.words import Words
from uitlegbaar.documents.i18n import label
from uitlegbaar.documents.register.validate import sanitized
from uitlegbaar.files import prepare_folder, write_atomic
from uitlegbaar.registry.sources import Document
from uitlegbaar.standards import algoritmeregister as ar

CARD_SUFFIX = "-modelkaart.html"
SHOWN = tuple(f for f in ar.FIELDS if f not in ("name", "lang", "standard_version", "tags", "publication_dt"))
_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Page:
    """One algorithm of the site: its entry, its card (if one was given) and its file name."""

    slug: str
    entry: dict[str, Any]
    card: ModelCard | None

    @property
    def name(self) -> str:
        return str(self.entry.get("name") or self.entry.get("source_id") or self.slug)

    def search_text(self) -> str:
        """What the search box matches: name, organisation, description, themes and search terms."""
        parts = [self.entry.get(k) for k in ("name", "organization", "description_short", "tags", "source_id")]
        parts += list(self.entry.get("category") or [])
        return " ".join(_plain(p) for p in parts if isinstance(p, str)).lower()


def build_site(
    documents: Iterable[Document], out: str | os.PathLike[str], title: str = "Algoritmeregister"
) -> list[Path]:
    """Write the site of the entries (and model cards) in `documents` to the folder `out`; the files written."""
    docs = list(documents)
    cards = [ModelCard.model_validate(d.data) for d in docs if d.kind == "card"]
    entries = [d.data for d in docs if d.kind == "entry" and isinstance(d.data, Mapping)]
    pages = _pages(entries, cards)
    folder = Path(out)
    prepare_folder(folder, "site folder")
    (folder / "algoritme").mkdir(exist_ok=True)
    written = [
        write_atomic(folder / "index.html", _render("index.html.j2", title=title, pages=pages, **_filters(pages)))
    ]
    for page in progress.each("site pages", pages, unit="entries"):
        html = _render(
            "algorithm.html.j2",
            title=title,
            page=page,
            fields=_fields(page.entry),
            lineage=_lineage(page.card),
            W=Words(page.card, "nl") if page.card is not None else None,
        )
        written.append(write_atomic(folder / "algoritme" / f"{page.slug}.html", html))
        if page.card is not None:
            from uitlegbaar.documents.card.html import render_html

            written.append(
                write_atomic(folder / "algoritme" / f"{page.slug}{CARD_SUFFIX}", render_html(page.card, "nl"))
            )
    return written


def _pages(entries: list[Mapping[str, Any]], cards: list[ModelCard]) -> list[Page]:
    """One page per entry, in name order, each with the card of the same algorithm."""
    pages: dict[str, Page] = {}
    for entry in entries:
        slug = _slug(entry)
        pages[slug] = Page(slug, dict(entry), _card_of(entry, cards))
    return sorted(pages.values(), key=lambda p: (p.name.lower(), p.slug))


def _card_of(entry: Mapping[str, Any], cards: list[ModelCard]) -> ModelCard | None:
    """The card whose algorithm has the entry's register code, or its organisation and source_id, or its name."""
    keys = (("lars",), ("organization", "source_id"), ("organization", "name"))
    for fields in keys:
        wanted = tuple(entry.get(f) for f in fields)
        if all(wanted):
            found = [c for c in cards if tuple(getattr(c.algorithm, f) for f in fields) == wanted]
            if found:
                return max(found, key=lambda c: c.provenance.run_ended or "")
    return None


def _slug(entry: Mapping[str, Any]) -> str:
    """A stable file name: the register's code when known, else a readable part and a digest of the key."""
    lars = entry.get("lars")
    if isinstance(lars, str) and lars.isdigit():
        return lars
    key = "\0".join(str(entry.get(k) or "") for k in ("organization", "source_id", "name"))
    readable = _SLUG.sub("-", str(entry.get("name") or "algoritme").lower()).strip("-")[:50] or "algoritme"
    return f"{readable}-{hashlib.sha256(key.encode()).hexdigest()[:8]}"


def _filters(pages: list[Page]) -> dict[str, list[str]]:
    """The values the index can be filtered on: the register's own, in its order, as far as used."""
    used = {k: {v for p in pages for v in _values(p.entry, k)} for k in ("category", "status", "publication_category")}
    return {
        "themes": [t for t in ar.THEMES if t in used["category"]],
        "statuses": [s for s in ar.STATUS if s in used["status"]],
        "categories": [c for c in ar.PUBLICATION_CATEGORY if c in used["publication_category"]],
    }


def _values(entry: Mapping[str, Any], key: str) -> list[str]:
    value = entry.get(key)
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return [value] if isinstance(value, str) else []


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    text: str | None = None
    html: Markup | None = None
    links: tuple[tuple[str, str | None], ...] = ()


def _fields(entry: Mapping[str, Any]) -> list[Field]:
    """The entry's filled-in fields, labelled in Dutch, in the standard's order."""
    out = []
    for key in SHOWN:
        value = entry.get(key)
        if value in (None, "", []):
            continue
        name = label(key, "nl")
        if key in ar.GROUPING_REQUIRED and isinstance(value, list):
            items = [v for v in value if isinstance(v, Mapping)]
            out.append(
                Field(key, name, links=tuple((str(v.get("title") or ""), web_link(v.get("link"))) for v in items))
            )
        elif isinstance(value, list):
            out.append(Field(key, name, text=", ".join(str(v) for v in value)))
        elif key in ar.RICH_TEXT:
            out.append(Field(key, name, html=Markup(sanitized(str(value)))))
        else:
            out.append(Field(key, name, text=str(value)))
    return out


def web_link(value: Any) -> str | None:
    """`value` when it is an http(s) address (the only links the site makes), else None."""
    return (
        value.strip() if isinstance(value, str) and value.strip().lower().startswith(("https://", "http://")) else None
    )


@dataclass(frozen=True)
class Link:
    """One step of the lineage: what went in, what did it, what came out."""

    inputs: tuple[str, ...]
    function: str
    outputs: tuple[str, ...]


def _lineage(card: ModelCard | None) -> list[Link]:
    """The card's steps, then the training of the model, as a chain from the source data to the model."""
    if card is None:
        return []
    words = Words(card, "nl")
    links = [
        Link(tuple(map(words.dataset, s.inputs)), words.function(s.function), tuple(map(words.dataset, s.outputs)))
        for s in card.lineage
    ]
    if card.model is not None:
        trained = tuple(words.dataset(d.name) for d in card.training_data)
        links.append(Link(trained, words.function(card.model.training_function), (f"model {card.model.name}",)))
    return links


def _plain(text: str) -> str:
    from uitlegbaar.documents.register.validate import strip_html

    return " ".join(strip_html(text).split())


# ---------------------------------------------------------------- templates


def _render(name: str, **context: Any) -> str:
    css, js = _asset("site.css"), _asset("site.js")
    policy = (
        f"default-src 'none'; style-src '{_hash(css)}'; script-src '{_hash(js)}'; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    return _template(name).render(
        css=Markup(css), js=Markup(js), policy=policy, label=label, web_link=web_link, **context
    )


@functools.cache
def _asset(name: str) -> str:
    return (files("uitlegbaar.registry.site") / "templates" / name).read_text(encoding="utf-8")


@functools.cache
def _template(name: str) -> Template:
    env = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return env.from_string(_asset(name))


def _hash(content: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(content.encode("utf-8")).digest()).decode()
