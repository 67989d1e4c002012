"""From a store and a run reference to a rendered card: what `uitlegbaar card` does, as a library call."""

from __future__ import annotations

import os
from typing import Literal

from uitlegbaar.documents.card.compile import compile_card
from uitlegbaar.documents.card.model import ModelCard
from uitlegbaar.documents.i18n import Language
from uitlegbaar.evidence import declaration as declarations
from uitlegbaar.evidence.view import Evidence, load_evidence
from uitlegbaar.store.local import LocalStore

Format = Literal["md", "html", "json"]


def declaration_for(
    evidence: Evidence, path: str | os.PathLike[str] | None, algorithm: str | None
) -> tuple[declarations.Declaration, str | None]:
    """The declaration that describes the run's model: from `path`, else the nearest uitlegbaar.yaml;
    an empty one when there is none (the card then lists everything as missing)."""
    found = path or declarations.find()
    if found is None:
        return declarations.Declaration(), None
    loaded = declarations.load(found)
    key = algorithm or (evidence.model.name if evidence.model else None)
    return loaded.select(key), str(found)


def build_card(
    store: LocalStore, ref: str, *, declaration: str | os.PathLike[str] | None = None, algorithm: str | None = None
) -> ModelCard:
    """Compile the card of run `ref` with its declaration and the changes since the previous version."""
    evidence = load_evidence(store, ref)
    declared, path = declaration_for(evidence, declaration, algorithm)
    return compile_card(evidence, declared, changes=changes_for(store, evidence), declaration_path=path)


def changes_for(store: LocalStore, evidence: Evidence) -> dict[str, object] | None:
    """What changed since the previous finished run of the same model (None for the first one)."""
    from uitlegbaar.documents.diff import changes_since, previous_run

    found = changes_since(previous_run(store, evidence), evidence)
    return None if found is None else found.model_dump(mode="json")


def render(card: ModelCard, fmt: Format, lang: Language = "en") -> str:
    """The card as Markdown (a Hugging Face model card), self-contained HTML, or JSON; paths under the
    user's home folder written `~/…` (see `uitlegbaar.documents.paths`)."""
    from uitlegbaar.documents.paths import hide_home

    if fmt == "md":
        from uitlegbaar.documents.card.markdown import render_markdown

        return hide_home(render_markdown(card, lang))
    if fmt == "html":
        from uitlegbaar.documents.card.html import render_html

        return hide_home(render_html(card, lang))
    return hide_home(card.model_dump_json(indent=2, by_alias=True)) + "\n"
