"""Exceptions and warnings raised by uitlegbaar."""

from __future__ import annotations


class UitlegbaarError(Exception):
    """Base class of every error uitlegbaar raises on purpose."""


class ConfigurationError(UitlegbaarError, ValueError):
    """Bad input from the user: a decorator argument, a store path, a setting."""


class StoreError(UitlegbaarError):
    """The evidence store cannot be read or written."""


class AttestationError(UitlegbaarError):
    """An attestation that does not verify: a bad signature, a file that matches no subject, changed evidence."""


class CaptureError(UitlegbaarError):
    """Capture failed while strict mode was on (otherwise it is a warning and a gap record)."""


class UitlegbaarWarning(UserWarning):
    """Something was not captured; training went on and a gap was recorded where possible."""
