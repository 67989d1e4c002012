"""DSSE envelopes around in-toto statements, through securesystemslib (signing, the pre-authentication encoding,
verification) and in-toto-attestation (the Statement and SLSA Provenance schemas).

An attestation file holds one envelope as compact JSON on one line (the in-toto `.intoto.jsonl` layout).
Reading is strict: the file must be UTF-8 JSON of exactly the envelope's fields, with canonical base64, so that
no changed byte of it goes unnoticed (lenient base64 decoding would ignore some).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from uitlegbaar.attest.keys import PublicKey, SigningKey
from uitlegbaar.documents.attestation import PAYLOAD_TYPE, Attested, payload, read_statement
from uitlegbaar.errors import AttestationError

if TYPE_CHECKING:
    from securesystemslib.dsse import Envelope

ENVELOPE_FIELDS = frozenset({"payload", "payloadType", "signatures"})
SIGNATURE_FIELDS = frozenset({"keyid", "sig"})


@dataclass(frozen=True)
class Read:
    """An envelope as read from a file, and the statement it carries (not yet checked against any key)."""

    envelope: Envelope
    attested: Attested

    @property
    def key_ids(self) -> list[str]:
        return list(self.envelope.signatures)


def validate(statement: Mapping[str, Any]) -> None:
    """Check the statement against the in-toto Statement v1 and SLSA Provenance v1 schemas (in-toto-attestation's
    protobuf bindings and validators); `AttestationError` naming the first problem."""
    from google.protobuf import json_format
    from in_toto_attestation.predicates.provenance.v1 import provenance_pb2
    from in_toto_attestation.v1 import statement_pb2
    from in_toto_attestation.v1.statement import Statement

    try:
        parsed = json_format.ParseDict(dict(statement), statement_pb2.Statement())
        Statement.copy_from_pb(parsed).validate()
        json_format.ParseDict(dict(statement["predicate"]), provenance_pb2.Provenance())
    except (json_format.ParseError, ValueError, KeyError) as exc:
        raise AttestationError(f"the statement is not a valid in-toto Statement with SLSA Provenance: {exc}") from exc


def sign(statement: Mapping[str, Any], key: SigningKey) -> bytes:
    """The statement, validated, in a DSSE envelope signed with `key`: the bytes of an `.intoto.jsonl` file."""
    from securesystemslib.dsse import Envelope

    validate(statement)
    envelope = Envelope(payload(statement), PAYLOAD_TYPE, {})
    envelope.sign(key.signer)
    return (json.dumps(envelope.to_dict(), separators=(",", ":")) + "\n").encode()


def read(raw: bytes) -> Read:
    """The envelope in an attestation file's bytes; `AttestationError` naming what is wrong with it."""
    from securesystemslib.dsse import Envelope

    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise AttestationError("the attestation is not UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        raise AttestationError(f"the attestation is not one DSSE envelope in JSON ({exc.msg}, char {exc.pos})") from exc
    if not isinstance(data, dict) or set(data) != ENVELOPE_FIELDS:
        raise AttestationError(f"the attestation is not a DSSE envelope (fields {', '.join(sorted(ENVELOPE_FIELDS))})")
    if data["payloadType"] != PAYLOAD_TYPE:
        raise AttestationError(f"the envelope's payload type is {data['payloadType']!r}, not {PAYLOAD_TYPE}")
    signatures = data["signatures"]
    if not isinstance(signatures, list) or not signatures:
        raise AttestationError("the envelope holds no signature")
    _canonical(data["payload"], "payload")
    for signature in signatures:
        if not isinstance(signature, dict) or set(signature) != SIGNATURE_FIELDS:
            raise AttestationError("a signature of the envelope is not a DSSE signature (keyid, sig)")
        _canonical(signature["sig"], "signature")
    try:
        envelope = Envelope.from_dict(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise AttestationError(f"the envelope cannot be read: {exc}") from exc
    return Read(envelope, read_statement(envelope.payload))


def check_signature(found: Read, keys: Sequence[PublicKey]) -> PublicKey:
    """The key of `keys` whose signature on the envelope verifies (securesystemslib's DSSE verification);
    `AttestationError` saying whether the signer is unknown or the signature does not verify."""
    from securesystemslib.exceptions import VerificationError

    if not keys:
        raise AttestationError("no key to verify the signature with")
    by_id = {k.key_id: k for k in keys}
    try:
        accepted = found.envelope.verify([k.key for k in keys], 1)
    except VerificationError as exc:
        known = [i for i in found.key_ids if i in by_id]
        if not known:
            ids = ", ".join(i[:16] for i in found.key_ids)
            given = ", ".join(k.name for k in keys)
            raise AttestationError(f"signed by key id {ids}, which is none of the trusted keys ({given})") from exc
        raise AttestationError(f"the signature of {by_id[known[0]].describe()} does not verify") from exc
    return by_id[next(iter(accepted))]


def _canonical(text: Any, what: str) -> None:
    """Base64 exactly as it encodes: Python's decoder would skip stray characters and ignore unused bits."""
    try:
        ok = isinstance(text, str) and base64.b64encode(base64.b64decode(text, validate=True)).decode() == text
    except (binascii.Error, ValueError):
        ok = False
    if not ok:
        raise AttestationError(f"the envelope's {what} is not canonical base64")
