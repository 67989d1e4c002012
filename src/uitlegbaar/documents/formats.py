"""The one registry of documents: for each kind, its formats, how it is compiled and how it is rendered.

    inputs = Inputs(evidence, declaration, previous=previous_evidence)
    text = render("card", compile_document("card", inputs), "html", lang="nl")

Compiling is a pure function of `Inputs`; rendering a pure function of the compiled document. The command line,
library users and `verify --document` all go through here, so a document has one renderer. Importing this
module is cheap (the compilers load when used), so the command line can offer the formats in its options.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from uitlegbaar.errors import ConfigurationError

if TYPE_CHECKING:
    from uitlegbaar.documents.card.model import ModelCard
    from uitlegbaar.documents.i18n import Language
    from uitlegbaar.evidence.declaration import Declaration
    from uitlegbaar.evidence.view import Evidence

Kind = Literal["card", "register", "systemcard", "export", "lineage"]


@dataclass(frozen=True)
class Inputs:
    """What a document is compiled from: a run's evidence, its declaration, and the previous version's evidence
    (for what changed since; None for the first version or where a document does not show it)."""

    evidence: Evidence
    declaration: Declaration
    declaration_path: str | None = None
    previous: Evidence | None = None
    options: dict[str, Any] = field(default_factory=dict)
    """Options of one kind: `dataset` for a Croissant export."""


@dataclass(frozen=True)
class Compiled:
    """A compiled document and the notes on what it lacks (for standard error, never in the document)."""

    document: Any
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class DocumentKind:
    """One kind of document: its formats (the first is the default), its compiler and its renderer."""

    name: Kind
    formats: tuple[str, ...]
    compile: Callable[[Inputs, str], Compiled]
    render: Callable[[Compiled, str, Language], bytes]
    multilingual: bool = False


# ------------------------------------------------------------------ the kinds


def _card(inputs: Inputs) -> ModelCard:
    from uitlegbaar.documents.card.compile import compile_card
    from uitlegbaar.documents.diff import changes_since

    found = changes_since(inputs.previous, inputs.evidence)
    changes = None if found is None else found.model_dump(mode="json")
    return compile_card(inputs.evidence, inputs.declaration, changes=changes, declaration_path=inputs.declaration_path)


def _plain_card(inputs: Inputs) -> ModelCard:
    """The card without the comparison with the previous version (what register entries and system cards use)."""
    from uitlegbaar.documents.card.compile import compile_card

    return compile_card(inputs.evidence, inputs.declaration, declaration_path=inputs.declaration_path)


def _contradictions(card: ModelCard) -> tuple[str, ...]:
    """A note for each declared claim the evidence refutes (the card shows them at its top)."""
    from uitlegbaar.documents.claims import describe

    return tuple(f"contradiction: {describe(c)}" for c in card.claims if c.refuted)


def _compile_card(inputs: Inputs, fmt: str) -> Compiled:
    card = _card(inputs)
    missing = len(card.missing)
    return Compiled(card, (f"{missing} fields missing: see its last sections",) if missing else ())


def _render_card(compiled: Compiled, fmt: str, lang: Language) -> bytes:
    from uitlegbaar.documents.card.render import render_card

    return render_card(compiled.document, fmt, lang).encode()


def _compile_register(inputs: Inputs, fmt: str) -> Compiled:
    from uitlegbaar.documents.register import compile_entry

    card = _plain_card(inputs)
    built = compile_entry(card, inputs.evidence, inputs.declaration)
    return Compiled(built, (*_contradictions(card), *(str(n) for n in built.notes)))


def _render_register(compiled: Compiled, fmt: str, lang: Language) -> bytes:
    from uitlegbaar.documents.register import render_entry

    return render_entry(compiled.document, fmt)


def _compile_systemcard(inputs: Inputs, fmt: str) -> Compiled:
    from uitlegbaar.documents.systemcard import compile_systemcard, left_out

    card = _plain_card(inputs)
    notes = (*_contradictions(card), *left_out(card, inputs.declaration))
    return Compiled(compile_systemcard(card, inputs.evidence, inputs.declaration), notes)


def _render_systemcard(compiled: Compiled, fmt: str, lang: Language) -> bytes:
    from uitlegbaar.documents.systemcard import render_systemcard

    return render_systemcard(compiled.document).encode()


def _compile_export(inputs: Inputs, fmt: str) -> Compiled:
    from uitlegbaar.documents.exports import compile_export

    built = compile_export(fmt, inputs.evidence, inputs.declaration, dataset=inputs.options.get("dataset"))
    return Compiled(built, tuple(str(m) for m in built.missing))


def _render_export(compiled: Compiled, fmt: str, lang: Language) -> bytes:
    return bytes(compiled.document.render())


def _compile_lineage(inputs: Inputs, fmt: str) -> Compiled:
    from uitlegbaar.documents.lineage import lineage_graph

    return Compiled(lineage_graph(inputs.evidence))


def _render_lineage(compiled: Compiled, fmt: str, lang: Language) -> bytes:
    from uitlegbaar.documents import lineage

    renderers = {"text": lineage.to_text, "mermaid": lineage.to_mermaid, "dot": lineage.to_dot, "html": lineage.to_html}
    return renderers[fmt](compiled.document).encode()


KINDS: dict[str, DocumentKind] = {
    k.name: k
    for k in (
        DocumentKind("card", ("md", "html", "json"), _compile_card, _render_card, multilingual=True),
        DocumentKind("register", ("json", "csv"), _compile_register, _render_register),
        DocumentKind("systemcard", ("yaml",), _compile_systemcard, _render_systemcard),
        DocumentKind("export", ("cyclonedx", "openlineage", "spdx", "croissant"), _compile_export, _render_export),
        DocumentKind("lineage", ("text", "mermaid", "dot", "html"), _compile_lineage, _render_lineage),
    )
}
LANGUAGES: tuple[Language, ...] = ("en", "nl")


def kind(name: str) -> DocumentKind:
    """The document kind `name`; `ConfigurationError` for an unknown one."""
    found = KINDS.get(name)
    if found is None:
        raise ConfigurationError(f"unknown document {name!r}; known: {', '.join(KINDS)}")
    return found


def _format(document: DocumentKind, fmt: str | None) -> str:
    chosen = fmt or document.formats[0]
    if chosen not in document.formats:
        raise ConfigurationError(
            f"{document.name} has no format {chosen!r}; choose one of {', '.join(document.formats)}"
        )
    return chosen


def compile_document(name: str, inputs: Inputs, fmt: str | None = None) -> Compiled:
    """Compile the document `name` (in format `fmt`, for kinds whose content depends on it: exports), from the
    evidence as documents may show it (`withheld.py`: no category of a personal column in an input's name)."""
    from uitlegbaar.documents.withheld import withhold

    document = kind(name)
    shown = replace(
        inputs,
        evidence=withhold(inputs.evidence),
        previous=None if inputs.previous is None else withhold(inputs.previous),
    )
    return document.compile(shown, _format(document, fmt))


def render(name: str, compiled: Compiled, fmt: str | None = None, lang: Language = "en") -> bytes:
    """A compiled document as the bytes of a file in format `fmt`."""
    document = kind(name)
    return document.render(compiled, _format(document, fmt), lang)


def make(name: str, inputs: Inputs, fmt: str | None = None, lang: Language = "en") -> tuple[bytes, Compiled]:
    """Compile and render in one step: the file's bytes and the compiled document (for its notes)."""
    compiled = compile_document(name, inputs, fmt)
    return render(name, compiled, fmt, lang), compiled
