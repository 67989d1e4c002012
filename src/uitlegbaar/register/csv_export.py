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
