"""What a run's evidence and declaration show: the predicates framework items are judged by, pure functions of
the compiled card, the evidence and the declaration returning a `Found`. Documents that report coverage (the
system card's requirements and measures) and the gates (`uitlegbaar check`) share them."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from uitlegbaar.documents.card.compile import CAPTURED
from uitlegbaar.documents.card.model import ModelCard
from uitlegbaar.documents.names import function_name
from uitlegbaar.evidence.declaration import Declaration
from uitlegbaar.evidence.records import body_of
from uitlegbaar.evidence.view import Evidence

Status = Literal["evidenced", "declared", "missing", "organisational", "not applicable", "failed"]
"""`organisational`: outside what a pipeline can show (never evidenced); `not applicable`: the item's own
applicability (the Algoritmekader's AI Act profile) rules it out for the declared `ai_act`; `failed`: supplied by
evidence whose outcome the policy fails (an evaluation whose fairness checks failed)."""


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
    titles = card.dataset_titles
    return bool(card.training_data) and ", ".join(
        f"{titles.get(d.name, {}).get('en', d.name)} ({d.rows} rows)" for d in card.training_data
    )


def _provenance(card: ModelCard, e: Evidence) -> str | bool:
    known = [d for d in e.sources if d.source and d.fingerprint.digest]
    return bool(known) and ", ".join(f"{d.name} from {d.source}" for d in known)


def _profile(card: ModelCard, e: Evidence) -> str | bool:
    profiled = [d for d in e.datasets if d.profile]
    return bool(profiled) and f"{len(profiled)} dataset(s) profiled"


def _preparation(card: ModelCard, e: Evidence) -> str | bool:
    return bool(e.steps) and ", ".join(function_name(s.function) for s in e.steps)


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


def public(text: str, evidence: Evidence) -> str:
    """`text` (a finding's detail) fit for a public document: a data source that is not a public web address (a
    local path, a bucket) is named only as the dataset's location not being public."""
    for dataset in evidence.datasets:
        source = dataset.source or ""
        if source and not source.startswith("https://"):
            text = text.replace(source, "a location that is not public")
    return text
