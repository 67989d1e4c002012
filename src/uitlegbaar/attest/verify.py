"""Verify an attestation: its signature, the files it names, and the run's evidence in the store.

Checked in this order, every check reported, the first failure first: the envelope reads and its statement is
ours; the signature verifies with a given public key; each given model file and document matches a subject's
SHA-256; the run's hash chain verifies and its head is the one attested (so not one record changed since).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from uitlegbaar.attest import envelope
from uitlegbaar.attest.keys import PublicKey
from uitlegbaar.documents.attestation import Attested
from uitlegbaar.errors import AttestationError, UitlegbaarError
from uitlegbaar.evidence.view import Evidence
from uitlegbaar.files import sha256_file
from uitlegbaar.store.protocol import Store

PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class Outcome:
    """What verifying an attestation found: the run it names, what verified, what did not (first first)."""

    run_id: str | None
    verified: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    signer: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_attestation(
    store: Store | None,
    raw: bytes,
    *,
    keys: Sequence[PublicKey] = (),
    model: PathLike | None = None,
    documents: Sequence[PathLike] = (),
) -> Outcome:
    """Verify the attestation file's bytes `raw` (see the module). Without `keys` the signature is not checked,
    without a `store` the evidence is not (each said in a note)."""
    try:
        found = envelope.read(raw)
    except AttestationError as exc:
        return Outcome(None, problems=(str(exc),))
    attested = found.attested
    verified: list[str] = []
    problems: list[str] = []
    notes: list[str] = []
    signer = None
    if keys:
        try:
            key = envelope.check_signature(found, keys)
            signer = key.describe()
            verified.append(f"signature: signed by {signer}")
        except AttestationError as exc:
            problems.append(f"signature: {exc}")
    else:
        notes.append("the signature was not checked: give the signer's public key with --key")
    files = [(Path(model), "model")] if model is not None else []
    files += [(Path(d), "document") for d in documents]
    for path, role in files:
        _check_file(attested, path, role, verified, problems)
    if store is None:
        notes.append("the run's evidence was not checked: no store")
    else:
        _check_evidence(store, attested, verified, problems)
    return Outcome(attested.run_id, tuple(verified), tuple(problems), tuple(notes), signer)


def _check_file(attested: Attested, path: Path, role: str, verified: list[str], problems: list[str]) -> None:
    digest = sha256_file(path)
    subject = attested.matching(digest, role)
    if subject is None:
        names = ", ".join(s.name for s in attested.of_role(role)) or "none"
        problems.append(f"{path}: matches no {role} subject (its SHA-256 is {digest}; the {role} subjects: {names})")
    else:
        verified.append(f"{path}: the attested {role} {subject.name}")


def _check_evidence(store: Store, attested: Attested, verified: list[str], problems: list[str]) -> None:
    run_id = attested.run_id
    try:
        chain = store.verify([store.resolve(run_id)]).problems
        if chain:
            problems.append(f"evidence: run {run_id}'s hash chain does not verify: {chain[0].detail}")
            return
        head = Evidence.of(store.load(run_id)).digest
    except (UitlegbaarError, OSError, ValueError) as exc:
        problems.append(f"evidence: run {run_id} cannot be read from the store: {exc}")
        return
    if head != attested.evidence_digest:
        problems.append(
            f"evidence: run {run_id}'s chain head is {head}, the attestation says {attested.evidence_digest} "
            "(records were added or replaced since it was signed)"
        )
    else:
        verified.append(f"evidence: run {run_id}'s hash chain verifies and its head is the one attested")
