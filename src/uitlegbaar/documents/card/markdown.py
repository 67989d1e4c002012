"""The model card as Markdown: a valid Hugging Face model card (YAML front matter with `model-index`)
followed by the card's sections, from `templates/card.md.j2`. Text from evidence or declarations is
written as text: characters that Markdown or HTML would interpret are escaped."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from typing import Any

from jinja2 import Template

from uitlegbaar.documents.card import personal as personal_text
from uitlegbaar.documents.card.model import Evaluation, ModelCard
from uitlegbaar.documents.card.templating import load_template
from uitlegbaar.documents.card.words import Words
from uitlegbaar.documents.claims import describe
from uitlegbaar.documents.diff import changes_of
from uitlegbaar.documents.i18n import Language, label

_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")  # what could start markup, a link, HTML or a table cell


def render_markdown(card: ModelCard, lang: Language = "en") -> str:
    """The whole card as a Hugging Face model card (`README.md`)."""
    return _template().render(
        card=card,
        meta=front_matter(card, lang),
        L=functools.partial(label, lang=lang),
        W=Words(card, lang),
        format=format,
        group_rows=group_rows,
        claim_text=functools.partial(describe, lang=lang),
        change_sections=functools.partial(changes_of, lang=lang),
        suspected=functools.partial(personal_text.suspected, lang=lang),
        feature_personal=functools.partial(personal_text.feature_personal, lang=lang),
    )


@functools.cache
def _template() -> Template:
    filters = {"md": text, "row": row, "num": _num, "yaml": _yaml}
    return load_template("card.md.j2", autoescape=False, filters=filters)


def text(value: Any) -> str:
    """A value as inline Markdown text: special characters escaped, newlines folded."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(value).split()))


def row(cells: Sequence[Any]) -> str:
    """One line of a Markdown table, every cell as text."""
    return "| " + " | ".join(text(c) for c in cells) + " |"


def group_rows(evaluations: Iterable[Evaluation]) -> list[tuple[str, str, str, str, float]]:
    """(split, attribute, group, metric, value) for every metric of every group of every evaluation."""
    return [
        (e.split, attribute, group, metric, value)
        for e in evaluations
        for attribute, groups in e.by_group.items()
        for group, metrics in groups.items()
        for metric, value in metrics.items()
    ]


def front_matter(card: ModelCard, lang: Language) -> dict[str, Any]:
    """Hugging Face card metadata; `model-index` holds every metric of every evaluation."""
    meta: dict[str, Any] = {"language": ["nl" if lang == "nl" else "en"], "tags": ["uitlegbaar", "tabular"]}
    if card.model is not None:
        meta["library_name"] = card.model.library or "unknown"
        if card.model.licence:
            meta["license"] = card.model.licence
    words = Words(card, lang)
    if card.training_data:
        meta["datasets"] = [words.dataset(d.name) for d in card.training_data]
    metrics = sorted({m for e in card.evaluations for m in e.metrics})
    if metrics:
        meta["metrics"] = metrics
    if card.model is not None and card.evaluations:
        meta["model-index"] = [
            {
                "name": card.model.name,
                "results": [
                    {
                        "task": {"type": "tabular-classification" if _classifier(card) else "tabular-regression"},
                        "dataset": {
                            "type": words.dataset(e.data[0]) if e.data else e.split,
                            "name": words.dataset(e.data[0]) if e.data else e.split,
                            "split": e.split,
                        },
                        "metrics": [{"type": k, "name": words.metric(k), "value": v} for k, v in e.metrics.items()],
                    }
                    for e in card.evaluations
                    if e.metrics
                ],
            }
        ]
    meta["uitlegbaar"] = {"run_id": card.provenance.run_id, "evidence_digest": card.provenance.evidence_digest}
    return meta


def _classifier(card: ModelCard) -> bool:
    if card.model is None:
        return False
    return card.model.task == "classification" if card.model.task else "Regress" not in card.model.class_name


def _num(value: Any) -> str:
    if value is None:
        return ""
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _yaml(data: Any) -> str:
    import yaml

    dumped: str = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    return dumped
