"""Compile the canonical model card: a pure function of a run's evidence and its declaration."""

from __future__ import annotations

import re
from typing import Any, Literal

from uitlegbaar._version import __version__
from uitlegbaar.documents.card.model import (
    Algorithm,
    CardProvenance,
    Coefficient,
    Considerations,
    DatasetSummary,
    Evaluation,
    Explanation,
    FairnessCheck,
    Feature,
    Gap,
    Importance,
    IntendedUse,
    Missing,
    ModelCard,
    ModelDetails,
    Proxy,
    Step,
    Who,
)
from uitlegbaar.documents.claims import check_claims
from uitlegbaar.documents.names import LANGUAGES, feature_title, titles_by_name
from uitlegbaar.documents.paths import public_source
from uitlegbaar.evidence.declaration import Declaration
from uitlegbaar.evidence.records import DatasetRecord, EvaluationRecord, ExplanationRecord, RunRecord
from uitlegbaar.evidence.results import AttributeResult, ThresholdCheck
from uitlegbaar.evidence.view import Evidence

# (section, field, who supplies it, how) for every field a complete card has.
DECLARED = (
    ("algorithm", "name", "owner", "uitlegbaar.yaml: name"),
    ("algorithm", "organization", "owner", "uitlegbaar.yaml: organization"),
    ("algorithm", "description_short", "owner", "uitlegbaar.yaml: description_short (2–3 sentences, B1)"),
    ("algorithm", "status", "owner", "uitlegbaar.yaml: status"),
    ("algorithm", "contact_email", "owner", "uitlegbaar.yaml: contact_email (a team address or https form)"),
    ("algorithm", "publication_category", "legal", "uitlegbaar.yaml: publication_category"),
    ("intended_use", "goal", "owner", "uitlegbaar.yaml: goal"),
    ("intended_use", "intended_uses", "owner", "uitlegbaar.yaml: intended_uses"),
    ("intended_use", "out_of_scope_uses", "owner", "uitlegbaar.yaml: out_of_scope_uses"),
    ("intended_use", "human_intervention", "owner", "uitlegbaar.yaml: human_intervention"),
    ("considerations", "proportionality", "owner", "uitlegbaar.yaml: proportionality"),
    ("considerations", "risks", "owner", "uitlegbaar.yaml: risks"),
    ("considerations", "limitations", "engineer", "uitlegbaar.yaml: limitations"),
    ("considerations", "lawful_basis", "legal", "uitlegbaar.yaml: lawful_basis"),
    ("considerations", "lawful_basis_grouping", "legal", "uitlegbaar.yaml: lawful_basis_grouping"),
    ("considerations", "impacttoetsen_grouping", "legal", "uitlegbaar.yaml: impacttoetsen_grouping"),
    ("considerations", "ai_act", "legal", "uitlegbaar.yaml: ai_act"),
    ("model", "owners", "owner", "uitlegbaar.yaml: owners"),
)
CAPTURED = (
    ("model", "model", "engineer", "decorate the training function with @ub.train"),
    ("training_data", "training_data", "engineer", "capture the training data with @ub.dataset or ub.record_dataset"),
    ("evaluations", "evaluations", "engineer", "decorate the evaluation with @ub.evaluate"),
    ("evaluations", "by_group", "engineer", "return per-group metrics from @ub.evaluate(sensitive=[...])"),
    ("explanations", "explanations", "engineer", "decorate the explanation with @ub.explain"),
)


def compile_card(
    evidence: Evidence,
    declaration: Declaration,
    *,
    changes: dict[str, Any] | None = None,
    declaration_path: str | None = None,
) -> ModelCard:
    """The model card of the run's model, from what was captured and what was declared."""
    d = declaration
    model = evidence.model
    training_ids = {ref.id for ref in model.training_data} if model else set()
    evaluation_ids = {ref.id for e in evidence.evaluations for ref in e.data}
    card = ModelCard(
        title=d.name or (model.name if model else evidence.run.name),
        algorithm=Algorithm(
            name=d.name,
            organization=d.organization,
            description_short=d.description_short,
            status=d.status,
            publication_category=d.publication_category,
            category=list(d.category),
            begin_date=d.begin_date,
            end_date=d.end_date,
            contact_email=d.contact_email,
            provider=d.provider,
            website=d.website,
            publiccode=d.publiccode,
            process_index_url=d.process_index_url,
            source_id=d.source_id,
            lars=d.lars,
        ),
        model=_model_details(evidence, d),
        intended_use=IntendedUse(
            goal=d.goal,
            intended_uses=list(d.intended_uses),
            out_of_scope_uses=list(d.out_of_scope_uses),
            human_intervention=d.human_intervention,
        ),
        training_data=[_dataset(x) for x in _training_data(evidence, training_ids)],
        evaluation_data=[_dataset(x) for x in evidence.datasets if x.id in evaluation_ids],
        features=_features(evidence),
        evaluations=[_evaluation(e) for e in evidence.evaluations],
        explanations=[_explanation(x) for x in evidence.explanations],
        claims=check_claims(evidence, d),
        considerations=Considerations(
            proportionality=d.proportionality,
            risks=d.risks,
            limitations=list(d.limitations),
            lawful_basis=d.lawful_basis,
            lawful_basis_grouping=list(d.lawful_basis_grouping),
            impacttoetsen_grouping=list(d.impacttoetsen_grouping),
            impacttoetsen=d.impacttoetsen,
            ai_act=d.ai_act,
        ),
        lineage=[
            Step(
                function=s.function,
                inputs=[i.name for i in s.inputs],
                outputs=[o.name for o in s.outputs],
                lineage=s.lineage,
            )
            for s in evidence.steps
        ],
        changes=changes,
        dataset_titles=titles_by_name(evidence),
        feature_titles=_feature_titles(evidence),
        gaps=[Gap(what=g.what, reason=f"{g.error_type}: {g.message}") for g in evidence.gaps],
        provenance=CardProvenance(
            generator=f"uitlegbaar {__version__}",
            run_id=evidence.run_id,
            run_name=evidence.run.name,
            run_status=evidence.status,
            run_ended=evidence.end.created.isoformat() if evidence.end else None,
            evidence_digest=evidence.digest,
            declaration=declaration_path,
        ),
    )
    return card.model_copy(update={"missing": missing_fields(card)})


def missing_fields(card: ModelCard) -> list[Missing]:
    """Every expected field the card lacks, with who must supply it and how."""
    out = []
    for section, field, who, how in DECLARED:
        holder = card.model if section == "model" else getattr(card, section)
        if holder is None or _empty(getattr(holder, field)):
            out.append(Missing(section=section, field=field, who=_who(who), how=how))
    present = {
        "model": card.model is not None,
        "training_data": bool(card.training_data),
        "evaluations": bool(card.evaluations),
        "by_group": any(e.by_group for e in card.evaluations),
        "explanations": bool(card.explanations),
    }
    for section, field, who, how in CAPTURED:
        if not present[field]:
            out.append(Missing(section=section, field=field, who=_who(who), how=how))
    return out


def _who(who: str) -> Who:
    assert who in ("engineer", "owner", "legal")
    return who  # type: ignore[return-value]


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


_CLASSIFIER = re.compile(r"(Classifier|Classification|LogisticRegression|SVC|NB)$")
_REGRESSOR = re.compile(r"(Regressor|Regression|SVR)$")


def task_from_name(class_name: str) -> Literal["classification", "regression"] | None:
    """The task a model class's name says, for models whose library does not tell."""
    short = class_name.rsplit(".", 1)[-1]
    if _CLASSIFIER.search(short):
        return "classification"
    return "regression" if _REGRESSOR.search(short) else None


def _model_details(evidence: Evidence, d: Declaration) -> ModelDetails | None:
    model = evidence.model
    if model is None:
        return None
    return ModelDetails(
        name=model.name,
        version=f"{evidence.run_id[:12]}" + (f"-{model.artifact_sha256[:8]}" if model.artifact_sha256 else ""),
        class_name=model.class_name,
        library=model.library,
        library_version=model.library_version,
        hyperparameters=dict(model.hyperparameters),
        default_hyperparameters=[k for k in model.default_hyperparameters if k in model.hyperparameters],
        artifact_sha256=model.artifact_sha256,
        task=model.task or task_from_name(model.class_name),
        owners=list(d.owners),
        licence=d.licence,
        training_function=model.function,
        training_seconds=model.duration_s,
        code_version=_code_version(evidence.run),
    )


def _code_version(run: RunRecord) -> str | None:
    git = run.provenance.git if run.provenance else None
    if git is None or git.commit is None:
        return None
    dirty = (
        f"+dirty (diff {git.diff_sha256[:12]})" if git.dirty and git.diff_sha256 else ("+dirty" if git.dirty else "")
    )
    return f"{git.commit[:12]}{dirty}"


def _training_data(evidence: Evidence, training_ids: set[str]) -> list[DatasetRecord]:
    """The source datasets, then the datasets the model was fitted on."""
    chosen = [d for d in evidence.datasets if d.role == "source"]
    return chosen + [d for d in evidence.datasets if d.id in training_ids and d not in chosen]


def _dataset(d: DatasetRecord) -> DatasetSummary:
    return DatasetSummary(
        name=d.name,
        role=d.role,
        source=public_source(d.source),
        origin=d.origin,
        description=d.description,
        owner=d.owner,
        licence=d.licence,
        rows=d.num_rows,
        columns=d.num_columns,
        fingerprint=d.fingerprint.digest,
        fingerprint_algorithm=d.fingerprint.algorithm,
        multiset_fingerprint=d.multiset.digest if d.multiset and d.multiset.digest != d.fingerprint.digest else None,
        source_version=d.table_version,
        source_files=list(d.files),
        personal=list(d.personal),
        sensitive=list(d.sensitive),
        schema=list(d.columns),
        profile=list(d.profile),
        privacy=d.privacy,
    )


def _features(evidence: Evidence) -> list[Feature]:
    model = evidence.model
    if model is None:
        return []
    if model.inputs:  # captured lineage of a scikit-learn pipeline
        return [Feature(**i.model_dump()) for i in model.inputs]
    types = {c.name: c.type for x in evidence.datasets for c in x.columns}
    personal = {c for x in evidence.datasets for c in x.personal}
    sensitive = {c for x in evidence.datasets for c in x.sensitive}
    derived = {c: s for x in evidence.datasets if x.privacy for c, s in x.privacy.derived_from.items()}
    return [
        Feature(
            name=f,
            type=types.get(f),
            personal=f in personal,
            sensitive=f in sensitive,
            derived_from=list(derived.get(f, [])),
        )
        for f in model.features
    ]


def _feature_titles(evidence: Evidence) -> dict[str, dict[str, str]]:
    """Each model input's name in prose, per language, where it differs from the recorded name."""
    model = evidence.model
    if model is None:
        return {}
    personal = {c for x in evidence.datasets for c in x.personal}
    out: dict[str, dict[str, str]] = {}
    for f in model.inputs:
        titles: dict[str, str] = {lang: feature_title(f, personal, lang) for lang in LANGUAGES}
        if any(t != f.name for t in titles.values()):
            out[f.name] = titles
    return out


def _evaluation(e: EvaluationRecord) -> Evaluation:
    return Evaluation(
        split=e.split,
        metrics=dict(e.metrics),
        by_group=e.by_group,
        checks=[_check(result, check) for result in e.fairness for check in result.checks],
        proxies=[
            Proxy(feature=p.feature, attribute=p.attribute, measure=p.measure, strength=p.strength, flagged=p.flagged)
            for p in sorted(e.proxies, key=lambda p: -p.strength)
        ],
        data=[ref.name for ref in e.data],
    )


def _check(result: AttributeResult, check: ThresholdCheck) -> FairnessCheck:
    """A threshold check with the best and worst group of the disparity it bounds."""
    metric = check.name.rpartition("_")[0]
    disparity = next((d for d in result.disparities if d.metric == metric), None)
    return FairnessCheck(
        attribute=result.attribute,
        name=check.name,
        threshold=check.threshold,
        value=check.value,
        passed=check.passed,
        best_group=disparity.best_group if disparity else None,
        worst_group=disparity.worst_group if disparity else None,
    )


def _explanation(x: ExplanationRecord) -> Explanation:
    return Explanation(
        method=x.method,
        importances=_ranked(x.importances),
        by_source=_ranked(x.by_source) if set(x.by_source) != set(x.importances) else [],
        library=x.library,
        sample_size=x.sample_size,
        samples=x.samples,
        seed=x.seed,
        scoring=x.scoring,
        stability=x.stability,
        note=x.note,
        coefficients=[Coefficient(**c.model_dump()) for c in x.coefficients],
        confidence=x.confidence,
    )


def _ranked(values: dict[str, float]) -> list[Importance]:
    return [Importance(feature=k, value=v) for k, v in sorted(values.items(), key=lambda kv: -abs(kv[1]))]
