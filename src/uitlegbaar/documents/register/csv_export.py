"""Entries as the register's own CSV export writes them (standard 1.0 columns).

UTF-8 with a byte-order mark, comma-separated, every cell quoted; HTML tags removed, entities unescaped
and newlines turned into spaces; lists as "a, b"; groupings as "1: <title>, <link>. 2: <title>".
`lars` (the register's id), when an entry has it, fills the `algorithm_id` column.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterable, Mapping
from typing import Any

from uitlegbaar.standards import algoritmeregister as ar

_TAG = re.compile(r"<[^<>]*>")
_NEWLINE = re.compile(r"\r\n|\r|\n")


def to_csv(entries: Iterable[Mapping[str, Any]]) -> bytes:
    """The CSV file (bytes, with BOM) of `entries`: a header and one row per entry."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(ar.CSV_COLUMNS)
    for entry in entries:
        writer.writerow([cell(entry.get("lars" if column == "algorithm_id" else column)) for column in ar.CSV_COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")


def cell(value: Any) -> str:
    """One value as the register's export writes it."""
    text = _stringify(value)
    return _NEWLINE.sub(" ", html.unescape(_TAG.sub("", text)))


def _stringify(value: Any) -> str:
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, list):
        if all(isinstance(v, Mapping) for v in value):
            return ". ".join(
                f"{n}: {', '.join(str(v) for v in item.values() if v)}" for n, item in enumerate(value, start=1)
            )
        return ", ".join(str(v) for v in value)
    return str(value)


# ------------------------------------------------------------------ reading an export back

_LEGACY_VERSIONS = {"1.0.0": ar.STANDARD_VERSION}  # the register renamed the version value in Oct 2024
_LINK = re.compile(r"^(https?://|www\.)\S*$", re.IGNORECASE)


def read_csv(data: bytes | str) -> list[dict[str, Any]]:
    """The entries of a CSV file in the register's export layout (the inverse of `to_csv`, as far as the
    export keeps things): `algorithm_id` becomes `lars`, lists and groupings become lists again, empty
    cells are left out and columns that are not fields of standard 1.0 are dropped. The export has
    removed HTML, so rich text comes back as plain text (escaped, so that a `<` in it is no tag)."""
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data.removeprefix("\ufeff")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    return [row_to_entry(row) for row in reader]


def row_to_entry(row: Mapping[str, Any]) -> dict[str, Any]:
    """One exported row as an entry (see `read_csv`). Cells that are already lists (a Parquet file with
    list columns) are kept as they are."""
    entry: dict[str, Any] = {}
    for column, raw in row.items():
        name = "lars" if column == "algorithm_id" else str(column)
        if name not in ar.FIELDS or raw is None or raw == [] or raw == "":
            continue
        if not isinstance(raw, str):
            entry[name] = raw
            continue
        value = raw.strip()
        if not value:
            continue
        if name in ar.LIST_ENUMS:
            entry[name] = [v.strip() for v in value.split(",") if v.strip()]
        elif name in ar.GROUPING_REQUIRED:
            entry[name] = parse_grouping(value)
        elif name in ar.RICH_TEXT:
            entry[name] = html.escape(value, quote=False)  # the export's plain text, as rich text again
        else:
            entry[name] = _LEGACY_VERSIONS.get(value, value) if name == "standard_version" else value
    return entry


def parse_grouping(value: str) -> list[dict[str, str]]:
    """`"1: <title>, <link>. 2: <title>"` as [{title, link}, {title}]: the link is the last comma-separated
    part when it looks like a web address."""
    items, number, start = [], 1, len("1: ") if value.startswith("1: ") else 0
    if not start:
        return [_titled(value)]
    while True:
        marker = f". {number + 1}: "
        end = value.find(marker, start)
        items.append(_titled(value[start : end if end >= 0 else len(value)]))
        if end < 0:
            return items
        number, start = number + 1, end + len(marker)


def _titled(text: str) -> dict[str, str]:
    title, sep, link = text.rpartition(", ")
    if sep and _LINK.match(link.strip()):
        return {"title": title.strip(), "link": link.strip()}
    return {"title": text.strip()}
