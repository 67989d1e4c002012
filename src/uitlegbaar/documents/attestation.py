"""The provenance of a run as an in-toto Statement v1 with a SLSA Provenance v1 predicate: pure, no I/O.

    documents = attested_documents(inputs)              # the card, register entry and system card, as written
    statement = build_statement(inputs.evidence, [*model_subjects, *(d.subject() for d in documents)], ...)

Subjects are what the run produced: the model (the file a user names, and the hash of the pickled model that
capture recorded) and every rendering of its documents, byte for byte as `uitlegbaar card|register|systemcard
RUN -o FILE` writes it. Resolved dependencies are what it was made from: each dataset (its uitlegbaar
fingerprint, and the SHA-256 of its source file where that file exists), the code commit, and the head of the
run's hash chain. Signing is not done here (`uitlegbaar.attest`); reading a statement back is (`read_statement`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from uitlegbaar.documents.formats import LANGUAGES, Inputs, compile_document, kind, render
from uitlegbaar.documents.paths import hide_home
from uitlegbaar.errors import AttestationError
from uitlegbaar.evidence.records import DatasetRecord
from uitlegbaar.evidence.view import Evidence

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://slsa.dev/provenance/v1"
PAYLOAD_TYPE = "application/vnd.in-toto+json"
BUILD_TYPE = "urn:uitlegbaar:build-type:training-run:v1"
BUILDER_ID = "pkg:pypi/uitlegbaar"
EVIDENCE = "evidence"
ATTESTED_KINDS = ("card", "register", "systemcard")
MEDIA_TYPES = {
    "md": "text/markdown",
    "html": "text/html",
    "json": "application/json",
    "csv": "text/csv",
    "yaml": "application/yaml",
}


@dataclass(frozen=True)
class Subject:
    """A file the statement is about: its name, SHA-256 and what it is (`role` model or document)."""

    name: str
    sha256: str
    role: str
    annotations: Mapping[str, Any] = field(default_factory=dict)
    media_type: str | None = None

    def descriptor(self) -> dict[str, Any]:
        """As an in-toto ResourceDescriptor."""
        out: dict[str, Any] = {"name": self.name, "digest": {"sha256": self.sha256}}
        if self.media_type:
            out["mediaType"] = self.media_type
        out["annotations"] = {"role": self.role, **self.annotations}
        return out


@dataclass(frozen=True)
class Rendered:
    """One document of the run exactly as the command line writes it, under the name the statement gives it."""

    name: str
    kind: str
    fmt: str
    lang: str
    data: bytes

    def subject(self, sha256: str) -> Subject:
        return Subject(
            self.name,
            sha256,
            "document",
            {"kind": self.kind, "format": self.fmt, "lang": self.lang},
            MEDIA_TYPES.get(self.fmt),
        )


def document_name(name: str, fmt: str, lang: str) -> str:
    """`card.md`, `card.nl.html`, `register.csv`: English is the default and goes unnamed."""
    return f"{name}.{fmt}" if lang == LANGUAGES[0] else f"{name}.{lang}.{fmt}"


def attested_documents(inputs: Inputs) -> list[Rendered]:
    """Every format and language of the run's card, register entry and system card, rendered through the formats
    registry as `uitlegbaar card|register|systemcard` writes them (renderings with the same bytes listed once)."""
    found: list[Rendered] = []
    seen: set[bytes] = set()
    for name in ATTESTED_KINDS:
        document = kind(name)
        compiled = compile_document(name, inputs)
        for fmt in document.formats:
            for lang in LANGUAGES if document.multilingual else LANGUAGES[:1]:
                data = render(name, compiled, fmt, lang)
                if data not in seen:
                    seen.add(data)
                    found.append(Rendered(document_name(name, fmt, lang), name, fmt, lang, data))
    return found


def model_subject(name: str, sha256: str, digest_of: str) -> Subject:
    """The model: `digest_of` says what was hashed (`file`, or the artifact format of the hash capture recorded:
    `pickle`, `xgboost ubj`, `torch state_dict`, …)."""
    return Subject(name, sha256, "model", {"digestOf": digest_of})


def build_statement(
    evidence: Evidence,
    subjects: Sequence[Subject],
    *,
    version: str,
    dataset_files: Mapping[str, str] | None = None,
    declaration: tuple[str, str] | None = None,
    algorithm: str | None = None,
    byproducts: Sequence[Subject] = (),
) -> dict[str, Any]:
    """The statement about `subjects` made by the run `evidence` holds. `dataset_files` maps a dataset record's
    id to the SHA-256 of its source file; `declaration` is the declaration's file name (no folder) and SHA-256."""
    if not subjects:
        raise AttestationError("nothing to attest: the statement needs at least one subject")
    external: dict[str, Any] = {
        "run": {"id": evidence.run_id, "name": evidence.run.name},
        "documents": list(ATTESTED_KINDS),
    }
    if declaration is not None:
        external["declaration"] = declaration[0]
    if algorithm is not None:
        external["algorithm"] = algorithm
    metadata: dict[str, Any] = {"invocationId": evidence.run_id, "startedOn": _time(evidence.run.created)}
    if evidence.end is not None:
        metadata["finishedOn"] = _time(evidence.end.created)
    run_details: dict[str, Any] = {
        "builder": {"id": BUILDER_ID, "version": {"uitlegbaar": version}},
        "metadata": metadata,
    }
    if byproducts:
        run_details["byproducts"] = [b.descriptor() for b in byproducts]
    return {
        "_type": STATEMENT_TYPE,
        "subject": [s.descriptor() for s in subjects],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "buildDefinition": {
                "buildType": BUILD_TYPE,
                "externalParameters": external,
                "resolvedDependencies": dependencies(evidence, dataset_files or {}, declaration),
            },
            "runDetails": run_details,
        },
    }


def dependencies(
    evidence: Evidence, dataset_files: Mapping[str, str], declaration: tuple[str, str] | None = None
) -> list[dict[str, Any]]:
    """The datasets, the code commit, the declaration and the evidence chain head, as in-toto ResourceDescriptors."""
    found = [_dataset(d, _uses(evidence, d), dataset_files.get(d.id)) for d in evidence.datasets]
    git = evidence.run.provenance.git if evidence.run.provenance else None
    if git is not None and git.commit:
        code: dict[str, Any] = {"name": "code", "digest": {"gitCommit": git.commit}}
        if git.remote:
            code["uri"] = f"git+{git.remote}"
        notes = {"branch": git.branch, "dirty": git.dirty, "diffSha256": git.diff_sha256}
        code["annotations"] = {k: v for k, v in notes.items() if v is not None}
        found.append(code)
    if declaration is not None:
        name, digest = declaration
        found.append({"name": "declaration", "digest": {"sha256": digest}, "annotations": {"file": name}})
    found.append(
        {
            "name": EVIDENCE,
            "digest": {"sha256": evidence.digest},
            "annotations": {"runId": evidence.run_id, "records": len(evidence.records), "status": evidence.status},
        }
    )
    return found


def _dataset(record: DatasetRecord, uses: list[str], file_sha256: str | None) -> dict[str, Any]:
    digest = {record.fingerprint.algorithm: record.fingerprint.digest}
    if file_sha256 is not None:
        digest["sha256"] = file_sha256
    notes: dict[str, Any] = {"role": record.role, "rows": record.num_rows, "columns": record.num_columns}
    if uses:
        notes["usedFor"] = uses
    if record.source:
        notes["source"] = hide_home(record.source)
    return {"name": f"dataset:{record.name}", "digest": digest, "annotations": notes}


def _uses(evidence: Evidence, record: DatasetRecord) -> list[str]:
    training = any(ref.id == record.id for m in evidence.models for ref in m.training_data)
    evaluation = any(ref.id == record.id for e in evidence.evaluations for ref in e.data)
    return [use for use, used in (("training", training), ("evaluation", evaluation)) if used]


def _time(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def payload(statement: Mapping[str, Any]) -> bytes:
    """The statement's bytes as they are signed: compact JSON, keys in order, UTF-8."""
    return json.dumps(statement, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


# ------------------------------------------------------------------ reading one back


@dataclass(frozen=True)
class Attested:
    """What a statement says: the run, the head of its hash chain, and its subjects."""

    run_id: str
    evidence_digest: str
    subjects: tuple[Subject, ...]
    statement: Mapping[str, Any]

    def of_role(self, role: str) -> list[Subject]:
        return [s for s in self.subjects if s.role == role]

    def matching(self, sha256: str, role: str | None = None) -> Subject | None:
        """The subject with this digest (of `role`, if given)."""
        return next((s for s in self.subjects if s.sha256 == sha256 and role in (None, s.role)), None)


def read_statement(raw: bytes) -> Attested:
    """The statement in a signed payload; `AttestationError` naming what is wrong when it is not one of ours."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AttestationError(f"the attestation's payload is not a JSON statement ({exc})") from exc
    if not isinstance(data, dict) or data.get("_type") != STATEMENT_TYPE:
        raise AttestationError(f"the attestation's payload is not an in-toto Statement v1 ({STATEMENT_TYPE})")
    if data.get("predicateType") != PREDICATE_TYPE:
        raise AttestationError(f"the statement's predicate is {data.get('predicateType')!r}, not {PREDICATE_TYPE}")
    try:
        subjects = tuple(_subject(s) for s in data["subject"])
        predicate = data["predicate"]
        run_id = str(predicate["runDetails"]["metadata"]["invocationId"])
        deps = predicate["buildDefinition"]["resolvedDependencies"]
        head = next(str(d["digest"]["sha256"]) for d in deps if d.get("name") == EVIDENCE)
    except (KeyError, TypeError, AttributeError, StopIteration) as exc:
        raise AttestationError(f"the statement lacks what uitlegbaar attests ({type(exc).__name__}: {exc})") from exc
    return Attested(run_id, head, subjects, data)


def _subject(data: Mapping[str, Any]) -> Subject:
    notes = dict(data.get("annotations") or {})
    return Subject(str(data["name"]), str(data["digest"]["sha256"]), str(notes.pop("role", "")), notes)
