"""Check a document uitlegbaar made against the store: was it compiled from this evidence, unchanged?

Model cards (Markdown, HTML, JSON) and system cards name their run and carry the evidence digest they were
compiled from (the digest of the last record they saw; through the hash chain it commits to every record
before it). The Algoritmeregister entry has no field for either, so it is checked against the run the user
names. Either way the run's chain is verified, and the document is compiled again from exactly the records
it claims and compared with the file: any changed value in the document is found.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from uitlegbaar.errors import UitlegbaarError
from uitlegbaar.store.local import LocalStore

Kind = Literal["card-md", "card-html", "card-json", "systemcard", "register-json", "register-csv"]
KIND_NAMES: dict[Kind, str] = {
    "card-md": "model card (Markdown)",
    "card-html": "model card (HTML)",
    "card-json": "model card (JSON)",
    "systemcard": "system card (YAML)",
    "register-json": "Algoritmeregister entry (JSON)",
    "register-csv": "Algoritmeregister entry (CSV)",
}
_PROVENANCE = re.compile(r'<section id="provenance".*?</section>', re.S)
_HEX = {32: re.compile(r"<code>([0-9a-f]{32})</code>"), 64: re.compile(r'<code class="hash">([0-9a-f]{64})</code>')}


@dataclass
class DocumentReport:
    """What `check_document` found: `problems` make the check fail, `notes` do not."""

    path: str
    kind: Kind
    run_id: str | None = None
    evidence_digest: str | None = None
    records: int | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class _Claim:
    kind: Kind
    run_id: str | None
    digest: str | None
    lang: str | None
    content: Any  # parsed for JSON and YAML, text otherwise


def check_document(
    store: LocalStore,
    path: str | os.PathLike[str],
    run: str | None = None,
    *,
    declaration: str | os.PathLike[str] | None = None,
    algorithm: str | None = None,
) -> DocumentReport:
    """Check the document at `path` against `store` (`run` names the run of a register entry, which
    cannot name it itself), compiling it again with `declaration`/`algorithm` as its command would."""
    from uitlegbaar.evidence.view import Evidence
    from uitlegbaar.store.verify import verify_store

    claim = _read(Path(path))
    report = DocumentReport(str(path), claim.kind, evidence_digest=claim.digest)
    if run is None and claim.run_id is None:
        raise UitlegbaarError(
            f"{path} is an {KIND_NAMES[claim.kind]}, which names no run (the register's format has no field "
            "for it); name the run it was made from: uitlegbaar verify RUN --document FILE"
        )
    run_id = store.resolve(run) if run is not None else str(claim.run_id)
    if claim.run_id is not None and claim.run_id != run_id:
        report.problems.append(f"the document names run {claim.run_id}, not {run_id}")
        return report
    report.run_id = run_id
    verified = verify_store(store, [run_id])
    report.problems += [f"the run's evidence does not verify: {p.detail}" for p in verified.problems]
    if report.problems:
        return report
    records = store.load(run_id)
    used = _records_used(claim, records, report)
    if used is None:
        return report
    report.records = len(used)
    expected = _compile(claim, store, Evidence.of(used), declaration, algorithm)
    difference = _difference(claim, expected)
    if difference:
        report.problems.append(
            f"its content differs from what the run's evidence and the declaration give ({difference}): "
            "the document was changed, or made with another uitlegbaar.yaml (--declaration) or version"
        )
    return report


# ------------------------------------------------------------------ reading a document


def _read(path: Path) -> _Claim:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UitlegbaarError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UitlegbaarError(f"{path} is not UTF-8 text, so not a document uitlegbaar makes") from exc
    claim = _json(text) or _markdown(text) or _html(text) or _csv(text) or _yaml(text)
    if claim is None:
        raise UitlegbaarError(
            f"{path} is not a document uitlegbaar makes (a model card, system card or register entry)"
        )
    return claim


def _json(text: str) -> _Claim | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    provenance = data.get("provenance")
    if isinstance(provenance, dict) and "evidence_digest" in provenance:
        return _Claim("card-json", _str(provenance.get("run_id")), _str(provenance["evidence_digest"]), None, data)
    return _Claim("register-json", None, None, None, data) if "name" in data else None


def _markdown(text: str) -> _Claim | None:
    import yaml

    if not text.startswith("---\n") or "\n---\n" not in text[3:]:
        return None
    try:
        meta = yaml.safe_load(text[4 : text.index("\n---\n", 3)])
    except yaml.YAMLError:
        return None
    ours = meta.get("uitlegbaar") if isinstance(meta, dict) else None
    if not isinstance(ours, dict):
        return None
    return _Claim("card-md", _str(ours.get("run_id")), _str(ours.get("evidence_digest")), None, text)


def _html(text: str) -> _Claim | None:
    if not text.lstrip().lower().startswith("<!doctype html"):
        return None
    section = _PROVENANCE.search(text)
    run_id = _HEX[32].search(section.group()) if section else None
    digest = _HEX[64].search(section.group()) if section else None
    lang = re.search(r'<html lang="(\w+)"', text)
    if run_id is None or digest is None:
        return None
    return _Claim("card-html", run_id.group(1), digest.group(1), lang.group(1) if lang else None, text)


def _csv(text: str) -> _Claim | None:
    from uitlegbaar.standards import algoritmeregister as ar

    rows = list(csv.reader(io.StringIO(text)))
    if len(rows) != 2 or tuple(rows[0]) != tuple(ar.CSV_COLUMNS):
        return None
    return _Claim("register-csv", None, None, None, text)


def _yaml(text: str) -> _Claim | None:
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    labels = data.get("labels") if isinstance(data, dict) else None
    if not isinstance(labels, list):
        return None
    named = {str(x.get("name")): x.get("value") for x in labels if isinstance(x, dict)}
    if "uitlegbaar_run" not in named:
        return None
    return _Claim("systemcard", _str(named["uitlegbaar_run"]), _str(named.get("evidence_digest")), None, data)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


# ------------------------------------------------------------------ checking


def _records_used(claim: _Claim, records: list[Any], report: DocumentReport) -> list[Any] | None:
    """The records the document was compiled from: up to the one its evidence digest names."""
    if claim.kind.startswith("register"):
        return records
    digests = [r.digest for r in records]
    if claim.digest not in digests:
        report.problems.append(
            f"its evidence digest {claim.digest} is no record of run {report.run_id}: it was not compiled "
            "from this run's evidence, or the digest was changed"
        )
        return None
    last = digests.index(claim.digest)
    if last < len(records) - 1:
        report.notes.append(
            f"it was compiled while the run was open, from records #0–#{last} of {len(records)}; "
            "compile it again for the whole run"
        )
    return records[: last + 1]


def _compile(
    claim: _Claim,
    store: LocalStore,
    evidence: Any,
    declaration: str | os.PathLike[str] | None,
    algorithm: str | None,
) -> list[Any]:
    """What the document's command makes from `evidence` now (one candidate per language it may be in)."""
    from uitlegbaar.documents.card.build import changes_for, declaration_for, render
    from uitlegbaar.documents.card.compile import compile_card

    declared, path = declaration_for(evidence, declaration, algorithm)
    if claim.kind.startswith("card"):
        card = compile_card(evidence, declared, changes=changes_for(store, evidence), declaration_path=path)
        if claim.kind == "card-json":
            return [json.loads(render(card, "json"))]
        fmt: Literal["md", "html"] = "md" if claim.kind == "card-md" else "html"
        langs: tuple[Literal["en", "nl"], ...] = ("en", "nl")
        return [render(card, fmt, lang) for lang in langs if claim.lang in (None, lang)]
    card = compile_card(evidence, declared, declaration_path=path)
    if claim.kind == "systemcard":
        import yaml

        from uitlegbaar.documents.systemcard import compile_systemcard

        return [yaml.safe_load(yaml.safe_dump(compile_systemcard(card, evidence, declared), allow_unicode=True))]
    from uitlegbaar.documents.register import compile_entry, to_csv

    built = compile_entry(card, evidence, declared)
    if claim.kind == "register-json":
        return [built.payload()]
    return [to_csv([{**built.payload(), "lars": built.lars}]).decode("utf-8-sig")]


def _difference(claim: _Claim, candidates: list[Any]) -> str | None:
    """None when the document equals a candidate; else where it first differs from the first one."""
    if any(claim.content == c for c in candidates):
        return None
    expected = candidates[0]
    if isinstance(expected, dict) and isinstance(claim.content, dict):
        keys = sorted(set(expected) | set(claim.content))
        key = next(k for k in keys if expected.get(k) != claim.content.get(k))
        return f"field {key!r}"
    found, wanted = str(claim.content).splitlines(), str(expected).splitlines()
    pairs = enumerate(zip(found, wanted, strict=False))  # the shorter one may end first
    line = next((i for i, (a, b) in pairs if a != b), min(len(found), len(wanted)))
    return f"line {line + 1}"
