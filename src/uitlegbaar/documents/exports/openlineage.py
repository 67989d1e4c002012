"""OpenLineage 2-0-2 RunEvents of a run: the pipeline run, a child run per step and for the training.

    pipeline run  START … COMPLETE|FAIL   inputs: the source data; outputs: the model (datasetType MODEL)
      step runs   START, COMPLETE         inputs/outputs: the step's data, with column lineage
      train run   START, COMPLETE         inputs: the training data; output: the model

Datasets carry `schema`, `dataSource`, `version` (our content fingerprint), `ownership` and
`documentation`; the model carries column lineage from its inputs to the source columns. Hyperparameters
and step parameters are `executionParameters`. What no standard facet holds (fingerprints, personal
and sensitive columns, metrics per group, explanations, declared context, the evidence chain) goes in
the `uitlegbaar_*` custom facets (see `facets.py`). Event times are the records' own times, so the
same run gives the same events.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from uitlegbaar._version import __version__
from uitlegbaar.documents.exports.common import (
    PRODUCER,
    as_uuid,
    finished,
    iso,
    job_name,
    location,
    model_version,
    task_of,
)
from uitlegbaar.evidence.declaration import Declaration
from uitlegbaar.evidence.records import DatasetRecord, DatasetRef, JsonScalar, ModelRecord, StepRecord
from uitlegbaar.evidence.view import Evidence

if TYPE_CHECKING:
    from openlineage.client.event_v2 import InputDataset, OutputDataset, RunEvent
    from openlineage.client.facet_v2 import DatasetFacet, JobFacet, RunFacet

NAMESPACE = "uitlegbaar"
INTEGRATION = "UITLEGBAAR"
MODEL_NAMESPACE = "uitlegbaar"


def compile_openlineage(evidence: Evidence, declaration: Declaration) -> list[RunEvent]:
    """The run's events in time order (records' own times; ties: parent START first, parent end last)."""
    from openlineage.client.event_v2 import RunState

    job = job_name(evidence)
    parent = _parent_events(evidence, declaration, job)
    children: list[tuple[datetime, RunEvent]] = []
    for step in evidence.steps:
        children += _child_events(evidence, job, step.id, step.function, step.duration_s, step.created, step)
    model = evidence.model
    if model is not None:
        children += _child_events(evidence, job, model.id, model.function, model.duration_s, model.created, model)
    ordered = sorted(children, key=lambda pair: (pair[0], pair[1].eventType == RunState.COMPLETE))
    return [parent[0], *(event for _, event in ordered), *parent[1:]]


def to_dicts(events: list[RunEvent]) -> list[dict[str, Any]]:
    """The events as the JSON objects the client sends (no nulls, enums as their values)."""
    from openlineage.client.serde import Serde

    return [Serde.to_dict(e) for e in events]


# ------------------------------------------------------------------ runs


def _parent_events(evidence: Evidence, d: Declaration, job: str) -> list[RunEvent]:
    from openlineage.client.event_v2 import Job, Run, RunEvent, RunState
    from openlineage.client.facet_v2 import error_message_run

    from uitlegbaar.documents.exports.facets import UitlegbaarEvidenceRunFacet

    run_id = as_uuid(evidence.run_id)
    job_facets = _job_facets(evidence, d, "JOB")
    inputs = [_input(x, job) for x in evidence.sources]
    outputs = [_model_output(evidence, d, job)] if evidence.model else []
    start_facets = _run_facets(evidence.model.hyperparameters if evidence.model else {})
    start = RunEvent(
        eventType=RunState.START,
        eventTime=iso(evidence.run.created),
        run=Run(runId=run_id, facets=start_facets),
        job=Job(namespace=NAMESPACE, name=job, facets=job_facets),
        inputs=inputs,
        outputs=outputs,
        producer=PRODUCER,
    )
    if evidence.end is None:
        return [start]
    end_facets: dict[str, RunFacet] = {
        **start_facets,
        "uitlegbaar_evidence": UitlegbaarEvidenceRunFacet(
            runId=evidence.run_id,
            runName=evidence.run.name,
            status=evidence.status,
            evidenceDigest=evidence.digest,
            records=len(evidence.records),
            gaps=[{"what": g.what, "reason": f"{g.error_type}: {g.message}"} for g in evidence.gaps],
            producer=PRODUCER,
        ),
    }
    failed = evidence.end.status == "failed"
    if failed:
        end_facets["errorMessage"] = error_message_run.ErrorMessageRunFacet(
            message=f"the pipeline raised {evidence.end.error_type or 'an error'}",
            programmingLanguage="python",
            producer=PRODUCER,
        )
    end = RunEvent(
        eventType=RunState.FAIL if failed else RunState.COMPLETE,
        eventTime=iso(finished(evidence)),
        run=Run(runId=run_id, facets=end_facets),
        job=Job(namespace=NAMESPACE, name=job, facets=job_facets),
        inputs=inputs,
        outputs=outputs,
        producer=PRODUCER,
    )
    return [start, end]


def _child_events(
    evidence: Evidence,
    job: str,
    record_id: str,
    function: str,
    duration_s: float,
    ended: datetime,
    record: StepRecord | ModelRecord,
) -> list[tuple[datetime, RunEvent]]:
    """START and COMPLETE of one step (or the training), a child of the pipeline run."""
    from openlineage.client.event_v2 import Job, Run, RunEvent, RunState
    from openlineage.client.facet_v2 import parent_run

    name = f"{job}.{function.rsplit('.', 1)[-1]}"
    began = ended - timedelta(seconds=duration_s)
    parent = parent_run.ParentRunFacet(
        run=parent_run.Run(runId=as_uuid(evidence.run_id)),
        job=parent_run.Job(namespace=NAMESPACE, name=job),
        producer=PRODUCER,
    )
    if isinstance(record, StepRecord):
        params = record.params
        inputs = [_input(x, job) for x in _records(evidence, record.inputs)]
        outputs = [_output(evidence, x, job, record) for x in _records(evidence, record.outputs)]
    else:
        params = record.hyperparameters
        inputs = [_input(x, job) for x in _records(evidence, record.training_data)]
        outputs = [_model_output(evidence, None, job)]
    facets: dict[str, RunFacet] = {**_run_facets(params), "parent": parent}
    events = []
    for state, moment in ((RunState.START, began), (RunState.COMPLETE, ended)):
        event = RunEvent(
            eventType=state,
            eventTime=iso(moment),
            run=Run(runId=as_uuid(record_id), facets=facets),
            job=Job(namespace=NAMESPACE, name=name, facets=_job_facets(evidence, None, "TASK")),
            inputs=inputs,
            outputs=outputs,
            producer=PRODUCER,
        )
        events.append((moment, event))
    return events


def _records(evidence: Evidence, refs: list[DatasetRef]) -> list[DatasetRecord]:
    return [x for x in (evidence.dataset(ref.id) for ref in refs) if x is not None]


def _run_facets(params: dict[str, JsonScalar]) -> dict[str, RunFacet]:
    import openlineage.client
    from openlineage.client.facet_v2 import execution_parameters_run, processing_engine_run

    facets: dict[str, RunFacet] = {
        "processing_engine": processing_engine_run.ProcessingEngineRunFacet(
            version=__version__,
            name="uitlegbaar",
            openlineageAdapterVersion=getattr(openlineage.client, "__version__", None),
            producer=PRODUCER,
        )
    }
    if params:
        facets["executionParameters"] = execution_parameters_run.ExecutionParametersRunFacet(
            parameters=[execution_parameters_run.ExecutionParameter(key=k, value=_text(v)) for k, v in params.items()],
            producer=PRODUCER,
        )
    return facets


def _text(value: JsonScalar) -> str:
    import json

    return value if isinstance(value, str) else json.dumps(value)


def _job_facets(evidence: Evidence, d: Declaration | None, kind: str) -> dict[str, JobFacet]:
    from openlineage.client.facet_v2 import (
        documentation_job,
        job_type_job,
        ownership_job,
        source_code_location_job,
    )

    from uitlegbaar.documents.exports.facets import UitlegbaarAlgorithmJobFacet

    facets: dict[str, JobFacet] = {
        "jobType": job_type_job.JobTypeJobFacet(
            processingType="BATCH", integration=INTEGRATION, jobType=kind, producer=PRODUCER
        )
    }
    git = evidence.run.provenance.git if evidence.run.provenance else None
    if git is not None and git.remote and git.commit:
        facets["sourceCodeLocation"] = source_code_location_job.SourceCodeLocationJobFacet(
            type="git", url=git.remote, repoUrl=git.remote, version=git.commit, branch=git.branch, producer=PRODUCER
        )
    if d is None:
        return facets
    if d.description_short:
        facets["documentation"] = documentation_job.DocumentationJobFacet(
            description=d.description_short, contentType="text/plain", producer=PRODUCER
        )
    if d.owners:
        facets["ownership"] = ownership_job.OwnershipJobFacet(
            owners=[ownership_job.Owner(name=o.name, type=o.role) for o in d.owners], producer=PRODUCER
        )
    declared = UitlegbaarAlgorithmJobFacet(
        name=d.name,
        organization=d.organization,
        status=d.status,
        publicationCategory=d.publication_category,
        goal=d.goal,
        humanIntervention=d.human_intervention,
        lawfulBasis=d.lawful_basis,
        lars=d.lars,
        aiActRiskClass=d.ai_act.risk_class if d.ai_act else None,
        producer=PRODUCER,
    )
    if any(v is not None for v in _declared_values(declared)):
        facets["uitlegbaar_algorithm"] = declared
    return facets


def _declared_values(facet: Any) -> list[Any]:
    """The declared values of a facet (its own fields, not `_producer`/`_schemaURL`)."""
    import attr

    return [getattr(facet, f.name) for f in attr.fields(type(facet)) if not f.name.startswith("_")]


# ------------------------------------------------------------------ datasets


def _dataset_facets(x: DatasetRecord, job: str) -> dict[str, DatasetFacet]:
    from openlineage.client.facet_v2 import (
        dataset_version_dataset,
        datasource_dataset,
        documentation_dataset,
        ownership_dataset,
        schema_dataset,
    )

    from uitlegbaar.documents.exports.facets import UitlegbaarDatasetDatasetFacet

    namespace, _ = location(x, job)
    facets: dict[str, DatasetFacet] = {
        "schema": schema_dataset.SchemaDatasetFacet(
            fields=[
                schema_dataset.SchemaDatasetFacetFields(name=c.name, type=c.type, ordinal_position=i)
                for i, c in enumerate(x.columns, start=1)
            ],
            producer=PRODUCER,
        ),
        "version": dataset_version_dataset.DatasetVersionDatasetFacet(
            datasetVersion=x.fingerprint.digest, producer=PRODUCER
        ),
        "uitlegbaar_dataset": UitlegbaarDatasetDatasetFacet(
            fingerprintAlgorithm=x.fingerprint.algorithm,
            fingerprint=x.fingerprint.digest,
            role=x.role,
            rows=x.num_rows,
            columns=x.num_columns,
            origin=x.origin,
            personalColumns=list(x.personal),
            sensitiveColumns=list(x.sensitive),
            producedBy=x.produced_by,
            producer=PRODUCER,
        ),
    }
    if x.source:
        facets["dataSource"] = datasource_dataset.DatasourceDatasetFacet(
            name=namespace, uri=x.source, producer=PRODUCER
        )
    if x.description:
        facets["documentation"] = documentation_dataset.DocumentationDatasetFacet(
            description=x.description, contentType="text/plain", producer=PRODUCER
        )
    if x.owner:
        facets["ownership"] = ownership_dataset.OwnershipDatasetFacet(
            owners=[ownership_dataset.Owner(name=x.owner, type="OWNER")], producer=PRODUCER
        )
    return facets


def _input(x: DatasetRecord, job: str) -> InputDataset:
    from openlineage.client.event_v2 import InputDataset

    namespace, name = location(x, job)
    return InputDataset(namespace=namespace, name=name, facets=_dataset_facets(x, job))


def _output(evidence: Evidence, x: DatasetRecord, job: str, step: StepRecord) -> OutputDataset:
    from openlineage.client.event_v2 import OutputDataset

    namespace, name = location(x, job)
    facets = _dataset_facets(x, job)
    lineage = _step_lineage(evidence, x, step, job)
    if lineage is not None:
        facets["columnLineage"] = lineage
    return OutputDataset(namespace=namespace, name=name, facets=facets)


Edge = tuple[str, list[str], str, "str | None"]  # output column, its source columns, subtype, description


def _step_lineage(evidence: Evidence, out: DatasetRecord, step: StepRecord, job: str) -> DatasetFacet | None:
    """Each output column from the input column of the same name (or the one it was renamed from).
    Columns the step added have no known inputs and are left out rather than guessed."""
    added = set(step.lineage.added) if step.lineage else set()
    renamed_from = {new: old for old, new in step.lineage.renamed.items()} if step.lineage else {}
    edges: list[Edge] = []
    for c in out.columns:
        if c.name in added:
            continue
        old = renamed_from.get(c.name, c.name)
        edges.append((c.name, [old], "IDENTITY", f"renamed from {old}" if old != c.name else None))
    return _column_lineage(_records(evidence, step.inputs), edges, job)


def _column_lineage(inputs: list[DatasetRecord], edges: list[Edge], job: str) -> DatasetFacet | None:
    """`columnLineage` of the edges whose source columns are found in the inputs."""
    from openlineage.client.facet_v2 import column_lineage_dataset as cl

    fields: dict[str, Any] = {}
    for column, sources, subtype, how in edges:
        found = [
            cl.InputField(
                namespace=location(x, job)[0],
                name=location(x, job)[1],
                field=source,
                transformations=[cl.Transformation(type="DIRECT", subtype=subtype, description=how)],
            )
            for source in sources
            for x in inputs
            if any(c.name == source for c in x.columns)
        ]
        if found:
            fields[column] = cl.Fields(inputFields=found)
    return cl.ColumnLineageDatasetFacet(fields=fields, producer=PRODUCER) if fields else None


def _model_output(evidence: Evidence, d: Declaration | None, job: str) -> OutputDataset:
    """The model as an output dataset (`datasetType: MODEL`), versioned by its artifact's digest."""
    from openlineage.client.event_v2 import OutputDataset
    from openlineage.client.facet_v2 import dataset_type_dataset, dataset_version_dataset, ownership_dataset

    from uitlegbaar.documents.exports.facets import (
        UitlegbaarEvaluationDatasetFacet,
        UitlegbaarExplanationDatasetFacet,
        UitlegbaarModelDatasetFacet,
    )

    model = evidence.model
    assert model is not None
    facets: dict[str, DatasetFacet] = {
        "datasetType": dataset_type_dataset.DatasetTypeDatasetFacet(datasetType="MODEL", producer=PRODUCER),
        "uitlegbaar_model": UitlegbaarModelDatasetFacet(
            className=model.class_name,
            library=model.library,
            libraryVersion=model.library_version,
            artifactSha256=model.artifact_sha256,
            task=task_of(evidence),
            features=list(model.features),
            inputs=[
                {"name": i.name, "type": i.type, "sources": i.sources, "transforms": i.transforms} for i in model.inputs
            ],
            producer=PRODUCER,
        ),
    }
    version = model_version(evidence)
    if version:
        facets["version"] = dataset_version_dataset.DatasetVersionDatasetFacet(
            datasetVersion=version, producer=PRODUCER
        )
    if d is not None and d.owners:
        facets["ownership"] = ownership_dataset.OwnershipDatasetFacet(
            owners=[ownership_dataset.Owner(name=o.name, type=o.role) for o in d.owners], producer=PRODUCER
        )
    lineage = _model_lineage(evidence, model, job)
    if lineage is not None:
        facets["columnLineage"] = lineage
    if evidence.evaluations:
        facets["uitlegbaar_evaluation"] = UitlegbaarEvaluationDatasetFacet(
            evaluations=[
                {
                    "split": e.split,
                    "metrics": dict(e.metrics),
                    "byGroup": e.by_group,
                    "sensitive": list(e.sensitive),
                    "data": [ref.name for ref in e.data],
                }
                for e in evidence.evaluations
            ],
            producer=PRODUCER,
        )
    if evidence.explanations:
        facets["uitlegbaar_explanation"] = UitlegbaarExplanationDatasetFacet(
            explanations=[{"method": x.method, "importances": dict(x.importances)} for x in evidence.explanations],
            producer=PRODUCER,
        )
    return OutputDataset(namespace=MODEL_NAMESPACE, name=f"models/{model.name}", facets=facets)


def _model_lineage(evidence: Evidence, model: ModelRecord, job: str) -> DatasetFacet | None:
    """Each input of the estimator from the training columns it was computed from, through its transforms."""
    edges: list[Edge] = [
        (i.name, i.sources, "TRANSFORMATION" if i.transforms else "IDENTITY", " → ".join(i.transforms) or None)
        for i in model.inputs
    ] or [(f, [f], "IDENTITY", None) for f in model.features]
    return _column_lineage(_records(evidence, model.training_data), edges, job)
