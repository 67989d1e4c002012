"""Who signed each submitted entry: the attestation that covers its file, checked against the maintainer's
folder of trusted team keys.

An entry file `entry.json` is attested by `entry.json.intoto.jsonl` beside it (what `uitlegbaar attest` writes,
renamed so), or by any `*.intoto.jsonl` among the ingested paths whose statement has the file's SHA-256 as a
subject (one attestation of a run covers its `register.json` and `register.csv`). An attestation beside a file
must cover it. Per entry: *signed* (by the key's file name), *unsigned* (no attestation covers it) or *invalid*
(a signature that does not verify, a key that is not trusted, a file changed since it was signed).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from uitlegbaar.attest import envelope
from uitlegbaar.attest.keys import PublicKey
from uitlegbaar.errors import AttestationError
from uitlegbaar.files import sha256_file
from uitlegbaar.registry.sources import Document

SUFFIX = ".intoto.jsonl"
Status = Literal["signed", "unsigned", "invalid"]


@dataclass(frozen=True)
class Signing:
    """How an entry is signed: its status, by whom (the trusted key's name and id), with which attestation."""

    status: Status
    detail: str
    signer: str | None = None
    key_id: str | None = None
    attestation: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status, "detail": self.detail}
        if self.signer is not None:
            out |= {"signer": self.signer, "key_id": self.key_id}
        if self.attestation is not None:
            out["attestation"] = self.attestation
        return out


UNSIGNED = Signing("unsigned", "no attestation covers this file")


def check_documents(
    documents: Iterable[Document], paths: Iterable[str | os.PathLike[str]], keys: Sequence[PublicKey]
) -> dict[str, Signing]:
    """The signing of every document, by its origin (documents without a file, such as `models:/…`, are
    unsigned: nothing on disk can be attested)."""
    pool = _Pool(attestation_files(paths), keys)
    by_file: dict[str, Signing] = {}
    found: dict[str, Signing] = {}
    for doc in documents:
        if doc.file is None:
            found[doc.origin] = Signing("unsigned", "not read from a file, so no attestation can cover it")
            continue
        if doc.file not in by_file:
            by_file[doc.file] = pool.signing(Path(doc.file))
        found[doc.origin] = by_file[doc.file]
    return found


def attestation_files(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Every `*.intoto.jsonl` in `paths` (folders searched recursively), in name order."""
    found: set[Path] = set()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found |= {p for p in path.rglob(f"*{SUFFIX}") if p.is_file()}
        elif path.is_file() and path.name.endswith(SUFFIX):
            found.add(path)
    return sorted(found)


class _Pool:
    """The attestations found, each read once, and checked against the trusted keys once."""

    def __init__(self, files: list[Path], keys: Sequence[PublicKey]) -> None:
        self.keys = keys
        self.files = files
        self._read: dict[Path, envelope.Read | AttestationError] = {}
        self._signers: dict[Path, PublicKey | AttestationError] = {}

    def signing(self, file: Path) -> Signing:
        digest = sha256_file(file)
        beside = file.with_name(file.name + SUFFIX)
        if beside.is_file():
            return self._check(beside, digest)
        covering = [a for a in self.files if self._covers(a, digest)]
        checked = [self._check(a, digest) for a in covering]
        return next((s for s in checked if s.status == "signed"), checked[0] if checked else UNSIGNED)

    def _covers(self, attestation: Path, digest: str) -> bool:
        read = self._reading(attestation)
        return not isinstance(read, AttestationError) and read.attested.matching(digest) is not None

    def _check(self, attestation: Path, digest: str) -> Signing:
        where = str(attestation)
        read = self._reading(attestation)
        if isinstance(read, AttestationError):
            return Signing("invalid", f"{where}: {read}", attestation=where)
        signer = self._signer(attestation, read)
        if isinstance(signer, AttestationError):
            return Signing("invalid", f"{where}: {signer}", attestation=where)
        if read.attested.matching(digest) is None:
            detail = f"{where}: signed by {signer.name}, but not this file (changed since it was signed?)"
            return Signing("invalid", detail, attestation=where)
        return Signing("signed", f"signed by {signer.describe()}", signer.name, signer.key_id, where)

    def _reading(self, attestation: Path) -> envelope.Read | AttestationError:
        if attestation not in self._read:
            try:
                self._read[attestation] = envelope.read(attestation.read_bytes())
            except AttestationError as exc:
                self._read[attestation] = exc
            except OSError as exc:
                self._read[attestation] = AttestationError(f"cannot be read: {exc.strerror or exc}")
        return self._read[attestation]

    def _signer(self, attestation: Path, read: envelope.Read) -> PublicKey | AttestationError:
        if attestation not in self._signers:
            try:
                self._signers[attestation] = envelope.check_signature(read, self.keys)
            except AttestationError as exc:
                self._signers[attestation] = exc
        return self._signers[attestation]
