"""What no document shows: the category of a personal column that a one-hot encoder put in a model input's name.

A one-hot input of a personal column is named after one of its values (`onehot__wijk_1234AB`). Evidence keeps the
name as the model saw it; every document, human- or machine-readable, gets it withheld (`onehot__wijk_#1`,
numbered in the model's input order) in the model's features and inputs, the explanations and the proxy screening.
`formats.compile_document` applies it, so no compiler can forget it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

from uitlegbaar.documents.names import onehot_category
from uitlegbaar.evidence.records import EvaluationRecord, ExplanationRecord, ModelRecord, Record
from uitlegbaar.evidence.view import Evidence


def withheld_names(models: Iterable[ModelRecord]) -> dict[str, str]:
    """Recorded input name → the name documents show, for every one-hot input of a personal column."""
    out: dict[str, str] = {}
    for model in models:
        seen: dict[str, int] = {}
        for i in model.inputs:
            category = onehot_category(i)
            if category is None or not (i.personal or i.derived_from) or i.name in out:
                continue
            seen[i.sources[0]] = seen.get(i.sources[0], 0) + 1
            out[i.name] = f"{i.name[: len(i.name) - len(category)]}#{seen[i.sources[0]]}"
    return out


def withhold(evidence: Evidence) -> Evidence:
    """The evidence as documents may show it: with the categories of personal columns withheld from input names."""
    names = withheld_names(evidence.models)
    if not names:
        return evidence
    models = [_model(m, names) for m in evidence.models]
    evaluations = [_evaluation(e, names) for e in evidence.evaluations]
    explanations = [_explanation(x, names) for x in evidence.explanations]
    replaced: dict[str, Record] = {r.id: r for r in (*models, *evaluations, *explanations)}
    return dataclasses.replace(
        evidence,
        models=models,
        evaluations=evaluations,
        explanations=explanations,
        records=[replaced.get(r.id, r) for r in evidence.records],
    )


def _keys(values: Mapping[str, float], names: Mapping[str, str]) -> dict[str, float]:
    return {names.get(k, k): v for k, v in values.items()}


def _model(model: ModelRecord, names: Mapping[str, str]) -> ModelRecord:
    inputs = [i.model_copy(update={"name": names.get(i.name, i.name)}) for i in model.inputs]
    features = [names.get(f, f) for f in model.features]
    return model.model_copy(update={"inputs": inputs, "features": features})


def _evaluation(evaluation: EvaluationRecord, names: Mapping[str, str]) -> EvaluationRecord:
    proxies = [p.model_copy(update={"feature": names.get(p.feature, p.feature)}) for p in evaluation.proxies]
    return evaluation.model_copy(update={"proxies": proxies})


def _explanation(explanation: ExplanationRecord, names: Mapping[str, str]) -> ExplanationRecord:
    local = [x.model_copy(update={"contributions": _keys(x.contributions, names)}) for x in explanation.local]
    return explanation.model_copy(update={"importances": _keys(explanation.importances, names), "local": local})
