"""Parameters as evidence: plain values kept, secrets redacted, everything else summarised by type."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping
from typing import Any

REDACTED = "[redacted]"
SECRET_WORDS = frozenset(
    {
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "wachtwoord",
        "secret",
        "geheim",
        "token",
        "apikey",
        "key",
        "sleutel",
        "credential",
        "credentials",
        "auth",
        "authorization",
        "bearer",
        "cookie",
    }
)
_MAX_TEXT = 500
_URL_CREDENTIALS = re.compile(r"(://)[^/@\s]+@")


@functools.lru_cache(maxsize=4096)
def is_secret_key(name: str) -> bool:
    """True for parameter names with a word that means a secret: `db_password`, `accessToken`,
    `api_key`, `wachtwoord`, … (whole words, so `max_tokens` or `author` are kept)."""
    words = re.split(r"[^a-z0-9]+", re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower())
    return any(word in SECRET_WORDS for word in words)


def safe_params(params: Mapping[str, Any]) -> dict[str, str | int | float | bool | None]:
    """JSON scalars for the record: secrets redacted, long text cut, other objects named by type."""
    out: dict[str, str | int | float | bool | None] = {}
    for name, value in params.items():
        if is_secret_key(name):
            out[name] = REDACTED
        else:
            out[name] = scalar(value)
    return out


def scalar(value: Any) -> str | int | float | bool | None:
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, os.PathLike):
        value = str(os.fspath(value))
    if isinstance(value, str):
        text = _URL_CREDENTIALS.sub(r"\1[redacted]@", value)
        return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 1] + "…"
    cls = type(value)
    return f"<{cls.__module__}.{cls.__qualname__}>"
