"""The IAMA (Impact Assessment Mensenrechten en Algoritmes) questions of parts 2A (data) and 2B (algorithm) that a
run's evidence or declaration can answer, by their number in the task registry's IAMA instrument, and the
assessment card (reporting standard 0.1a14) that carries those answers: drawn from the evidence and
`uitlegbaar.yaml`, authored by the declared owners; a question nothing answers is left open, never invented."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from uitlegbaar.documents.card.model import ModelCard, Who
from uitlegbaar.documents.shown import (
    BY_GROUP,
    EXPLAINED,
    FEATURES,
    HOW_DATA,
    HOW_EVALUATE,
    HOW_EXPLAIN,
    HOW_GROUPS,
    HOW_MODEL,
    HOW_SOURCE,
    HOW_SPLITS,
    HOW_TAGS,
    HYPERPARAMETERS,
    METRICS,
    MODEL,
    PROFILE,
    PROVENANCE,
    SPLITS,
    TAGGED,
    TRAINING_DATA,
    Found,
    Predicate,
    _yaml,
    all_of,
    declared,
    public,
)
from uitlegbaar.evidence.declaration import Declaration
from uitlegbaar.evidence.view import Evidence
from uitlegbaar.standards import algoritmekader as ak

TITLE = "IAMA v1, parts 2A (data) and 2B (algorithm) questions evidence can answer"


@dataclass(frozen=True)
class Question:
    """An IAMA question the evidence can answer: its number, our short title, what answers it, who supplies it."""

    number: str
    title: str
    answered: Predicate
    who: Who
    how: str


QUESTIONS: tuple[Question, ...] = (
    Question("2A.1.1", "Type of algorithm", MODEL, "engineer", HOW_MODEL),
    Question(
        "2A.2.1",
        "Type of input data and sources",
        all_of(PROVENANCE, FEATURES),
        "engineer",
        HOW_SOURCE,
    ),
    Question("2A.2.2", "Quality and reliability of the data", PROFILE, "engineer", HOW_DATA),
    Question(
        "2A.3.1",
        "Assumptions and biases in the data",
        all_of(TAGGED, BY_GROUP),
        "engineer",
        HOW_GROUPS,
    ),
    Question(
        "2A.3.2",
        "Representativeness of the training data",
        all_of(TAGGED, PROFILE),
        "engineer",
        HOW_TAGS,
    ),
    Question(
        "2B.1.1",
        "Rule-based or self-learning, and how it works",
        all_of(MODEL, HYPERPARAMETERS),
        "engineer",
        HOW_MODEL,
    ),
    Question(
        "2B.1.4",
        "Alternatives considered",
        declared("proportionality"),
        "owner",
        _yaml("proportionality", "alternatives and why this one"),
    ),
    Question("2B.3.1", "Accuracy and evaluation criteria", METRICS, "engineer", HOW_EVALUATE),
    Question("2B.3.3", "How the algorithm is tested", SPLITS, "engineer", HOW_SPLITS),
    Question(
        "2B.3.4",
        "Measures against reproducing or amplifying bias",
        all_of(BY_GROUP, declared("risks")),
        "owner",
        HOW_GROUPS + "; and " + _yaml("risks", "the measures taken"),
    ),
    Question(
        "2B.3.5",
        "Selection and weighting of indicators",
        all_of(FEATURES, EXPLAINED),
        "engineer",
        HOW_EXPLAIN,
    ),
    Question("2B.3.6", "How often it is wrong", METRICS, "engineer", HOW_EVALUATE),
    Question(
        "2B.4.1",
        "Clear what it does, how, and on which data",
        all_of(MODEL, FEATURES, TRAINING_DATA),
        "engineer",
        HOW_MODEL,
    ),
    Question(
        "2B.4.4",
        "An understandable explanation is possible",
        EXPLAINED,
        "engineer",
        HOW_EXPLAIN,
    ),
)


def task_by_number(tasks: tuple[ak.Task, ...], number: str) -> ak.Task:
    """The instrument task numbered `number` (the IAMA file writes 2A.2.2 as `2.A.2.2`)."""
    return next(t for t in tasks if t.urn.rsplit(":", 1)[-1].replace("2.A.", "2A.") == number)


def _number(task: ak.Task) -> str:
    return task.urn.rsplit(":", 1)[-1].replace("2.A.", "2A.")


def _answer(found: Found, d: Declaration) -> str:
    """The answer the evidence gives (the finding's detail) with the declared text it rests on."""
    parts = [found.detail] if found.detail else []
    for source in found.by.split("; "):
        if source.startswith("uitlegbaar.yaml: "):
            keys = source.removeprefix("uitlegbaar.yaml: ").split(", ")
            parts += [str(getattr(d, k)) for k in keys if isinstance(getattr(d, k, None), str)]
    return " ".join(parts) or found.by


def assessment_card(
    card: ModelCard, evidence: Evidence, d: Declaration, provenance: dict[str, str]
) -> dict[str, Any] | None:
    """The IAMA assessment card of parts 2A and 2B: answered questions from the evidence (authors: the declared
    owners; timestamp: when the evidence was sealed), the others open; None when the evidence answers none."""
    answers = {q.number: q.answered(card, evidence, d) for q in QUESTIONS}
    answers = {n: f for n, f in answers.items() if f.status in ("evidenced", "declared")}
    if not answers:
        return None
    timestamp = provenance.get("timestamp")
    authors = [{"name": o.name} for o in d.owners]
    contents = []
    for task in ak.IAMA:
        number = _number(task)
        if not number.startswith(("2A.", "2B.")):
            continue
        found = answers.get(number)
        entry: dict[str, Any] = {"question": task.question, "urn": task.urn, "answer": ""}
        if found is not None:
            entry["answer"] = public(_answer(found, d), evidence)
            entry["remarks"] = f"uitlegbaar run {evidence.run_id}: {found.by}"
            entry |= {"authors": authors} if authors else {}
            entry |= {"timestamp": timestamp} if timestamp else {}
        contents.append(entry)
    values = {
        "provenance": provenance,
        "name": ak.IAMA_NAME,
        "urn": ak.IAMA_URN,
        "date": timestamp[:10] if timestamp else None,
        "contents": contents,
    }
    return {k: v for k, v in values.items() if v}
