"""How the card words personal data beyond a yes/no: suspected by screening, derived from personal columns, and
values left out of a profile because they occur too rarely to show. Shared by the Markdown and HTML cards."""

from __future__ import annotations

from uitlegbaar.documents.card.model import DatasetSummary, Feature
from uitlegbaar.documents.i18n import Language, label
from uitlegbaar.evidence.records import ColumnProfile


def suspected(dataset: DatasetSummary, lang: Language = "en") -> list[str]:
    """`email (e-mail addresses)` for each column that screening suspects and nobody confirmed yet."""
    privacy = dataset.privacy
    if privacy is None:
        return []
    kinds = {f.column: f.kind for f in privacy.findings}
    return [f"{c} ({label('kind_' + kinds[c], lang)})" if c in kinds else c for c in privacy.suspected]


def column_note(dataset: DatasetSummary, column: str, lang: Language = "en") -> str:
    """Why a column counts as personal when nobody declared it: `suspected: e-mail addresses`, `derived from …`."""
    privacy = dataset.privacy
    if privacy is None:
        return ""
    if column in privacy.derived_from:
        return label("personal_derived", lang).format(sources=", ".join(privacy.derived_from[column]))
    kind = next((f.kind for f in privacy.findings if f.column == column), None)
    return label("personal_suspected", lang).format(kind=label(f"kind_{kind}", lang)) if kind else ""


def feature_personal(feature: Feature, lang: Language = "en") -> str:
    """A model input's personal-data cell: empty, `yes`, or `yes, derived from geboortedatum`."""
    if not feature.personal:
        return ""
    if feature.derived_from:
        return label("yes_derived", lang).format(sources=", ".join(feature.derived_from))
    return label("yes", lang)


def rare_values(dataset: DatasetSummary, profile: ColumnProfile, lang: Language = "en") -> str:
    """`3 value(s) occurring fewer than 10 times not shown`, when the profile left any out."""
    if not profile.suppressed_values or dataset.privacy is None:
        return ""
    return label("rare_values", lang).format(n=profile.suppressed_values, min=dataset.privacy.min_cell_count)
