"""The keys a team holds: a private key that signs (PEM, Ed25519 or ECDSA P-256) and the public keys a register
maintainer trusts (a folder of PEM files, one per team, named after it).

A key's id is securesystemslib's default key id (the SHA-256 of the public key's canonical form), the one a
DSSE signature names. The private key is read into memory and never written anywhere, nor named in a message.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from uitlegbaar.errors import ConfigurationError

if TYPE_CHECKING:
    from securesystemslib.signer import CryptoSigner, SSlibKey

PASSWORD_ENV = "UITLEGBAAR_SIGNING_KEY_PASSWORD"
SUPPORTED = "an Ed25519 or ECDSA P-256 key"
KEY_SUFFIXES = (".pem", ".pub")


@dataclass(frozen=True)
class SigningKey:
    """A private key loaded to sign with: its DSSE signer, its file, and whether it is an elliptic-curve key
    (which model-signing can use too)."""

    path: Path
    signer: CryptoSigner
    password: str | None
    elliptic: bool

    @property
    def key_id(self) -> str:
        return str(self.signer.public_key.keyid)


@dataclass(frozen=True)
class PublicKey:
    """A public key that verifies signatures, named after its file (`team-toeslagen.pub` → `team-toeslagen`)."""

    name: str
    key: SSlibKey

    @property
    def key_id(self) -> str:
        return str(self.key.keyid)

    def describe(self) -> str:
        return f"{self.name} (key id {self.key_id[:16]})"


def load_signing_key(path: str | os.PathLike[str], password: str | None = None) -> SigningKey:
    """The private key in the PEM file `path` (encrypted ones with `password`, else `UITLEGBAAR_SIGNING_KEY_PASSWORD`);
    `ConfigurationError` for a file that holds no supported private key."""
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    from securesystemslib.signer import CryptoSigner

    file = Path(path)
    secret = password if password is not None else os.environ.get(PASSWORD_ENV)
    raw = _read(file, "signing key")
    try:
        private = load_pem_private_key(raw, secret.encode() if secret else None)
    except TypeError as exc:  # a password for an unencrypted key, or none for an encrypted one
        raise ConfigurationError(f"{file}: {exc} (the password comes from {PASSWORD_ENV})") from exc
    except ValueError as exc:
        raise ConfigurationError(
            f"{file} is not a readable PEM private key (or its password, from {PASSWORD_ENV}, is wrong)"
        ) from exc
    public = private.public_key()
    _check_supported(public, file)
    return SigningKey(file, CryptoSigner(private), secret, isinstance(private, ec.EllipticCurvePrivateKey))


def load_public_key(path: str | os.PathLike[str], name: str | None = None) -> PublicKey:
    """The public key in the PEM file `path` (SubjectPublicKeyInfo, as `openssl pkey -pubout` writes it)."""
    from cryptography.hazmat.primitives.serialization import load_pem_public_key
    from securesystemslib.signer import SSlibKey

    file = Path(path)
    raw = _read(file, "public key")
    if b"PRIVATE KEY-----" in raw:
        raise ConfigurationError(
            f"{file} holds a private key; give its public key instead (openssl pkey -in KEY -pubout -out KEY.pub)"
        )
    try:
        public = load_pem_public_key(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{file} is not a readable PEM public key") from exc
    _check_supported(public, file)
    named = file.stem if file.suffix.lower() in KEY_SUFFIXES else file.name
    return PublicKey(name or named, SSlibKey.from_crypto(public))


def trusted_keys(folder: str | os.PathLike[str]) -> list[PublicKey]:
    """Every public key in `folder` (`*.pem`, `*.pub`, not searched further down), named after its file."""
    root = Path(folder)
    if not root.is_dir():
        raise ConfigurationError(f"{root} is not a folder of trusted public keys")
    keys = [load_public_key(p) for p in sorted(root.iterdir()) if p.is_file() and p.suffix.lower() in KEY_SUFFIXES]
    if not keys:
        raise ConfigurationError(f"{root} holds no public key (*.pem or *.pub files)")
    clashing = {k.key_id for k in keys if sum(other.key_id == k.key_id for other in keys) > 1}
    if clashing:
        raise ConfigurationError(f"{root} holds the same key under two names (key id {sorted(clashing)[0][:16]})")
    return keys


def _read(file: Path, what: str) -> bytes:
    try:
        return file.read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"cannot read the {what} {file}: {exc.strerror or exc}") from exc


def _check_supported(public: Any, file: Path) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519

    if isinstance(public, ed25519.Ed25519PublicKey):
        return
    if isinstance(public, ec.EllipticCurvePublicKey) and isinstance(public.curve, ec.SECP256R1):
        return
    raise ConfigurationError(f"{file} is not {SUPPORTED} (generate one: openssl genpkey -algorithm ed25519)")
