"""A signed attestation for every run sent to MLflow, when a signing key is configured (`ub.autolog(signing_key=…)`
or `UITLEGBAAR_SIGNING_KEY`, a PEM file; an encrypted key's password in `UITLEGBAAR_SIGNING_KEY_PASSWORD`).

Once a top-level run is sealed, it is attested from the local store (the card, register entry and system card it
signs are compiled with the nearest uitlegbaar.yaml, as `uitlegbaar attest RUN` would) into
`<store>/attestations/<run id>/`: `attestation.intoto.jsonl` and the documents under the names its subjects give.
The upload sends that folder with the evidence, as artifacts `uitlegbaar/attestations/<run id>/…`, and so does
`uitlegbaar sync`. Attesting waits at most the upload's time budget; when it fails or takes too long, training
goes on and one warning says so (the run is sealed, so no gap can be added to it): `uitlegbaar attest` makes it
later.
"""

from __future__ import annotations

import os
from pathlib import Path

from uitlegbaar.integrations.mlflow.bounded import within

SIGNING_KEY_ENV = "UITLEGBAAR_SIGNING_KEY"
FOLDER = "attestations"
FILE = "attestation.intoto.jsonl"

_configured: list[Path] = []  # the key autolog was given (the environment's otherwise)


def configure(signing_key: str | os.PathLike[str] | None) -> None:
    """Sign every run sent to MLflow from now on with the key in this PEM file (None: the environment's, if any);
    `ConfigurationError` for a file that is not there (found now, not at the end of a training run)."""
    from uitlegbaar.errors import ConfigurationError

    if signing_key is not None and not Path(signing_key).is_file():
        raise ConfigurationError(f"signing_key={str(signing_key)!r} is not a file (a PEM private key)")
    _configured.clear()
    if signing_key is not None:
        _configured.append(Path(signing_key))


def signing_key() -> Path | None:
    if _configured:
        return _configured[0]
    configured = os.environ.get(SIGNING_KEY_ENV)
    return Path(configured) if configured else None


def folder(store_root: Path, run_id: str) -> Path:
    return store_root / FOLDER / run_id


def attest_sealed(store_root: Path, run_id: str, timeout: float) -> str | None:
    """Attest the sealed run into its folder when a key is configured, waiting at most `timeout` seconds; None when
    done or not asked for, else why not."""
    key = signing_key()
    if key is None:
        return None
    return within(lambda: _attest(store_root, run_id, key), timeout, "uitlegbaar-attest", "attesting")


def _attest(store_root: Path, run_id: str, key: Path) -> None:
    from uitlegbaar.attest.keys import load_signing_key
    from uitlegbaar.attest.run import attest_run, write_documents
    from uitlegbaar.files import write_atomic
    from uitlegbaar.store import LocalStore

    made = attest_run(LocalStore.open(store_root), run_id, load_signing_key(key))
    target = folder(store_root, run_id)
    write_documents(made, target)
    write_atomic(target / FILE, made.envelope)
