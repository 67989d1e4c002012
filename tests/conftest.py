"""Shared fixtures. Keep this small and generic: several test modules use it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import uitlegbaar
import uitlegbaar.config


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Path]:
    """A fresh store folder for this test (configured, not yet created); the implicit run and
    every setting are reset afterwards, so tests do not leak runs or settings into each other."""
    path = tmp_path / "store"
    uitlegbaar.config.configure(store=path)
    try:
        yield path
    finally:
        try:
            uitlegbaar.end_run()
        finally:
            uitlegbaar.config.reset()
