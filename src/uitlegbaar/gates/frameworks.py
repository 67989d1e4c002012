"""The transparency frameworks `uitlegbaar check` gates on, as data: each item with its source reference,
the predicate that says whether the evidence or `uitlegbaar.yaml` satisfies it, and who supplies it if not.

Items are taken from the project's standards notes (`transparency.md`, `algoritmeregister.md` §3) and
limited to what a training pipeline can evidence, plus the declared context those frameworks insist on.
A predicate sees the compiled card, the run's evidence and the declaration, and returns a `Found`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from uitlegbaar.documents.card.compile import CAPTURED
from uitlegbaar.documents.card.model import ModelCard, Who
from uitlegbaar.evidence.declaration import Declaration
from uitlegbaar.evidence.records import body_of
from uitlegbaar.evidence.view import Evidence
from uitlegbaar.standards import algoritmeregister as ar

Status = Literal["evidenced", "declared", "missing", "organisational", "not applicable"]
"""`organisational`: outside what a pipeline can show (never evidenced); `not applicable`: the item's own
applicability (the Algoritmekader's AI Act profile) rules it out for the declared `ai_act`."""


@dataclass(frozen=True)
class Found:
    """How an item is satisfied: its status and what supplied it (a record kind or a uitlegbaar.yaml key)."""

    status: Status
    by: str = ""
    detail: str = ""
    records: tuple[str, ...] = ()
    """The ids of the evidence records that supply it."""
    applies: str = ""
    """Why the item applies, or does not, to the declared profile (frameworks with applicability rules)."""


Predicate = Callable[[ModelCard, Evidence, Declaration], Found]
MISSING = Found("missing")


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


# ------------------------------------------------------------------ predicates


def declared(*keys: str) -> Predicate:
    """Satisfied when every `uitlegbaar.yaml` key is filled in."""

    def test(card: ModelCard, evidence: Evidence, d: Declaration) -> Found:
        if all(_filled(getattr(d, k)) for k in keys):
            return Found("declared", "uitlegbaar.yaml: " + ", ".join(keys))
        return MISSING

    return test


def evidenced(by: str, test: Callable[[ModelCard, Evidence], str | bool]) -> Predicate:
    """Satisfied when `test` finds it in the evidence; a string result is the detail shown."""

    def check(card: ModelCard, evidence: Evidence, d: Declaration) -> Found:
        result = test(card, evidence)
        if not result:
            return MISSING
        return Found("evidenced", by, result if isinstance(result, str) else "")

    return check


def either(*predicates: Predicate) -> Predicate:
    """The first predicate that is satisfied (evidence first, by convention)."""

    def test(card: ModelCard, evidence: Evidence, d: Declaration) -> Found:
        for predicate in predicates:
            found = predicate(card, evidence, d)
            if found.status != "missing":
                return found
        return MISSING

    return test


def all_of(*predicates: Predicate) -> Predicate:
    """Satisfied when every part is; `declared` when any part comes from the declaration."""

    def test(card: ModelCard, evidence: Evidence, d: Declaration) -> Found:
        parts = [p(card, evidence, d) for p in predicates]
        if any(f.status == "missing" for f in parts):
            return MISSING
        status: Status = "declared" if any(f.status == "declared" for f in parts) else "evidenced"
        by = dict.fromkeys(f.by for f in parts)
        return Found(status, "; ".join(by), "; ".join(f.detail for f in parts if f.detail))

    return test


def _filled(value: Any) -> bool:
    return value not in (None, "", [], {})


# ------------------------------------------------------------------ evidence tests


def _model(card: ModelCard, e: Evidence) -> str | bool:
    return f"{e.model.name} ({e.model.class_name})" if e.model else False


def _version(card: ModelCard, e: Evidence) -> str | bool:
    return card.model is not None and f"version {card.model.version}"


def _hyperparameters(card: ModelCard, e: Evidence) -> str | bool:
    count = len(e.model.hyperparameters) if e.model else 0
    return bool(count) and f"{count} hyperparameters"


def _software(card: ModelCard, e: Evidence) -> str | bool:
    packages = e.run.provenance.packages if e.run.provenance else {}
    library = f"{e.model.library} {e.model.library_version}" if e.model and e.model.library_version else ""
    return bool(library or packages) and ", ".join(x for x in (library, f"{len(packages)} packages") if x)


def _resources(card: ModelCard, e: Evidence) -> str | bool:
    p = e.run.provenance
    if p is None or e.model is None:
        return False
    return f"{p.platform}, Python {p.python}, training {e.model.duration_s:.1f}s"


def _features(card: ModelCard, e: Evidence) -> str | bool:
    return bool(card.features) and f"{len(card.features)} features with types"


def _datasets(card: ModelCard, e: Evidence) -> str | bool:
    return bool(card.training_data) and ", ".join(f"{d.name} ({d.rows} rows)" for d in card.training_data)


def _provenance(card: ModelCard, e: Evidence) -> str | bool:
    known = [d for d in e.sources if d.source and d.fingerprint.digest]
    return bool(known) and ", ".join(f"{d.name} from {d.source}" for d in known)


def _profile(card: ModelCard, e: Evidence) -> str | bool:
    profiled = [d for d in e.datasets if d.profile]
    return bool(profiled) and f"{len(profiled)} dataset(s) profiled"


def _schema(card: ModelCard, e: Evidence) -> str | bool:
    return bool(e.sources and all(d.columns for d in e.sources)) and "column schema of every source"


def _preparation(card: ModelCard, e: Evidence) -> str | bool:
    return bool(e.steps) and ", ".join(s.function for s in e.steps)


def _tagged(card: ModelCard, e: Evidence) -> str | bool:
    personal = sorted({c for d in e.datasets for c in d.personal})
    sensitive = sorted({c for d in e.datasets for c in d.sensitive})
    return (
        bool(personal or sensitive)
        and f"personal: {', '.join(personal) or '-'}; sensitive: {', '.join(sensitive) or '-'}"
    )


def _splits(card: ModelCard, e: Evidence) -> str | bool:
    trained = bool(e.model and e.model.training_data)
    tested = [x for x in e.evaluations if x.data]
    return trained and bool(tested) and "training data and " + ", ".join(f"{x.split} split" for x in tested)


def _metrics(card: ModelCard, e: Evidence) -> str | bool:
    names = sorted({m for x in e.evaluations for m in x.metrics})
    return bool(names) and ", ".join(names)


def _by_group(card: ModelCard, e: Evidence) -> str | bool:
    groups = sorted({g for x in e.evaluations for g in x.by_group})
    return bool(groups) and "per " + ", ".join(groups)


def _explanations(card: ModelCard, e: Evidence) -> str | bool:
    return bool(e.explanations) and ", ".join(x.method for x in e.explanations)


def _changes(card: ModelCard, e: Evidence, d: Declaration) -> Found:
    """The diff with the previous run of the model; the first recorded version has none to make."""
    if card.changes is not None:
        return Found("evidenced", "diff with the previous run")
    if e.model is not None:
        return Found("evidenced", "model record (first recorded version)", "no previous run to differ from")
    return MISSING


def _chain(card: ModelCard, e: Evidence) -> str | bool:
    """Every record's digest matches its content and names the one before it; the run is sealed."""
    previous = None
    for record in e.records:
        if record.prev != previous or hashlib.sha256(body_of(record)).hexdigest() != record.digest:
            return False
        previous = record.digest
    return e.end is not None and f"{len(e.records)} records, last digest {e.digest[:12]}"


def _commit(card: ModelCard, e: Evidence) -> str | bool:
    code = card.model.code_version if card.model else None
    return bool(code) and f"git {code}"


def _documented(card: ModelCard, e: Evidence) -> str | bool:
    captured = {field for _, field, _, _ in CAPTURED}
    return not any(m.field in captured for m in card.missing) and "model card with every captured section"


# ------------------------------------------------------------------ shared predicates and hows

MODEL = evidenced("model record", _model)
TRAINING_DATA = evidenced("dataset record", _datasets)
PROVENANCE = evidenced("dataset record (source, fingerprint)", _provenance)
PROFILE = evidenced("dataset record (profile)", _profile)
METRICS = evidenced("evaluation record", _metrics)
BY_GROUP = evidenced("evaluation record (by_group)", _by_group)
EXPLAINED = evidenced("explanation record", _explanations)
SPLITS = evidenced("model record (training_data), evaluation record (data)", _splits)
CHAIN = evidenced("hash-chained evidence records", _chain)
TAGGED = evidenced("dataset record (personal, sensitive)", _tagged)
HYPERPARAMETERS = evidenced("model record (hyperparameters)", _hyperparameters)
FEATURES = evidenced("model record (features), dataset record (schema)", _features)

_HOW = {field: how for _, field, _, how in CAPTURED}
HOW_MODEL = _HOW["model"]
HOW_DATA = _HOW["training_data"]
HOW_EVALUATE = _HOW["evaluations"]
HOW_GROUPS = _HOW["by_group"]
HOW_EXPLAIN = _HOW["explanations"]
HOW_SOURCE = "capture the source with @ub.dataset(source=...) so its location and fingerprint are recorded"
HOW_TAGS = "tag columns with @ub.dataset(personal=[...], sensitive=[...]) or explain in uitlegbaar.yaml: impacttoetsen"
HOW_STEPS = "decorate the preparation functions with @ub.step"
HOW_SPLITS = "train with @ub.train on captured data and evaluate with @ub.evaluate on a separate captured split"
HOW_CHAIN = "let the run finish (its records are sealed); `uitlegbaar verify` shows a broken chain"
HOW_GIT = "train from a git checkout so the run records the code commit"


def _yaml(key: str, hint: str = "") -> str:
    return f"uitlegbaar.yaml: {key}" + (f" ({hint})" if hint else "")


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
        Item("aia.bias", "Examination in view of possible biases", "Art. 10(2)(f)", BY_GROUP, "engineer", HOW_GROUPS),
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
        ),
        Item(
            "aia.groups",
            "Accuracy for specific persons or groups",
            "Annex IV 3; Art. 13(3)(b)(v)",
            BY_GROUP,
            "engineer",
            HOW_GROUPS,
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
    "IAMA v1, parts 2A (data) and 2B (algorithm) questions evidence can answer",
    (
        Item("iama.2A.1.1", "Type of algorithm", "IAMA 2A.1.1", MODEL, "engineer", HOW_MODEL),
        Item(
            "iama.2A.2.1",
            "Type of input data and sources",
            "IAMA 2A.2.1",
            all_of(PROVENANCE, FEATURES),
            "engineer",
            HOW_SOURCE,
        ),
        Item("iama.2A.2.2", "Quality and reliability of the data", "IAMA 2A.2.2", PROFILE, "engineer", HOW_DATA),
        Item(
            "iama.2A.3.1",
            "Assumptions and biases in the data",
            "IAMA 2A.3.1",
            all_of(TAGGED, BY_GROUP),
            "engineer",
            HOW_GROUPS,
        ),
        Item(
            "iama.2A.3.2",
            "Representativeness of the training data",
            "IAMA 2A.3.2",
            all_of(TAGGED, PROFILE),
            "engineer",
            HOW_TAGS,
        ),
        Item(
            "iama.2B.1.1",
            "Rule-based or self-learning, and how it works",
            "IAMA 2B.1.1",
            all_of(MODEL, HYPERPARAMETERS),
            "engineer",
            HOW_MODEL,
        ),
        Item(
            "iama.2B.1.4",
            "Alternatives considered",
            "IAMA 2B.1.4",
            declared("proportionality"),
            "owner",
            _yaml("proportionality", "alternatives and why this one"),
        ),
        Item("iama.2B.3.1", "Accuracy and evaluation criteria", "IAMA 2B.3.1", METRICS, "engineer", HOW_EVALUATE),
        Item("iama.2B.3.3", "How the algorithm is tested", "IAMA 2B.3.3", SPLITS, "engineer", HOW_SPLITS),
        Item(
            "iama.2B.3.4",
            "Measures against reproducing or amplifying bias",
            "IAMA 2B.3.4",
            all_of(BY_GROUP, declared("risks")),
            "owner",
            HOW_GROUPS + "; and " + _yaml("risks", "the measures taken"),
        ),
        Item(
            "iama.2B.3.5",
            "Selection and weighting of indicators",
            "IAMA 2B.3.5",
            all_of(FEATURES, EXPLAINED),
            "engineer",
            HOW_EXPLAIN,
        ),
        Item("iama.2B.3.6", "How often it is wrong", "IAMA 2B.3.6", METRICS, "engineer", HOW_EVALUATE),
        Item(
            "iama.2B.4.1",
            "Clear what it does, how, and on which data",
            "IAMA 2B.4.1",
            all_of(MODEL, FEATURES, TRAINING_DATA),
            "engineer",
            HOW_MODEL,
        ),
        Item(
            "iama.2B.4.4",
            "An understandable explanation is possible",
            "IAMA 2B.4.4",
            EXPLAINED,
            "engineer",
            HOW_EXPLAIN,
        ),
    ),
)

# ------------------------------------------------------------------ Algemene Rekenkamer

ARK = Framework(
    "ark",
    "Algemene Rekenkamer audit framework items evidence can answer",
    (
        Item(
            "ark.1.06",
            "Roles, ownership and responsibilities",
            "ARK 1.06",
            declared("owners"),
            "owner",
            _yaml("owners"),
        ),
        Item(
            "ark.1.07",
            "Lifecycle management",
            "ARK 1.07",
            _changes,
            "engineer",
            HOW_MODEL,
        ),
        Item(
            "ark.2.02",
            "Current and complete documentation",
            "ARK 2.02",
            evidenced("model card", _documented),
            "engineer",
            "capture the model, data, evaluations and explanations (see `uitlegbaar card`)",
        ),
        Item(
            "ark.2.03",
            "Design choices and model selection recorded",
            "ARK 2.03",
            all_of(MODEL, METRICS),
            "engineer",
            HOW_EVALUATE,
        ),
        Item(
            "ark.2.06",
            "Controls on correct and complete processing of data",
            "ARK 2.06",
            all_of(PROVENANCE, PROFILE),
            "engineer",
            HOW_SOURCE,
        ),
        Item(
            "ark.2.07",
            "Performance criteria and test results kept",
            "ARK 2.07",
            all_of(METRICS, CHAIN),
            "engineer",
            HOW_EVALUATE,
        ),
        Item(
            "ark.2.08",
            "Input data: traceable origin and metadata on variables",
            "ARK 2.08",
            all_of(PROVENANCE, evidenced("dataset record (columns)", _schema)),
            "engineer",
            HOW_SOURCE,
        ),
        Item(
            "ark.2.13",
            "All data traceable and reproducible",
            "ARK 2.13",
            all_of(PROVENANCE, CHAIN),
            "engineer",
            HOW_SOURCE,
        ),
        Item("ark.2.15", "Separate training, validation and test sets", "ARK 2.15", SPLITS, "engineer", HOW_SPLITS),
        Item("ark.2.16", "Hyperparameters recorded", "ARK 2.16", HYPERPARAMETERS, "engineer", HOW_MODEL),
        Item("ark.2.18", "Bias tested", "ARK 2.18", BY_GROUP, "engineer", HOW_GROUPS),
        Item(
            "ark.3.08",
            "Sensitive attributes and proxies checked",
            "ARK 3.08",
            all_of(TAGGED, BY_GROUP),
            "engineer",
            HOW_TAGS,
        ),
        Item("ark.3.09", "The bias check is recorded", "ARK 3.09", all_of(BY_GROUP, CHAIN), "engineer", HOW_GROUPS),
        Item("ark.4.06", "Event logging", "ARK 4.06", CHAIN, "engineer", HOW_CHAIN),
        Item(
            "ark.4.07",
            "Formal change process for code",
            "ARK 4.07",
            evidenced("run record (git commit)", _commit),
            "engineer",
            HOW_GIT,
        ),
    ),
)

FRAMEWORKS: dict[str, Framework] = {f.key: f for f in (ALGORITMEREGISTER, AI_ACT_ANNEX_IV, IAMA, ARK)}


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
