"""Signed provenance of a run: an in-toto Statement v1 with a SLSA Provenance v1 predicate in a DSSE envelope,
signed with a key the team holds (Ed25519 or ECDSA P-256), and verified against the files and the store.

A layer above the loader (`uitlegbaar.pipeline`): it loads runs through it, builds the statement with the pure
`documents.attestation` and signs with securesystemslib; `registry` uses it to check teams' entries on ingest.
Needs the `attest` extra (`pip install "uitlegbaar[attest]"`); importing this package loads none of it.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "attest_run": "uitlegbaar.attest.run",
    "attest_inputs": "uitlegbaar.attest.run",
    "write_documents": "uitlegbaar.attest.run",
    "Attestation": "uitlegbaar.attest.run",
    "verify_attestation": "uitlegbaar.attest.verify",
    "Outcome": "uitlegbaar.attest.verify",
    "load_signing_key": "uitlegbaar.attest.keys",
    "load_public_key": "uitlegbaar.attest.keys",
    "trusted_keys": "uitlegbaar.attest.keys",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
