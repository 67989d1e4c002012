"""The model card as Markdown: a valid Hugging Face model card (YAML front matter with `model-index`)
followed by the card's sections. Text from evidence or declarations is written as text: characters
that Markdown or HTML would interpret are escaped."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from typing import Any

from uitlegbaar.documents.card.model import DatasetSummary, ModelCard
from uitlegbaar.documents.i18n import Language, label

_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")  # what could start markup, a link, HTML or a table cell


def text(value: Any) -> str:
    """A value as inline Markdown text: special characters escaped, newlines folded."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(value).split()))


def front_matter(card: ModelCard, lang: Language) -> dict[str, Any]:
    """Hugging Face card metadata; `model-index` holds every metric of every evaluation."""
    meta: dict[str, Any] = {"language": ["nl" if lang == "nl" else "en"], "tags": ["uitlegbaar", "tabular"]}
    if card.model is not None:
        meta["library_name"] = card.model.library or "unknown"
        if card.model.licence:
            meta["license"] = card.model.licence
    if card.training_data:
        meta["datasets"] = [d.name for d in card.training_data]
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
                            "type": e.data[0] if e.data else e.split,
                            "name": e.data[0] if e.data else e.split,
                            "split": e.split,
                        },
                        "metrics": [{"type": k, "name": k, "value": v} for k, v in e.metrics.items()],
                    }
                    for e in card.evaluations
                    if e.metrics
                ],
            }
        ]
    meta["uitlegbaar"] = {"run_id": card.provenance.run_id, "evidence_digest": card.provenance.evidence_digest}
    return meta


def _classifier(card: ModelCard) -> bool:
    return card.model is not None and "Regress" not in card.model.class_name


def render_markdown(card: ModelCard, lang: Language = "en") -> str:
    """The whole card as a Hugging Face model card (`README.md`)."""
    import yaml

    L = functools.partial(label, lang=lang)
    meta = yaml.safe_dump(front_matter(card, lang), sort_keys=False, allow_unicode=True)
    out = [f"---\n{meta}---", f"# {text(card.title)}"]
    a = card.algorithm
    out += [
        _fields(
            [
                (L(k), getattr(a, k))
                for k in (
                    "organization",
                    "description_short",
                    "status",
                    "publication_category",
                    "contact_email",
                    "lars",
                )
            ],
            lang,
        )
    ]
    out += [f"## {L('model_details')}"]
    if card.model is not None:
        m = card.model
        out += [
            _fields(
                [
                    (L("model"), m.name),
                    ("Version", m.version),
                    (L("class"), m.class_name),
                    (L("library"), f"{m.library} {m.library_version or ''}".strip()),
                    (L("artifact"), m.artifact_sha256),
                    (L("git"), m.code_version),
                    (L("licence"), m.licence),
                    (L("owners"), ", ".join(o.name for o in m.owners)),
                ],
                lang,
            )
        ]
        if m.hyperparameters:
            out += [_table([L("hyperparameters"), L("value")], sorted(m.hyperparameters.items()))]
    else:
        out += [_not_supplied(lang)]
    u = card.intended_use
    out += [
        f"## {L('intended_use')}",
        _fields([(L("goal"), u.goal), (L("human_intervention"), u.human_intervention)], lang),
        _list(L("intended_uses"), u.intended_uses),
        _list(L("out_of_scope_uses"), u.out_of_scope_uses),
    ]
    out += [f"## {L('training_data')}", *(_dataset(d, lang) for d in card.training_data)]
    if not card.training_data:
        out.append(_not_supplied(lang))
    if card.evaluation_data:
        out += [f"## {L('evaluation_data')}", *(_dataset(d, lang) for d in card.evaluation_data)]
    out += [
        f"## {L('features')}",
        _table(
            [L("feature"), L("type"), L("derived_from"), L("personal"), L("sensitive")],
            [
                (
                    f.name,
                    f.type or "",
                    " → ".join(f.transforms) or ", ".join(f.sources),
                    L("yes") if f.personal else "",
                    L("yes") if f.sensitive else "",
                )
                for f in card.features
            ],
        )
        if card.features
        else _not_supplied(lang),
    ]
    out += [
        f"## {L('metrics')}",
        _table(
            [L("split"), L("metric"), L("value")],
            [(e.split, k, f"{v:.4g}") for e in card.evaluations for k, v in e.metrics.items()],
        )
        if card.evaluations
        else _not_supplied(lang),
    ]
    groups = [
        (e.split, attr, group, k, f"{v:.4g}")
        for e in card.evaluations
        for attr, by in e.by_group.items()
        for group, ms in by.items()
        for k, v in ms.items()
    ]
    if groups:
        out += [
            f"### {L('subgroups')}",
            _table([L("split"), L("attribute"), L("group"), L("metric"), L("value")], groups),
        ]
    checks = [
        (c.attribute, c.name, f"{c.threshold:.4g}", _maybe(c.value), L(_outcome(c.passed)))
        for e in card.evaluations
        for c in e.checks
    ]
    if checks:
        out += [
            f"### {L('checks')}",
            _table([L("attribute"), L("check"), L("threshold"), L("value"), L("outcome")], checks),
        ]
    proxies = [
        (p.feature, p.attribute, p.measure, f"{p.strength:.3f}", L("yes" if p.flagged else "no"))
        for e in card.evaluations
        for p in e.proxies
    ]
    if proxies:
        out += [
            f"### {L('proxies')}",
            L("proxy_note"),
            _table([L("feature"), L("attribute"), L("measure"), L("strength"), L("possible_proxy")], proxies),
        ]
    out += [f"## {L('explanations')}"]
    out += [
        f"**{L('method')}:** {text(x.method)}\n\n"
        + (f"{text(x.note)}\n\n" if x.note else "")
        + _table([L("feature"), L("importance")], [(i.feature, f"{i.value:.4g}") for i in x.importances])
        for x in card.explanations
    ] or [_not_supplied(lang)]
    c = card.considerations
    out += [
        f"## {L('considerations')}",
        _fields(
            [
                (L("proportionality"), c.proportionality),
                (L("risks"), c.risks),
                (L("lawful_basis"), c.lawful_basis),
                (L("impacttoetsen"), c.impacttoetsen),
            ],
            lang,
        ),
        _list(L("limitations"), c.limitations),
        _links(L("lawful_basis_grouping"), c.lawful_basis_grouping),
        _links(L("impacttoetsen_grouping"), c.impacttoetsen_grouping),
    ]
    if c.ai_act is not None:
        out += [_fields([(f"{L('ai_act')}: {k}", v) for k, v in c.ai_act.model_dump().items()], lang)]
    if card.lineage:
        out += [
            f"## {L('lineage')}",
            _table(
                [L("step"), L("inputs"), L("outputs"), L("lineage")],
                [
                    (s.function, ", ".join(s.inputs), ", ".join(s.outputs), s.lineage.summary() if s.lineage else "")
                    for s in card.lineage
                ],
            ),
        ]
    if card.changes:
        out += [f"## {L('changes')}", "```json\n" + _json(card.changes) + "\n```"]
    if card.gaps:
        out += [f"## {L('gaps')}", _table([L("what"), L("reason")], [(g.what, g.reason) for g in card.gaps])]
    out += [
        f"## {L('missing')}",
        _table(
            [L("section"), L("field"), L("who"), "How"],
            [(L(m.section), m.field, L(m.who), m.how) for m in card.missing],
        )
        if card.missing
        else "—",
    ]
    p = card.provenance
    out += [
        f"## {L('provenance')}",
        _fields(
            [
                (L("generator"), p.generator),
                (L("run"), f"{p.run_name} ({p.run_id})"),
                (L("evidence_digest"), p.evidence_digest),
                (L("compiled"), p.run_ended),
            ],
            lang,
        ),
    ]
    return "\n\n".join(part for part in out if part) + "\n"


def _fields(pairs: Iterable[tuple[str, Any]], lang: Language) -> str:
    return "\n".join(f"- **{text(k)}:** {text(v)}" for k, v in pairs if v not in (None, "", []))


def _list(title: str, items: Sequence[str]) -> str:
    return f"**{text(title)}:**\n\n" + "\n".join(f"- {text(i)}" for i in items) if items else ""


def _links(title: str, refs: Sequence[Any]) -> str:
    def one(ref: Any) -> str:
        safe = ref.link if ref.link and ref.link.startswith(("https://", "http://")) else None
        return f"- [{text(ref.title)}](<{safe}>)" if safe else f"- {text(ref.title)}"

    return f"**{text(title)}:**\n\n" + "\n".join(one(r) for r in refs) if refs else ""


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(text(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(text(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _dataset(d: DatasetSummary, lang: Language) -> str:
    L = functools.partial(label, lang=lang)
    head = f"### {text(d.name)}\n\n" + _fields(
        [
            (L("source"), d.source),
            (L("rows"), f"{d.rows:,}"),
            (L("columns"), d.columns),
            (L("fingerprint"), f"{d.fingerprint} ({d.fingerprint_algorithm})"),
            (L("owner"), d.owner),
            (L("licence"), d.licence),
            (L("personal"), ", ".join(d.personal)),
            (L("sensitive"), ", ".join(d.sensitive)),
            ("Description", d.description),
        ],
        lang,
    )
    profile = _table(
        [L("column"), L("type"), L("nulls"), "min", "max", "mean", L("distinct")],
        [
            (
                p.name,
                p.type + (f" ({L('personal')})" if p.personal else ""),
                p.null_count,
                _num(p.min),
                _num(p.max),
                _num(p.mean),
                "" if p.distinct is None else f"{'≈' if p.distinct_estimated else ''}{p.distinct:,}",
            )
            for p in d.profile
        ],
    )
    return f"{head}\n\n{profile}"


def _num(value: Any) -> str:
    if value is None:
        return ""
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _not_supplied(lang: Language) -> str:
    return f"*{label('missing', lang)}: ↓*"


def _json(data: Any) -> str:
    import json

    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True).replace("```", "`\u200b``")


def _maybe(value: float | None) -> str:
    return "—" if value is None else f"{value:.4g}"


def _outcome(passed: bool | None) -> str:
    return "undefined" if passed is None else "passed" if passed else "failed"
