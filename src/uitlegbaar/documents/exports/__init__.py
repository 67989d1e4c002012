"""Exports of a run into the formats the ecosystem reads: CycloneDX, OpenLineage, SPDX, Croissant.

    export = compile_export("cyclonedx", evidence, declaration)
    Path("bom.json").write_bytes(export.render())

Each format is a pure function of the run's evidence and its declaration, so the same run gives the
same bytes. What a format asks for that nothing supplied is listed in `Export.missing`, with who
must supply it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from uitlegbaar.documents.exports.common import Missing
from uitlegbaar.documents.serialize import json_bytes
from uitlegbaar.errors import ConfigurationError
from uitlegbaar.evidence.declaration import Declaration
from uitlegbaar.evidence.view import Evidence

Format = Literal["cyclonedx", "openlineage", "spdx", "croissant"]
FORMATS: tuple[str, ...] = get_args(Format)
EXTRA = "pip install 'uitlegbaar[exports]'"


@dataclass(frozen=True)
class Export:
    """One exported document, what it lacks, and (OpenLineage) the client's event objects."""

    format: str
    document: Any
    missing: list[Missing] = field(default_factory=list)
    events: list[Any] = field(default_factory=list)

    def render(self) -> bytes:
        """The document as UTF-8 JSON (OpenLineage: one event per line, as the client's file transport writes)."""
        if self.format == "openlineage":
            from openlineage.client.serde import Serde

            return "".join(Serde.to_json(e) + "\n" for e in self.events).encode()
        return json_bytes(self.document)


def compile_export(fmt: str, evidence: Evidence, declaration: Declaration, *, dataset: str | None = None) -> Export:
    """The run's evidence and declaration in format `fmt` (`dataset` names one dataset for Croissant)."""
    if fmt not in FORMATS:
        raise ConfigurationError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if dataset is not None and fmt != "croissant":
        raise ConfigurationError("--dataset applies to --to croissant only")
    try:
        if fmt == "cyclonedx":
            from uitlegbaar.documents.exports.cyclonedx import compile_cyclonedx

            return Export(fmt, *compile_cyclonedx(evidence, declaration))
        if fmt == "spdx":
            from uitlegbaar.documents.exports.spdx import compile_spdx

            return Export(fmt, *compile_spdx(evidence, declaration))
        if fmt == "croissant":
            from uitlegbaar.documents.exports.croissant import compile_croissant

            return Export(fmt, *compile_croissant(evidence, declaration, dataset))
        from uitlegbaar.documents.exports.openlineage import compile_openlineage, to_dicts

        events = compile_openlineage(evidence, declaration)
        return Export(fmt, to_dicts(events), events=events)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] in ("cyclonedx", "openlineage", "packageurl"):
            raise ConfigurationError(f"--to {fmt} needs the package {exc.name.split('.')[0]}: {EXTRA}") from exc
        raise


__all__ = ["FORMATS", "Export", "Format", "Missing", "compile_export"]
