"""The transparency frameworks `uitlegbaar check` gates on, as data: each item with its source reference,
the predicate that says whether the evidence or `uitlegbaar.yaml` satisfies it, and who supplies it if not.

Items are taken from the project's standards notes (`transparency.md`, `algoritmeregister.md` §3) and
limited to what a training pipeline can evidence, plus the declared context those frameworks insist on.
A predicate sees the compiled card, the run's evidence and the declaration, and returns a `Found`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from uitlegbaar.documents import iama
from uitlegbaar.documents.card.model import ModelCard, Who
from uitlegbaar.documents.shown import (
    BY_GROUP,
    CHAIN,
    EXPLAINED,
    FEATURES,
    HOW_CHAIN,
    HOW_DATA,
    HOW_EVALUATE,
    HOW_EXPLAIN,
    HOW_GROUPS,
    HOW_MODEL,
    HOW_SOURCE,
    HOW_SPLITS,
    HOW_STEPS,
    HOW_TAGS,
    HYPERPARAMETERS,
    METRICS,
    MISSING,
    MODEL,
    PROFILE,
    PROVENANCE,
    SPLITS,
    TAGGED,
    TRAINING_DATA,
    _changes,
    _model,
    _preparation,
    _resources,
    _software,
    _version,
    _yaml,
    all_of,
    declared,
    either,
    evidenced,
)
from uitlegbaar.documents.shown import (
    Found as Found,
)
from uitlegbaar.documents.shown import (
    Predicate as Predicate,
)
from uitlegbaar.documents.shown import (
    Status as Status,  # re-exported: coverage and the gates name the item states by it
)
from uitlegbaar.evidence.declaration import Declaration
from uitlegbaar.evidence.view import Evidence
from uitlegbaar.standards import algoritmeregister as ar


@dataclass(frozen=True)
class Item:
    """One framework item: what it asks, where it comes from, how it is satisfied and who supplies it."""

    key: str
    title: str
    source: str
    satisfied: Predicate
    who: Who
    how: str
    urn: str = ""
    """The item's official id (task registry, Algoritmekader), when it has one."""
    link: str = ""
    lifecycle: tuple[str, ...] = ()
    maps_to: tuple[str, ...] = ()
    """The Algoritmekader measures (URNs) an audit control is answered through."""
    outcome: tuple[str, ...] = ()
    """The policy rule families (`gates.findings.FAMILIES`) whose findings fail this item when evidence supplies it."""


IAMA_OUTCOME = {
    "2A.3.1": ("fairness", "proxy"),
    "2B.3.1": ("metric",),
    "2B.3.4": ("fairness", "proxy"),
    "2B.3.6": ("metric",),
}
"""The IAMA questions whose evidence the outcome policy judges: bias and accuracy."""


@dataclass(frozen=True)
class Framework:
    key: str
    title: str
    items: tuple[Item, ...]
    version: str = ""
    """The edition of the framework the items were encoded from."""

    @property
    def uses_history(self) -> bool:
        """True when an item compares the run with the previous version (which costs a second load)."""
        return any(item.satisfied is _changes for item in self.items)


# ------------------------------------------------------------------ Algoritmeregister


def _register_field(name: str) -> Predicate:
    """Present in the entry the register compiler makes, and not rejected by its validation."""

    def test(card: ModelCard, evidence: Evidence, d: Declaration) -> Found:
        entry, problems = register_entry(card, evidence, d)
        if name not in entry:
            return MISSING
        if name in problems:
            return Found("missing", detail=problems[name])
        generated = name in ("source_data", "methods_and_models")
        if generated:
            return Found("evidenced", "dataset record" if name == "source_data" else "model, evaluation records")
        return Found("declared", f"uitlegbaar.yaml: {name}")

    return test


def _register(name: str, title: str, show: str, who: Who, how: str) -> Item:
    return Item(f"register.{name}", title, f"Algoritmeregister 1.0: {name} ({show})", _register_field(name), who, how)


_REQUIRED = "API-required"
_SHOWN = "handbook: always shown"
ALGORITMEREGISTER = Framework(
    "algoritmeregister",
    "Algoritmeregister, publication standard 1.0",
    (
        _register("name", "Name of the algorithm", _REQUIRED, "owner", _yaml("name")),
        _register(
            "description_short",
            "Short description (B1)",
            _REQUIRED,
            "owner",
            _yaml("description_short", "2–3 sentences"),
        ),
        _register("organization", "Organisation", _REQUIRED, "owner", _yaml("organization")),
        _register("status", "Status", _REQUIRED, "owner", _yaml("status", " | ".join(ar.STATUS))),
        _register("contact_email", "Contact details", _REQUIRED, "owner", _yaml("contact_email", "a team address")),
        _register("publication_category", "Publication category", _REQUIRED, "legal", _yaml("publication_category")),
        _register("category", "Theme", _SHOWN, "owner", _yaml("category")),
        _register("begin_date", "Start date", _SHOWN, "owner", _yaml("begin_date", "YYYY-MM")),
        _register("goal", "Purpose and impact", _SHOWN, "owner", _yaml("goal")),
        _register("proportionality", "Considerations", _SHOWN, "owner", _yaml("proportionality")),
        _register("human_intervention", "Human intervention", _SHOWN, "owner", _yaml("human_intervention")),
        _register("risks", "Risk management", _SHOWN, "owner", _yaml("risks")),
        _register("lawful_basis_grouping", "Legal basis references", _SHOWN, "legal", _yaml("lawful_basis_grouping")),
        _register("impacttoetsen_grouping", "Impact assessments", _SHOWN, "legal", _yaml("impacttoetsen_grouping")),
        _register("source_data", "Data", _SHOWN, "engineer", HOW_DATA),
        _register("methods_and_models", "Technical operation", _SHOWN, "engineer", HOW_MODEL),
        _register("provider", "Supplier", _SHOWN, "owner", _yaml("provider", "or Intern ontwikkeld")),
    ),
)

# ------------------------------------------------------------------ EU AI Act, Annex IV

AI_ACT_ANNEX_IV = Framework(
    "ai-act-annex-iv",
    "EU AI Act, technical documentation (Annex IV) points a pipeline can evidence",
    (
        Item("aia.purpose", "Intended purpose", "Annex IV 1(a)", declared("goal"), "owner", _yaml("goal")),
        Item(
            "aia.provider",
            "Name of the provider",
            "Annex IV 1(a)",
            declared("organization", "provider"),
            "owner",
            _yaml("organization") + " and provider",
        ),
        Item(
            "aia.version",
            "Version of the system and its relation to previous versions",
            "Annex IV 1(a)",
            evidenced("model record, run id", _version),
            "engineer",
            HOW_MODEL,
        ),
        Item(
            "aia.software",
            "Versions of relevant software",
            "Annex IV 1(c)",
            evidenced("model record (library), run record (packages)", _software),
            "engineer",
            HOW_MODEL,
        ),
        Item(
            "aia.development",
            "Methods and steps of development",
            "Annex IV 2(a)",
            evidenced("run, model records", _model),
            "engineer",
            HOW_MODEL,
        ),
        Item(
            "aia.design",
            "Design specifications: algorithm and parameters",
            "Annex IV 2(b)",
            all_of(MODEL, HYPERPARAMETERS),
            "engineer",
            HOW_MODEL,
        ),
        Item(
            "aia.architecture",
            "Architecture and computational resources used to train",
            "Annex IV 2(c)",
            evidenced("run record (provenance), model record (duration)", _resources),
            "engineer",
            HOW_MODEL,
        ),
        Item(
            "aia.data",
            "Training data: description, scope and main characteristics",
            "Annex IV 2(d)",
            all_of(TRAINING_DATA, PROFILE),
            "engineer",
            HOW_DATA,
        ),
        Item(
            "aia.provenance",
            "Training data provenance",
            "Annex IV 2(d); Art. 10(2)(b)",
            PROVENANCE,
            "engineer",
            HOW_SOURCE,
        ),
        Item(
            "aia.preparation",
            "Data preparation: labelling, cleaning, enrichment",
            "Annex IV 2(d); Art. 10(2)(c)",
            evidenced("step record", _preparation),
            "engineer",
            HOW_STEPS,
        ),
        Item(
            "aia.personal-data",
            "Personal and sensitive data in the data sets",
            "Annex IV 2(d); Art. 10(2)(b), 10(5)",
            either(TAGGED, declared("impacttoetsen")),
            "engineer",
            HOW_TAGS,
        ),
        Item(
            "aia.bias",
            "Examination in view of possible biases",
            "Art. 10(2)(f)",
            BY_GROUP,
            "engineer",
            HOW_GROUPS,
            outcome=("fairness", "proxy"),
        ),
        Item(
            "aia.oversight",
            "Human-oversight measures",
            "Annex IV 2(e); Art. 14",
            declared("human_intervention"),
            "owner",
            _yaml("human_intervention"),
        ),
        Item(
            "aia.interpretation",
            "Technical measures to interpret outputs",
            "Annex IV 2(e); Art. 13(3)(d)",
            EXPLAINED,
            "engineer",
            HOW_EXPLAIN,
        ),
        Item(
            "aia.testing",
            "Validation and testing data and procedures",
            "Annex IV 2(g)",
            SPLITS,
            "engineer",
            HOW_SPLITS,
        ),
        Item(
            "aia.metrics",
            "Accuracy metrics and test results",
            "Annex IV 2(g); Art. 15(3)",
            METRICS,
            "engineer",
            HOW_EVALUATE,
            outcome=("metric", "regression"),
        ),
        Item(
            "aia.groups",
            "Accuracy for specific persons or groups",
            "Annex IV 3; Art. 13(3)(b)(v)",
            BY_GROUP,
            "engineer",
            HOW_GROUPS,
            outcome=("fairness", "metric"),
        ),
        Item(
            "aia.input",
            "Specifications on input data",
            "Annex IV 3; Art. 13(3)(b)(vi)",
            FEATURES,
            "engineer",
            HOW_MODEL,
        ),
        Item(
            "aia.limitations",
            "Capabilities, limitations and foreseeable misuse",
            "Annex IV 3",
            declared("limitations", "out_of_scope_uses"),
            "engineer",
            _yaml("limitations") + " and out_of_scope_uses",
        ),
        Item(
            "aia.risk-management",
            "Risk-management system",
            "Annex IV 5; Art. 9",
            declared("risks"),
            "owner",
            _yaml("risks"),
        ),
        Item(
            "aia.changes",
            "Relevant changes through the lifecycle",
            "Annex IV 6",
            _changes,
            "engineer",
            HOW_MODEL,
        ),
        Item(
            "aia.record-keeping",
            "Dated, tamper-evident record of development and testing",
            "Annex IV 2(g); Art. 12, 18(1)",
            CHAIN,
            "engineer",
            HOW_CHAIN,
        ),
        Item(
            "aia.classification",
            "Risk classification of the system",
            "Art. 6; Annex III",
            declared("ai_act"),
            "legal",
            _yaml("ai_act", "ai_system, risk_class, role"),
        ),
    ),
)

# ------------------------------------------------------------------ IAMA, parts 2A and 2B

IAMA = Framework(
    "iama",
    iama.TITLE,
    tuple(
        Item(
            f"iama.{q.number}",
            q.title,
            f"IAMA {q.number}",
            q.answered,
            q.who,
            q.how,
            outcome=IAMA_OUTCOME.get(q.number, ()),
        )
        for q in iama.QUESTIONS
    ),
)

FRAMEWORKS: dict[str, Framework] = {f.key: f for f in (ALGORITMEREGISTER, AI_ACT_ANNEX_IV, IAMA)}
"""With ARK, ADR and the Algoritmekader added by `uitlegbaar.gates` (they build on the task registry)."""


# ------------------------------------------------------------------ the register entry, compiled once

_last: tuple[tuple[int, int, int], tuple[object, ...], tuple[dict[str, Any], dict[str, str]]] | None = None


def register_entry(
    card: ModelCard, evidence: Evidence, declaration: Declaration
) -> tuple[dict[str, Any], dict[str, str]]:
    """The Algoritmeregister entry the register compiler makes, and its validation errors by top-level field."""
    global _last
    key = (id(card), id(evidence), id(declaration))
    if _last is not None and _last[0] == key:
        return _last[2]
    from uitlegbaar.documents.register import compile_entry, errors, validate_entry

    entry = compile_entry(card, evidence, declaration).payload()
    problems: dict[str, str] = {}
    for problem in errors(validate_entry(entry)):
        problems.setdefault(problem.field.split(".")[0].split("[")[0], problem.message)
    _last = (key, (card, evidence, declaration), (entry, problems))  # keeps the objects alive, so ids stay unique
    return entry, problems
