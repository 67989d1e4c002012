"""Shared fixtures. Keep this small and generic: several test modules use it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

import uitlegbaar
import uitlegbaar.capture.settings

os.environ.setdefault("KERAS_BACKEND", "torch")  # Keras 3 on the torch backend, set before any test imports keras


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--soak", action="store_true", default=False, help="also run the long reliability tests (marked soak)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--soak"):
        return
    skip = pytest.mark.skip(reason="long-running reliability test: run with --soak")
    for item in items:
        if "soak" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def soak(request: pytest.FixtureRequest) -> bool:
    """True when the suite runs with --soak (tests then use their full sizes)."""
    return bool(request.config.getoption("--soak"))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Path]:
    """A fresh store folder for this test (configured, not yet created); the implicit run and
    every setting are reset afterwards, so tests do not leak runs or settings into each other."""
    path = tmp_path / "store"
    uitlegbaar.capture.settings.configure(store=path)
    try:
        yield path
    finally:
        try:
            uitlegbaar.end_run()
        finally:
            uitlegbaar.capture.settings.reset()


@pytest.fixture(scope="session")
def mlflow_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real MLflow tracking server on 127.0.0.1 (the one `.ci/run` started, else one of our own)."""
    from mlflow_server import running_server

    with running_server(tmp_path_factory.mktemp("mlflow-server")) as uri:
        yield uri


@pytest.fixture(scope="session")
def mlflow_postgres_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real MLflow tracking server on a real PostgreSQL, as a team would deploy it."""
    from mlflow_server import running_postgres_server

    with running_postgres_server(tmp_path_factory.mktemp("mlflow-postgres")) as uri:
        yield uri
