"""Where register entries come from: files and folders in the formats teams and the register use.

A `Source` reads one kind of file. JSON (an entry as `uitlegbaar register RUN` writes it, a list of
entries, the register's `site-data` dump or a search answer), CSV and Parquet in the register's export
layout are read here; `models:/<name>` refs through a function the caller passes (the MLflow store's).
Model cards (`uitlegbaar card RUN --format json`) found among the files are told apart from entries, so
one folder can hold both; so are DSSE envelopes (attestations saved as `.json`), which are not entries.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal, Protocol

from uitlegbaar.documents.register.csv_export import read_csv, row_to_entry
from uitlegbaar.errors import ConfigurationError

Kind = Literal["entry", "card", "attestation"]
CARD_KEYS = frozenset({"schema_version", "algorithm", "provenance", "intended_use"})
ENVELOPE_KEYS = frozenset({"payload", "payloadType", "signatures"})


@dataclass(frozen=True)
class Document:
    """One entry (or model card) as read, and where it was read: `file`, `file#3` (4th of a list) or
    `file:row 5` (a table's 5th data row); `file` is the file itself (None for what was not read from one)."""

    kind: Kind
    data: Any
    origin: str
    file: str | None = None


class Source(Protocol):
    """A reader of one kind of file."""

    suffixes: tuple[str, ...]

    def read(self, path: Path) -> Iterator[Document]: ...


class JsonSource:
    suffixes: tuple[str, ...] = (".json",)

    def read(self, path: Path) -> Iterator[Document]:
        return self.parse(path.read_bytes(), str(path))

    def parse(self, raw: bytes, origin: str) -> Iterator[Document]:
        """The entries (and cards) of one JSON document read from `origin`."""
        try:
            data = json.loads(raw.decode("utf-8-sig"))
        except UnicodeDecodeError as exc:
            raise ConfigurationError(f"{origin} is not UTF-8 text") from exc
        except json.JSONDecodeError as exc:
            raise ConfigurationError(f"{origin} is not valid JSON (line {exc.lineno}: {exc.msg})") from exc
        items, listed = _items(data)
        for i, item in enumerate(items):
            yield Document(_kind(item), item, f"{origin}#{i}" if listed else origin)


class CsvSource:
    suffixes: tuple[str, ...] = (".csv",)

    def read(self, path: Path) -> Iterator[Document]:
        try:
            rows = read_csv(path.read_bytes())
        except UnicodeDecodeError as exc:
            raise ConfigurationError(f"{path} is not UTF-8 text") from exc
        for i, row in enumerate(rows, start=1):
            yield Document("entry", row, f"{path}:row {i}")


class ParquetSource:
    suffixes: tuple[str, ...] = (".parquet", ".pq")

    def read(self, path: Path) -> Iterator[Document]:
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(path)
        except (OSError, pa.ArrowException) as exc:
            raise ConfigurationError(f"{path} is not a readable Parquet file: {exc}") from exc
        for i, row in enumerate(table.to_pylist(), start=1):
            yield Document("entry", row_to_entry(row), f"{path}:row {i}")


SOURCES: tuple[Source, ...] = (JsonSource(), CsvSource(), ParquetSource())


def read_documents(
    paths: Iterable[str | os.PathLike[str]],
    sources: Iterable[Source] = SOURCES,
    models: Callable[[str], bytes] | None = None,
) -> list[Document]:
    """Every entry and card in `paths`: files by their suffix, folders searched recursively (in name
    order, files of other kinds skipped). A named file no source reads is an error. `models:/<name>…` reads the
    entry attached to that model's MLflow run through `models` (ref → the entry's JSON)."""
    by_suffix = {suffix: source for source in sources for suffix in source.suffixes}
    found: list[Document] = []
    for given in paths:
        if str(given).startswith("models:/"):
            if models is None:
                raise ConfigurationError(f"{given}: reading MLflow models needs --store mlflow and a tracking server")
            found += JsonSource().parse(models(str(given)), str(given))
            continue
        path = Path(given)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in by_suffix)
        elif path.is_file():
            if path.suffix.lower() not in by_suffix:
                kinds = ", ".join(sorted(by_suffix))
                raise ConfigurationError(f"{path}: cannot read this kind of file (read are {kinds})")
            files = [path]
        else:
            raise ConfigurationError(f"{path} does not exist")
        for file in files:
            try:
                found += [replace(d, file=str(file)) for d in by_suffix[file.suffix.lower()].read(file)]
            except OSError as exc:
                raise ConfigurationError(f"cannot read {file}: {exc.strerror or exc}") from exc
    return found


def read_entries(
    paths: Iterable[str | os.PathLike[str]],
    sources: Iterable[Source] = SOURCES,
    models: Callable[[str], bytes] | None = None,
) -> list[Document]:
    """The entries in `paths` (model cards left out)."""
    return [d for d in read_documents(paths, sources, models) if d.kind == "entry"]


def _items(data: Any) -> tuple[list[Any], bool]:
    """The entries of a JSON document, and whether it listed several."""
    if isinstance(data, list):
        return data, True
    if isinstance(data, Mapping):
        if isinstance(data.get("algoritme_versions"), list):  # the register's site-data dump: Dutch only
            return [v for v in data["algoritme_versions"] if not _foreign(v)], True
        if isinstance(data.get("results"), list):  # an answer of the public search API
            return data["results"], True
    return [data], False


def _foreign(version: Any) -> bool:
    """A machine-translated copy the register made of a Dutch entry."""
    return isinstance(version, Mapping) and str(version.get("language") or "NLD").upper() != "NLD"


def _kind(item: Any) -> Kind:
    if isinstance(item, Mapping) and item.keys() >= CARD_KEYS:
        return "card"
    if isinstance(item, Mapping) and item.keys() == ENVELOPE_KEYS:
        return "attestation"
    return "entry"
