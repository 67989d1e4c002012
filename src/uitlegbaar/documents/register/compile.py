"""Compile an Algoritmeregister entry (publication standard 1.0, the submission API's `AlgorithmIn`).

Declared fields map 1:1 from `uitlegbaar.yaml`; `source_data` and `methods_and_models` are written (in
Dutch, as simple HTML) from the captured evidence, and `risks` is enriched with the measured per-group
outcomes. Text over a limit is shortened at a sentence boundary and every change is returned as a note.
A declaration the register would reject (HTML in a name, an over-long link, …) raises one
`ConfigurationError` listing every such field; missing fields are left out for validation to report.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape
from typing import Any, Literal, TypeVar

from uitlegbaar.documents.card.model import DatasetSummary, Evaluation, ModelCard
from uitlegbaar.documents.card.words import metric as metric_label
from uitlegbaar.documents.i18n import LABELS, label
from uitlegbaar.documents.names import (
    dataset_titles,
    feature_groups,
    feature_title,
    files_text,
    function_name,
    method_name,
    table_version_text,
)
from uitlegbaar.documents.register.validate import Problem, check_field, check_text, errors, read_html
from uitlegbaar.errors import ConfigurationError
from uitlegbaar.evidence.declaration import Declaration, Reference
from uitlegbaar.evidence.records import DatasetRecord, DatasetRef
from uitlegbaar.evidence.view import Evidence
from uitlegbaar.standards import algoritmeregister as ar

NAME_LENGTH = 80  # longest dataset, column or group name quoted in generated text
MAX_FEATURES_NAMED = 25
MAX_TOP_FEATURES = 5
TAGS_LENGTH = 2490  # the register wraps tags in <p></p>, and its column holds 2500 characters

T = TypeVar("T")

DECLARED_PLAIN = (
    "name",
    "description_short",
    "organization",
    "begin_date",
    "end_date",
    "contact_email",
    "website",
    "url",
    "process_index_url",
    "provider",
    "publiccode",
    "source_id",
)
DECLARED_RICH = ("goal", "proportionality", "human_intervention", "lawful_basis", "impacttoetsen")
SHORTENED = ("description_short",)  # plain fields that are prose, so may be shortened

# Column names that say which kind of personal data a column holds (never its values).
PERSONAL_KINDS = {
    "bsn": "burgerservicenummer",
    "burgerservicenummer": "burgerservicenummer",
    "naam": "naam",
    "name": "naam",
    "achternaam": "naam",
    "voornaam": "naam",
    "adres": "adres",
    "address": "adres",
    "postcode": "postcode",
    "geboortedatum": "geboortedatum",
    "birth_date": "geboortedatum",
    "email": "e-mailadres",
    "e-mail": "e-mailadres",
    "telefoon": "telefoonnummer",
    "phone": "telefoonnummer",
    "iban": "bankrekeningnummer",
}
NOT_COMPARED = frozenset({"size"})  # a count per group, not an outcome: its ratio between groups is no risk figure


@dataclass(frozen=True)
class Note:
    """Something compilation changed or left out, for the person who publishes the entry."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


@dataclass(frozen=True)
class RegisterEntry:
    """A compiled entry: the submission body, the notes on how it was made, and the register's id if known."""

    entry: dict[str, Any]
    notes: tuple[Note, ...] = ()
    lars: str | None = None

    def payload(self) -> dict[str, Any]:
        """The JSON body for `POST /aanleverapi/v1_0/organizations/{org_id}/algorithms` (a copy)."""
        return copy.deepcopy(self.entry)


@dataclass
class _Log:
    source: str
    notes: list[Note] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)

    def note(self, where: str, message: str) -> None:
        self.notes.append(Note(where, message))

    def reject(self, where: str, message: str) -> None:
        self.rejected.append(f"{self.source}: {where}: {message}")

    def accept(self, where: str, value: T, problems: list[Problem]) -> T | None:
        """`value` when `problems` (its check) has no errors; otherwise record why not and give None."""
        found = errors(problems)
        for problem in found:
            self.reject(problem.field if problem.field.startswith(where) else where, problem.message)
        return None if found else value


def compile_entry(card: ModelCard, evidence: Evidence, declaration: Declaration) -> RegisterEntry:
    """The register entry of the card's algorithm: declared fields as written, the rest from the evidence."""
    log = _Log(card.provenance.declaration or "uitlegbaar.yaml")
    values: dict[str, Any] = {}
    values |= _declared(declaration, log)
    values |= _groupings(declaration, log)
    values["source_data"] = _source_data(card, evidence, log)
    values["methods_and_models"] = _methods_and_models(card, evidence, log)
    values["risks"] = _risks(card, declaration, log)
    values["lang"] = ar.LANG
    values["standard_version"] = ar.STANDARD_VERSION
    if log.rejected:
        raise ConfigurationError(
            "the declaration cannot become a register entry:\n" + "\n".join(dict.fromkeys(log.rejected))
        )
    entry = {k: values[k] for k in ar.FIELDS if values.get(k) not in (None, [], "")}
    return RegisterEntry(entry, tuple(log.notes), declaration.lars)


# ------------------------------------------------------------------ declared fields


def _declared(d: Declaration, log: _Log) -> dict[str, Any]:
    values: dict[str, Any] = {
        "status": d.status,
        "publication_category": d.publication_category,
        "category": list(d.category),
    }
    for name in DECLARED_PLAIN:
        values[name] = _plain(name, getattr(d, name), log)
    for name in DECLARED_RICH:
        html = _prose(name, getattr(d, name), ar.MAX_LENGTH[name], log)
        values[name] = log.accept(name, html, check_field(name, html))
    values["tags"] = _tags(d.tags, log)
    return values


def _plain(name: str, value: str | None, log: _Log) -> str | None:
    """A declared text field the register keeps without HTML."""
    text = _clean(value)
    if text is None:
        return None
    limit = ar.MAX_LENGTH[name]
    if name in SHORTENED and len(text) > limit and not read_html(text).has_markup:
        text = _shorten(name, text, limit, log)
    return log.accept(name, text, check_field(name, text))


def _prose(name: str, value: str | None, limit: int, log: _Log) -> str | None:
    """A declared rich-text field: HTML as written, or plain text as escaped paragraphs."""
    text = _clean(value)
    if text is None:
        return None
    if read_html(text).has_markup:
        return text  # the user's own HTML: checked, never rewritten
    if len(text) > limit:
        text = _shorten(name, text, limit, log)
    return _paragraphs(text) if text else None


def _tags(tags: list[str], log: _Log) -> str | None:
    words = [t for t in (_clean(t) for t in tags) if t]
    kept: list[str] = []
    for word in words:
        if len(", ".join([*kept, word])) > TAGS_LENGTH:
            log.note(
                "tags", f"kept the first {len(kept)} of {len(words)} search terms (at most {TAGS_LENGTH} characters)"
            )
            break
        kept.append(word)
    if not kept:
        return None
    html = escape(", ".join(kept), quote=False)
    return log.accept("tags", html, check_field("tags", html))


def _groupings(d: Declaration, log: _Log) -> dict[str, Any]:
    return {
        "lawful_basis_grouping": _grouping("lawful_basis_grouping", d.lawful_basis_grouping, log),
        "impacttoetsen_grouping": _grouping("impacttoetsen_grouping", d.impacttoetsen_grouping, log),
        "source_data_grouping": _grouping("source_data_grouping", d.source_data_grouping, log),
    }


def _grouping(name: str, references: list[Reference], log: _Log) -> list[dict[str, str]]:
    """The references as {title, link}; items the register requires a link for are dropped without one."""
    items = []
    for i, ref in enumerate(references):
        title, link = _clean(ref.title), _clean(ref.link)
        if title is None or (link is None and "link" in ar.GROUPING_REQUIRED[name]):
            missing = "title" if title is None else "link"
            log.note(f"{name}[{i}]", f"left out: the register requires a {missing} ({ref.title!r})")
            continue
        item = {"title": title} | ({"link": link} if link is not None else {})
        where = f"{name}[{i}]"
        limits = ar.GROUPING_MAX_LENGTH[name]
        problems = [p for k, v in item.items() for p in check_text(f"{where}.{k}", v, limits[k], rich=False)]
        if log.accept(where, item, problems) is not None:
            items.append(item)
    return items


# ------------------------------------------------------------------ generated fields


def _source_data(card: ModelCard, evidence: Evidence, log: _Log) -> str | None:
    datasets = evidence.sources or _trained_on(evidence)
    if not datasets:
        log.note("source_data", "left out: the run captured no source dataset")
        return None
    summaries = {d.name: d for d in card.training_data}
    intro = _Block(
        [
            "Het model is gemaakt met de gegevens hieronder.",
            "Van persoonsgegevens staan hier alleen de soorten gegevens (kolommen), nooit de waarden.",
        ],
        keep=True,
    )
    titles = dataset_titles(evidence)
    items = [describe_dataset(d, summaries.get(d.name), titles.get(d.id, {}).get("nl")) for d in datasets]
    return _fit("source_data", [intro, _Block(items, kind="ul")], log)


def _trained_on(evidence: Evidence) -> list[DatasetRecord]:
    refs = evidence.model.training_data if evidence.model else []
    return [d for d in (evidence.dataset(r.id) for r in refs) if d is not None]


def describe_dataset(d: DatasetRecord, summary: DatasetSummary | None, title: str | None = None) -> str:
    """One dataset in a sentence or three: its name (`title`, else the recorded name without a module path),
    size, public source, the table version and files it was read from, description, the kinds of personal data
    it holds (never values) and sensitive attributes."""
    personal = summary.personal if summary else d.personal
    sensitive = summary.sensitive if summary else d.sensitive
    parts = [f"{_name(title or function_name(d.name))}: {_count(d.num_rows)} rijen en {_count(d.num_columns)} kolommen"]
    if d.source and publishable_source(d.source):
        parts[0] += f", bron {_name(d.source, 200)}"
    read = [table_version_text(d.table_version, "nl")] if d.table_version else []
    read += [files_text(d.files, "nl")] if d.files else []
    if read:
        parts.append(f"Gelezen: {', '.join(read)}.")
    if d.description:
        parts.append(_sentence(_name(d.description, 200)))
    if personal:
        kinds = ", ".join(_personal_kind(c) for c in personal)
        parts.append(f"Persoonsgegevens (soorten): {kinds}.")
    else:
        parts.append("Geen kolommen zijn als persoonsgegeven gemarkeerd.")
    if sensitive:
        parts.append(f"Gevoelige kenmerken: {', '.join(_name(c) for c in sensitive)}.")
    return _sentence(parts[0]) + " " + " ".join(parts[1:])


def publishable_source(source: str) -> bool:
    """Public web addresses only: a local path or an internal store location (a home folder, a bucket)
    says nothing to a citizen and may tell an attacker too much. Links to data catalogues belong in
    `source_data_grouping`."""
    return source.startswith("https://")


def _personal_kind(column: str) -> str:
    kind = PERSONAL_KINDS.get(column.strip().lower())
    return _name(column) + (f" ({kind})" if kind and kind != column.strip().lower() else "")


def _self_learning(card: ModelCard, log: _Log) -> list[str]:
    """What the declaration claims about self-learning, stated only when the evidence does not refute it."""
    claim = next((c for c in card.claims if c.claim == "self_learning"), None)
    if claim is None:
        log.note("methods_and_models", "whether the model is self-learning is not declared (claims.self_learning)")
        return []
    if claim.refuted:
        log.note("methods_and_models", f"left out the self-learning claim, which the evidence refutes: {claim.found}")
        return []
    if claim.declared == "yes":
        return ["Het model is zelflerend: het leert bij tijdens het gebruik."]
    return [
        "Het model is niet zelflerend: het is getraind in een afgeronde trainingsrun en leert niet bij tijdens het "
        "gebruik.",
        "Een nieuwe versie ontstaat alleen door opnieuw te trainen.",
    ]


def _methods_and_models(card: ModelCard, evidence: Evidence, log: _Log) -> str | None:
    model = card.model
    if model is None or evidence.model is None:
        log.note("methods_and_models", "left out: the run captured no trained model")
        return None
    library = " ".join(_name(x) for x in (model.library, model.library_version) if x)
    kind = _name(model.class_name.rsplit(".", 1)[-1])
    blocks = [
        _Block(
            [
                f"Het algoritme gebruikt een model van het type {kind} "
                f"({_name(model.class_name, 200)}{', uit ' + library if library else ''})."
            ],
            keep=True,
        ),
        _Block(_self_learning(card, log), keep=True),
        _Block(features(card)),
        _Block([training(evidence)]),
        _Block([evaluation(e, evidence) for e in card.evaluations]),
        _Block([explanation(x.method, [(i.feature, i.value) for i in x.importances], card) for x in card.explanations]),
        _Block(glossary(card)),
        _Block([f"De volledige technische gegevens staan in de modelkaart van run {evidence.run_id[:12]}."], keep=True),
    ]
    return _fit("methods_and_models", blocks, log)


def _personal_columns(card: ModelCard) -> set[str]:
    return {c for d in (*card.training_data, *card.evaluation_data) for c in d.personal}


def features(card: ModelCard) -> list[str]:
    """The model's inputs as a reader knows them: one-hot columns once, with their categories (never those of
    a personal column), other inputs by their source column."""
    if not card.features:
        return []
    personal_columns = _personal_columns(card)
    names = feature_groups(card.features, personal_columns, "nl")
    count = len(card.features)
    shown = ", ".join(_name(n, 200) for n in names[:MAX_FEATURES_NAMED])
    more = f" en {len(names) - MAX_FEATURES_NAMED} andere" if len(names) > MAX_FEATURES_NAMED else ""
    out = [f"Invoer: {count} {'kenmerk' if count == 1 else 'kenmerken'}: {shown}{more}."]
    titled = [(f, feature_title(f, personal_columns, "nl")) for f in card.features]
    personal = list(dict.fromkeys(_name(t) for f, t in titled if f.personal))[:MAX_FEATURES_NAMED]
    sensitive = list(dict.fromkeys(_name(t) for f, t in titled if f.sensitive))[:MAX_FEATURES_NAMED]
    if personal:
        out.append(f"Als persoonsgegeven gemarkeerde invoer: {', '.join(personal)}.")
    if sensitive:
        out.append(f"Gevoelige kenmerken in de invoer: {', '.join(sensitive)}.")
    return out


def training(evidence: Evidence) -> str:
    model = evidence.model
    assert model is not None
    sizes = _sizes(evidence, model.training_data)
    on = f" op {sizes}" if sizes else ""
    return f"Training: de functie {_name(function_name(model.function))} heeft het model getraind{on}."


def evaluation(e: Evaluation, evidence: Evidence) -> str:
    refs = [r for x in evidence.evaluations if x.split == e.split for r in x.data]
    sizes = _sizes(evidence, refs, names=False)
    metrics = "; ".join(f"{_metric(k)} {_number(v)}" for k, v in list(e.metrics.items())[:10]) or "geen maten"
    return f"Evaluatie op {_split(e.split)}{' (' + sizes + ')' if sizes else ''}: {metrics}."


def explanation(method: str, importances: list[tuple[str, float]], card: ModelCard | None = None) -> str:
    """An explanation's method and its most important inputs, by the names prose uses (`gemeente = Utrecht`)."""
    titles = card.feature_titles if card else {}
    if method == "permutation_importance":  # a score lost when the input is shuffled: ≤ 0 means it does not help
        importances = sorted(((f, v) for f, v in importances if v > 0), key=lambda fv: -fv[1])
    top = ", ".join(
        f"{_name(titles.get(f, {}).get('nl', f))} ({_number(v)})" for f, v in importances[:MAX_TOP_FEATURES]
    )
    tail = f"; de belangrijkste kenmerken zijn {top}" if top else ""
    return f"Uitleg met de methode {_lower(method_name(method, 'nl'))}{tail}."


def glossary(card: ModelCard) -> list[str]:
    """What each measure named in the entry means, in Dutch."""
    names = [
        m
        for e in card.evaluations
        for m in (*e.metrics, *(m for g in e.by_group.values() for v in g.values() for m in v))
    ]
    meanings = [
        f"{_lower(metric_label(m, 'nl'))}: {_lower(label(f'metric_help_{m}', 'nl')).rstrip('.')}"
        for m in dict.fromkeys(names)
        if f"metric_help_{m}" in LABELS
    ]
    return [label("glossary_intro", "nl") + " " + "; ".join(meanings) + "."] if meanings else []


def _sizes(evidence: Evidence, refs: Iterable[DatasetRef], *, names: bool = True) -> str:
    """How much data: the most rows among the datasets, and (optionally) their names."""
    datasets = [d for d in {r.id: evidence.dataset(r.id) for r in refs}.values() if d is not None]
    if not datasets:
        return ""
    titles = dataset_titles(evidence)
    rows = f"{_count(max(d.num_rows for d in datasets))} rijen"
    listed = ", ".join(_name(titles[d.id]["nl"]) for d in datasets[:5]) + (" …" if len(datasets) > 5 else "")
    return f"{rows} ({listed})" if names else rows


def _risks(card: ModelCard, d: Declaration, log: _Log) -> str | None:
    declared = _prose("risks", d.risks, ar.MAX_LENGTH["risks"], log)
    groups = [s for e in card.evaluations for s in _group_summary(e)]
    if declared is None:
        if groups:
            log.note("risks", "left out: not declared; measured per-group outcomes are only added to declared risks")
        return None
    if not log.accept("risks", declared, check_field("risks", declared)):
        return None
    blocks = [_Block([], html=declared, keep=True)]
    if groups:
        blocks.append(_Block(["Gemeten uitkomsten per groep, bij de laatste training:"]))
        blocks.append(_Block(groups, kind="ul"))
    return _fit("risks", blocks, log)


def _group_summary(e: Evaluation) -> list[str]:
    """One sentence per attribute and metric: the value per group and the ratio lowest/highest."""
    out = []
    for attribute, groups in e.by_group.items():
        metrics = list(dict.fromkeys(m for values in groups.values() for m in values))
        for metric in metrics[:5]:
            values = {g: v[metric] for g, v in groups.items() if metric in v}
            shown = ", ".join(f"{_name(g)} {_number(v)}" for g, v in list(values.items())[:20])
            ratio = None if metric in NOT_COMPARED else _ratio(list(values.values()))
            tail = f"; verhouding laagste/hoogste {_number(ratio)}" if ratio is not None else ""
            out.append(f"{_name(attribute)}, {_metric(metric)} ({_split(e.split).removeprefix('de ')}): {shown}{tail}.")
    return out


def _ratio(values: list[float]) -> float | None:
    finite = [v for v in values if math.isfinite(v)]
    if len(finite) < 2 or min(finite) < 0 or max(finite) <= 0:
        return None
    return min(finite) / max(finite)


# ------------------------------------------------------------------ text: blocks, fitting, shortening


@dataclass
class _Block:
    """A paragraph of sentences or a list of items (plain text), or HTML kept whole."""

    parts: list[str]
    kind: Literal["p", "ul"] = "p"
    keep: bool = False
    html: str | None = None

    def render(self) -> str:
        if self.html is not None:
            return self.html
        if not self.parts:
            return ""
        if self.kind == "ul":
            return "<ul>" + "".join(f"<li>{escape(p, quote=False)}</li>" for p in self.parts) + "</ul>"
        return f"<p>{escape(' '.join(self.parts), quote=False)}</p>"


def _render(blocks: list[_Block]) -> str:
    return "".join(b.render() for b in blocks)


def _fits(name: str, html: str) -> bool:
    return not errors(check_field(name, html))


def _fit(name: str, blocks: list[_Block], log: _Log) -> str | None:
    """The blocks as HTML, dropping the last sentences or items of droppable blocks until the register
    would accept it."""
    blocks = [copy.copy(b) for b in blocks]
    html = _render(blocks)
    dropped = 0
    while not _fits(name, html):
        last = next((b for b in reversed(blocks) if b.parts and not b.keep), None)
        if last is None:
            log.reject(name, "cannot be shortened enough for the register")
            return None
        last.parts = last.parts[:-1]
        dropped += 1
        html = _render(blocks)
    if dropped:
        limit = ar.MAX_LENGTH[name]
        log.note(name, f"shortened to fit the register's {limit} characters: left out the last {dropped} sentence(s)")
    return html or None


_SENTENCE_END = re.compile(r"[.!?…][\"')\]]*(?=\s|$)|\n\s*\n")


def _shorten(name: str, text: str, limit: int, log: _Log) -> str:
    """`text` cut at the last sentence end within `limit` (a word boundary when no sentence fits)."""
    ends = [m.end() for m in _SENTENCE_END.finditer(text) if m.end() <= limit]
    if ends:
        short = text[: ends[-1]].rstrip()
        how = "at a sentence boundary"
    else:
        space = text.rfind(" ", 0, limit)
        if space <= 0:
            log.reject(name, f"is {len(text)} characters, more than the register's {limit}, with no word boundary")
            return ""
        short = text[:space].rstrip(" ,;:-") + "…"
        how = "at a word boundary (no sentence fits)"
    log.note(name, f"shortened from {len(text)} to {len(short)} characters {how} (the register allows {limit})")
    return short


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{escape(p.strip(), quote=False)}</p>" for p in re.split(r"\n\s*\n", text) if p.strip())


def _clean(value: str | None) -> str | None:
    """A declared value without surrounding whitespace; None when nothing is left."""
    if value is None:
        return None
    text = value.strip()
    return text or None


_CONTROL = re.compile("[\x00-\x1f\x7f\ufffe\uffff]+")
_SURROGATES = re.compile("[\ud800-\udfff]")


def _name(value: str, limit: int = NAME_LENGTH) -> str:
    """A captured name made safe to quote in text: one line, printable, at most `limit` characters."""
    text = _SURROGATES.sub("\ufffd", _CONTROL.sub(" ", str(value)))
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    space = text.rfind(" ", limit // 2, limit)
    return text[: space if space > 0 else limit - 1].rstrip() + "…"


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def _count(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _number(value: float) -> str:
    """A number in Dutch notation (decimal comma), with three decimals or three significant digits."""
    if not math.isfinite(value):
        return "niet berekend"
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}".replace(",", ".")
    if abs(value) >= 100:
        text = f"{value:.1f}"
    elif abs(value) >= 0.001:
        text = f"{value:.3f}".rstrip("0").rstrip(".")
    else:
        text = f"{value:.2e}"
    return text.replace(".", ",")


def _split(split: str) -> str:
    """A split as a Dutch sentence names it: `de testset`, `de trainingsset`, else `de set <name>`."""
    known = {"test": "de testset", "train": "de trainingsset", "validation": "de validatieset"}
    return known.get(split, f"de set {_name(split)}")


def _metric(name: str) -> str:
    """A metric's Dutch name as it reads inside a sentence (`juistheid`, `oppervlakte onder de ROC-curve (AUC)`)."""
    return _name(_lower(metric_label(name, "nl")))


def _lower(text: str) -> str:
    """The first letter in lower case, unless the first word is an abbreviation (`ROC`, `SHAP-waarden`, `F1`)."""
    first = text.split(" ", 1)[0].split("-", 1)[0]
    return (
        text if len(first) > 1 and (first.isupper() or any(c.isdigit() for c in first)) else text[:1].lower() + text[1:]
    )
