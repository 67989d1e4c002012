"""Attest a run: load it through the pipeline (verified), render its documents as the command line writes them,
hash the model file once, build the statement and sign it.

    from uitlegbaar import pipeline
    from uitlegbaar.attest import attest_run, load_signing_key

    made = attest_run(pipeline.open_store(), "latest", load_signing_key("team.pem"), model="model.pkl")
    Path("run.intoto.jsonl").write_bytes(made.envelope)
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from uitlegbaar import pipeline
from uitlegbaar._version import __version__
from uitlegbaar.attest import envelope
from uitlegbaar.attest.keys import SigningKey
from uitlegbaar.documents.attestation import Rendered, Subject, attested_documents, build_statement, model_subject
from uitlegbaar.documents.formats import Inputs
from uitlegbaar.errors import ConfigurationError
from uitlegbaar.evidence.view import Evidence
from uitlegbaar.files import sha256_file
from uitlegbaar.store.protocol import Store

PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class Attestation:
    """A signed attestation: the envelope's bytes (an `.intoto.jsonl` file), the statement in it, the documents
    it attests (to write beside it), and notes on what it could not attest."""

    envelope: bytes
    statement: dict[str, Any]
    documents: tuple[Rendered, ...]
    notes: tuple[str, ...] = ()


def attest_run(
    store: Store,
    ref: str,
    key: SigningKey,
    *,
    model: PathLike | None = None,
    model_signature: PathLike | None = None,
    declaration: PathLike | None = None,
    algorithm: str | None = None,
) -> Attestation:
    """Attest the run `ref` names (verified first; it must have ended). `model`: the model file, added as a subject
    (else the hash of the pickled model capture recorded is the model's subject); `model_signature`: also sign that
    file with model-signing into this file (ECDSA keys)."""
    inputs = pipeline.load(store, ref, declaration=declaration, algorithm=algorithm)
    return attest_inputs(inputs, key, model=model, model_signature=model_signature, algorithm=algorithm)


def attest_inputs(
    inputs: Inputs,
    key: SigningKey,
    *,
    model: PathLike | None = None,
    model_signature: PathLike | None = None,
    algorithm: str | None = None,
) -> Attestation:
    """Attest the run of `inputs` (loaded and verified by the caller)."""
    evidence = inputs.evidence
    if evidence.end is None:
        raise ConfigurationError(
            f"run {evidence.run_id} has not ended, so its evidence can still change: attest it once it has ended"
        )
    if model_signature is not None and model is None:
        raise ConfigurationError("--model-signature signs the model file: give it with --model PATH")
    notes: list[str] = []
    models, byproducts = _models(evidence, model, model_signature, key, notes)
    rendered = attested_documents(inputs)
    subjects = [*models, *(d.subject(hashlib.sha256(d.data).hexdigest()) for d in rendered)]
    statement = build_statement(
        evidence,
        subjects,
        version=__version__,
        dataset_files=_dataset_files(evidence),
        declaration=_declaration(inputs.declaration_path),
        algorithm=algorithm,
        byproducts=byproducts,
    )
    return Attestation(envelope.sign(statement, key), statement, tuple(rendered), tuple(notes))


def _models(
    evidence: Evidence, model: PathLike | None, signature: PathLike | None, key: SigningKey, notes: list[str]
) -> tuple[list[Subject], list[Subject]]:
    """The model's subjects (its file's SHA-256, the recorded pickle hash) and the model signature made."""
    subjects: list[Subject] = []
    byproducts: list[Subject] = []
    if model is not None:
        path = Path(model)
        if not path.is_file():
            raise ConfigurationError(f"{path} is not a model file (give the file the model was saved to)")
        if signature is not None:
            from uitlegbaar.attest.model import MEDIA_TYPE, sign_model

            digest = sign_model(path, key, Path(signature))
            byproducts.append(Subject(Path(signature).name, sha256_file(signature), "model-signature", {}, MEDIA_TYPE))
        else:
            digest = sha256_file(path)
        subjects.append(model_subject(path.name, digest, "file"))
    recorded = evidence.model.artifact_sha256 if evidence.model else None
    if recorded and evidence.model and all(s.sha256 != recorded for s in subjects):
        kind = evidence.model.artifact_format or "pickle"  # what capture hashed, in the model library's own format
        suffixes = {"pickle": ".pkl", "xgboost ubj": ".ubj", "lightgbm text": ".txt", "catboost cbm": ".cbm"}
        suffix = suffixes.get(kind, "")
        subjects.append(model_subject(f"{evidence.model.name}{suffix}", recorded, kind))
    if not subjects:
        notes.append("no model subject: the run recorded no model artifact hash, and no --model file was given")
    return subjects, byproducts


def _dataset_files(evidence: Evidence) -> dict[str, str]:
    """The SHA-256 of each dataset's source that is a file here (as it is now: its fingerprint is what was used)."""
    found: dict[str, str] = {}
    for dataset in evidence.datasets:
        path = _local(dataset.source)
        if path is not None and path.is_file():
            found[dataset.id] = sha256_file(path)
    return found


def _local(source: str | None) -> Path | None:
    if not source:
        return None
    if source.startswith("file://"):
        return Path(source.removeprefix("file://"))
    return None if "://" in source else Path(source)


def _declaration(path: str | None) -> tuple[str, str] | None:
    return (Path(path).name, sha256_file(path)) if path else None


def write_documents(made: Attestation, folder: PathLike) -> list[Path]:
    """Write the attested documents into `folder` under the names the statement gives them."""
    from uitlegbaar.files import prepare_folder, write_output

    target = prepare_folder(folder, "documents folder")
    return [write_output(target / d.name, d.data) for d in made.documents]
