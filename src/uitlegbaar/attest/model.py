"""The model file's own signature, in the OpenSSF model-signing format (a Sigstore bundle holding a DSSE envelope
over the file's manifest), made with the `model-signing` library and checked with its verifier:

    model_signing verify key MODEL --signature MODEL.sig --public_key KEY.pub

model-signing signs with elliptic-curve keys only (ECDSA P-256 here); an Ed25519 key signs the attestation, and
the model is then a subject of it without a signature of its own.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

from uitlegbaar.attest.keys import SigningKey
from uitlegbaar.errors import ConfigurationError

MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json"


def sign_model(model: Path, key: SigningKey, signature: Path) -> str:
    """Sign the model file `model` with `key` into `signature`; the file's SHA-256, as the signed manifest records
    it (model-signing reads the file once, and that reading is the one the attestation uses too)."""
    if not key.elliptic:
        raise ConfigurationError(
            f"model-signing signs with ECDSA keys only, and {key.path.name} is an Ed25519 key: leave out "
            "--model-signature (the model is attested all the same) or sign with an ECDSA P-256 key"
        )
    from model_signing import signing

    from uitlegbaar.files import prepare_output

    prepare_output(signature)
    password = key.password.encode() if key.password else None  # handed on to cryptography, which takes bytes
    config = signing.Config().use_elliptic_key_signer(private_key=key.path, password=password)  # type: ignore[no-untyped-call,arg-type]
    config.sign(model, signature)
    return signed_digest(signature)


def signed_digest(signature: Path) -> str:
    """The SHA-256 of the one file a model-signing signature covers."""
    bundle = json.loads(signature.read_bytes())
    statement = json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"]))
    resources = statement["predicate"]["resources"]
    if len(resources) != 1 or resources[0]["algorithm"] != "sha256":
        raise ConfigurationError(f"{signature} does not sign exactly one file with SHA-256")
    return str(resources[0]["digest"])
