"""The model card as one self-contained HTML page: inline CSS, inline SVG charts, no scripts and a
Content-Security-Policy that forbids every fetch. Every value from evidence or declaration goes
through Jinja's autoescaping; only `http(s)` links become links. The same card gives the same bytes."""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from jinja2 import Template

from uitlegbaar.documents.card import personal as personal_text
from uitlegbaar.documents.card.model import DatasetSummary, Explanation, ModelCard
from uitlegbaar.documents.card.templating import is_empty, load_template
from uitlegbaar.documents.card.words import Words
from uitlegbaar.documents.claims import describe
from uitlegbaar.documents.diff import changes_of
from uitlegbaar.documents.i18n import LABELS, Language, label
from uitlegbaar.evidence.records import ColumnProfile

# sections in the order they appear, by label key (the key is also the element id)
SECTIONS = (
    "model_details",
    "intended_use",
    "training_data",
    "evaluation_data",
    "features",
    "metrics",
    "subgroups",
    "explanations",
    "considerations",
    "lineage",
    "changes",
    "gaps",
    "missing",
    "provenance",
)
# Okabe–Ito: distinguishable with the common colour-vision deficiencies, and in grey print
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000")
POSITIVE, NEGATIVE = "#0072B2", "#D55E00"
CHART_WIDTH, LABEL_WIDTH, VALUE_WIDTH = 720, 220, 80
ROW, BAR, PAD = 22, 14, 8
MAX_IMPORTANCES = 20
MAX_LABEL = 30
TOP_VALUES = 3


# ---------------------------------------------------------------- entry point


def render_html(card: ModelCard, lang: Language = "en") -> str:
    """The whole card as one HTML document, in English or Dutch."""
    return _template().render(**_context(card, lang))


@functools.cache
def _template() -> Template:
    return load_template("card.html.j2", autoescape=True)


def _context(card: ModelCard, lang: Language) -> dict[str, Any]:
    L = functools.partial(label, lang=lang)
    num = functools.partial(number, lang=lang)
    words = Words(card, lang)
    return {
        "card": card,
        "lang": lang,
        "W": words,
        "sections": SECTIONS,
        "L": L,
        "num": num,
        "count": functools.partial(count, lang=lang),
        "scalar": functools.partial(scalar, lang=lang),
        "literal": literal,
        "moment": moment,
        "web_link": web_link,
        "metric_label": functools.partial(metric_label, lang=lang),
        "metric_help": functools.partial(metric_help, lang=lang),
        "claim_text": functools.partial(describe, lang=lang),
        "change_sections": functools.partial(changes_of, lang=lang),
        "columns": functools.partial(column_rows, lang=lang),
        "suspected": functools.partial(personal_text.suspected, lang=lang),
        "feature_personal": functools.partial(personal_text.feature_personal, lang=lang),
        "group_metrics": group_metrics,
        "importance_chart": lambda x: importance_chart(x, num, words.feature),
        "group_chart": lambda groups: group_chart(groups, num, functools.partial(metric_label, lang=lang)),
        "max_importances": MAX_IMPORTANCES,
        "empty": is_empty,
    }


# ---------------------------------------------------------------- values as text


def number(value: float, lang: Language = "en") -> str:
    """A number for people: whole numbers from 2 up with thousands separators, others with three
    decimals (so 0 and 1 read like the shares around them); Dutch uses a decimal comma and a
    thousands point."""
    if math.isnan(value) or math.isinf(value):
        return str(value)
    if float(value).is_integer() and 2 <= abs(value) < 1e15:
        text = f"{int(value):,}"
    elif abs(value) >= 100:
        text = f"{value:,.1f}"
    elif value == 0 or abs(value) >= 0.001:
        text = f"{value:.3f}"
    else:
        text = f"{value:.2e}"
    if lang == "nl":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def count(value: int, lang: Language = "en") -> str:
    """A whole number with thousands separators."""
    text = f"{value:,}"
    return text.replace(",", ".") if lang == "nl" else text


def scalar(value: Any, lang: Language = "en") -> str:
    """A JSON value as text: numbers formatted, booleans as yes/no, strings as they are."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return label("yes" if value else "no", lang)
    if isinstance(value, int):
        return count(value, lang)
    if isinstance(value, float):
        return number(value, lang)
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def literal(value: Any) -> str:
    """A parameter value as the engineer wrote it: `None`, `True`, `0.1`, strings as they are."""
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, bool | int | float):
        return repr(value)
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def moment(value: str | None) -> str | None:
    """An ISO timestamp to the second, with its offset (`UTC` for +00:00)."""
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return value
    offset = when.strftime("%z")
    zone = "UTC" if offset in ("+0000", "") else f"UTC{offset[:3]}:{offset[3:]}"
    return f"{when:%Y-%m-%d %H:%M:%S} {zone}" if offset else f"{when:%Y-%m-%d %H:%M:%S}"


def web_link(value: str | None) -> str | None:
    """`value` when it is an http(s) URL (the only links the card makes), else None."""
    if value is None:
        return None
    stripped = value.strip()
    return stripped if stripped.lower().startswith(("https://", "http://")) else None


def metric_label(name: str, lang: Language = "en") -> str:
    """A metric's name in `lang` (see `Words.metric`)."""
    from uitlegbaar.documents.card.words import metric

    return metric(name, lang)


def metric_help(name: str, lang: Language = "en") -> str | None:
    key = f"metric_help_{name}"
    return label(key, lang) if key in LABELS else None


def _short(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


# ---------------------------------------------------------------- tables


@dataclass(frozen=True)
class ColumnRow:
    """One column of a dataset, from its schema and profile, as the card's table shows it."""

    name: str
    type: str
    personal: bool
    sensitive: bool
    nulls: str
    distinct: str
    range: str
    mean: str
    top: str
    note: str = ""  # why an undeclared column counts as personal (suspected, derived)


def column_rows(dataset: DatasetSummary, lang: Language = "en") -> list[ColumnRow]:
    """Every column of the dataset, in schema order, with its profile when there is one."""
    profiles = {p.name: p for p in dataset.profile}
    schema = [(c.name, c.type) for c in dataset.schema_] or [(p.name, p.type) for p in dataset.profile]
    return [_column_row(dataset, name, kind, profiles.get(name), lang) for name, kind in schema]


def _column_row(dataset: DatasetSummary, name: str, kind: str, p: ColumnProfile | None, lang: Language) -> ColumnRow:
    personal = name in dataset.personal or (p is not None and p.personal)
    note = personal_text.column_note(dataset, name, lang) if personal else ""
    row = ColumnRow(name, kind, personal, name in dataset.sensitive, "", "", "", "", "", note)
    if p is None:
        return row
    row = replace(row, nulls=count(p.null_count, lang))
    if personal:  # values of personal columns are never shown, even if a profile holds some
        return row
    return replace(
        row,
        distinct=("≈" if p.distinct_estimated else "") + count(p.distinct, lang) if p.distinct is not None else "",
        range=f"{scalar(p.min, lang)} – {scalar(p.max, lang)}" if p.min is not None else "",
        mean=number(p.mean, lang) if p.mean is not None else "",
        top="; ".join(
            part
            for part in (
                ", ".join(f"{scalar(v.value, lang)} ({count(v.count, lang)})" for v in p.top_values[:TOP_VALUES]),
                personal_text.rare_values(dataset, p, lang),
            )
            if part
        ),
    )


def group_metrics(groups: Mapping[str, Mapping[str, float]]) -> list[str]:
    """The metrics of an attribute's groups, in first-seen order."""
    return _unique(m for values in groups.values() for m in values)


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


# ---------------------------------------------------------------- charts


@dataclass(frozen=True)
class Bar:
    """One row of a horizontal bar chart, in SVG user units (already formatted, so output is stable)."""

    label: str
    short: str
    value: str
    y: str
    text_y: str
    x: str
    width: str
    colour: str


@dataclass(frozen=True)
class Heading:
    text: str
    y: str


@dataclass(frozen=True)
class Axis:
    """The zero line of a run of bars."""

    x: str
    y1: str
    y2: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    headings: list[Heading]
    axes: list[Axis]
    label_x: int = LABEL_WIDTH - 8
    value_x: int = CHART_WIDTH - 4
    bar_height: int = BAR


def _c(v: float) -> str:
    return f"{v:.1f}"


Scale = Callable[[float], tuple[float, float]]


def _band(lo: float, hi: float) -> tuple[Scale, float]:
    """The scale from `lo` to `hi` (lo ≤ 0 ≤ hi) that maps a value to the x and width of its bar,
    and the x of zero."""
    left, right = LABEL_WIDTH, CHART_WIDTH - VALUE_WIDTH
    span = (hi - lo) or 1.0
    zero = left + (0 - lo) / span * (right - left)

    def place(value: float) -> tuple[float, float]:
        end = left + (value - lo) / span * (right - left)
        return min(zero, end), abs(end - zero)

    return place, zero


def _domain(values: Sequence[float], *, shares: bool = False) -> tuple[float, float]:
    """From the smallest value (or 0) to the largest (or 0); with `shares`, values that all lie in
    [0, 1] get the whole scale from 0 to 1."""
    finite = [v for v in values if math.isfinite(v)] or [0.0]
    lo, hi = min(0.0, *finite), max(0.0, *finite)
    if shares and lo == 0 and 0 < hi <= 1:
        hi = 1.0
    return lo, hi


def _bars(
    rows: Sequence[tuple[str, float, str]], top: float, lo: float, hi: float, num: Callable[[float], str]
) -> tuple[list[Bar], Axis]:
    """One bar per (label, value, colour), from `top` down, on one scale, with its zero line."""
    scale, zero = _band(lo, hi)
    bars = []
    for n, (text, value, colour) in enumerate(rows):
        y = top + n * ROW
        x, width = scale(value if math.isfinite(value) else 0.0)
        bars.append(
            Bar(
                label=text,
                short=_short(text),
                value=num(value),
                y=_c(y + (ROW - BAR) / 2),
                text_y=_c(y + ROW / 2),
                x=_c(x),
                width=_c(max(width, 0.5)),
                colour=colour,
            )
        )
    return bars, Axis(x=_c(zero), y1=_c(top), y2=_c(top + ROW * len(rows)))


def importance_chart(explanation: Explanation, num: Callable[[float], str], name: Callable[[str], str] = str) -> Chart:
    """Horizontal bars of the largest importances (most important first), negative ones left of zero; each bar
    labelled with `name` of its feature (the name prose uses)."""
    shown = explanation.importances[:MAX_IMPORTANCES]
    lo, hi = _domain([i.value for i in shown])
    rows = [(name(i.feature), i.value, POSITIVE if i.value >= 0 else NEGATIVE) for i in shown]
    bars, axis = _bars(rows, PAD, lo, hi, num)
    return Chart(width=CHART_WIDTH, height=PAD * 2 + ROW * len(rows), bars=bars, headings=[], axes=[axis])


def group_chart(
    groups: Mapping[str, Mapping[str, float]], num: Callable[[float], str], name: Callable[[str], str]
) -> Chart:
    """Grouped horizontal bars: per metric a heading and one bar per group, each group its own colour,
    each metric its own scale."""
    colours = {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(groups)}
    bars: list[Bar] = []
    headings: list[Heading] = []
    axes: list[Axis] = []
    y = float(PAD)
    for metric in group_metrics(groups):
        rows = [(g, values[metric], colours[g]) for g, values in groups.items() if metric in values]
        headings.append(Heading(text=name(metric), y=_c(y + ROW * 0.7)))
        y += ROW
        more, axis = _bars(rows, y, *_domain([v for _, v, _ in rows], shares=True), num)
        bars += more
        axes.append(axis)
        y += ROW * len(rows) + PAD
    return Chart(width=CHART_WIDTH, height=int(y + PAD), bars=bars, headings=headings, axes=axes)
