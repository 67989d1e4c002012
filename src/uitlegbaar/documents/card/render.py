"""A model card as a file: Markdown (a Hugging Face model card), self-contained HTML, or JSON."""

from __future__ import annotations

from typing import Literal

from uitlegbaar.documents.card.model import ModelCard
from uitlegbaar.documents.i18n import Language

Format = Literal["md", "html", "json"]


def render_card(card: ModelCard, fmt: str, lang: Language = "en") -> str:
    """The card in `fmt`; paths under the user's home folder written `~/…` (see `uitlegbaar.documents.paths`)."""
    from uitlegbaar.documents.paths import hide_home

    if fmt == "md":
        from uitlegbaar.documents.card.markdown import render_markdown

        return hide_home(render_markdown(card, lang))
    if fmt == "html":
        from uitlegbaar.documents.card.html import render_html

        return hide_home(render_html(card, lang))
    return hide_home(card.model_dump_json(indent=2, by_alias=True)) + "\n"
