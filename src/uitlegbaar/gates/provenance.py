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
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from uitlegbaar.documents.formats import Inputs
from uitlegbaar.documents.i18n import Language
from uitlegbaar.errors import UitlegbaarError
from uitlegbaar.evidence.records import Record
from uitlegbaar.evidence.view import Evidence

ClaimKind = Literal["card-md", "card-html", "card-json", "systemcard", "register-json", "register-csv"]
_KIND_FORMATS: dict[ClaimKind, tuple[str, str]] = {
    "card-md": ("card", "md"),
    "card-html": ("card", "html"),
    "card-json": ("card", "json"),
    "systemcard": ("systemcard", "yaml"),
    "register-json": ("register", "json"),
    "register-csv": ("register", "csv"),
}
KIND_NAMES: dict[ClaimKind, str] = {
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
    kind: ClaimKind
    run_id: str | None = None
    evidence_digest: str | None = None
    records: int | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Claim:
    """What a document says of itself: its kind, the run and evidence digest it names, its language."""

    kind: ClaimKind
    run_id: str | None
    digest: str | None
    lang: str | None
    content: Any  # parsed for JSON and YAML, text otherwise


def check_claim(
    claim: Claim,
    path: str,
    run_id: str,
    chain_problems: Sequence[str],
    records: Callable[[], list[Record]],
    inputs_for: Callable[[Evidence, bool], Inputs],
) -> DocumentReport:
    """Check what a document claims against its run. `chain_problems` are what verifying the run's hash chain
    found (one sentence each), `records()` gives the run's records, and `inputs_for(evidence, history)` what a
    document of that evidence is compiled from: the loader supplies them, this layer reads no store."""
    report = DocumentReport(path, claim.kind, evidence_digest=claim.digest)
    if claim.run_id is not None and claim.run_id != run_id:
        report.problems.append(f"the document names run {claim.run_id}, not {run_id}")
        return report
    report.run_id = run_id
    report.problems += [f"the run's evidence does not verify: {p}" for p in chain_problems]
    if report.problems:
        return report
    loaded = records()
    used = _records_used(claim, loaded, report)
    if used is None:
        return report
    report.records = len(used)
    evidence = Evidence.of(used)
    expected = _expected(claim, inputs_for(evidence, claim.kind.startswith("card")))
    difference = _difference(claim, expected)
    if difference:
        report.problems.append(
            f"its content differs from what the run's evidence and the declaration give ({difference}): "
            "the document was changed, or made with another uitlegbaar.yaml (--declaration) or version"
        )
    return report


# ------------------------------------------------------------------ reading a document


def read_claim(path: Path) -> Claim:
    """What the document at `path` is and which run and evidence it says it was compiled from."""
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


def _json(text: str) -> Claim | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    provenance = data.get("provenance")
    if isinstance(provenance, dict) and "evidence_digest" in provenance:
        return Claim("card-json", _str(provenance.get("run_id")), _str(provenance["evidence_digest"]), None, data)
    return Claim("register-json", None, None, None, data) if "name" in data else None


def _markdown(text: str) -> Claim | None:
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
    return Claim("card-md", _str(ours.get("run_id")), _str(ours.get("evidence_digest")), None, text)


def _html(text: str) -> Claim | None:
    if not text.lstrip().lower().startswith("<!doctype html"):
        return None
    section = _PROVENANCE.search(text)
    run_id = _HEX[32].search(section.group()) if section else None
    digest = _HEX[64].search(section.group()) if section else None
    lang = re.search(r'<html lang="(\w+)"', text)
    if run_id is None or digest is None:
        return None
    return Claim("card-html", run_id.group(1), digest.group(1), lang.group(1) if lang else None, text)


def _csv(text: str) -> Claim | None:
    from uitlegbaar.standards import algoritmeregister as ar

    rows = list(csv.reader(io.StringIO(text)))
    if len(rows) != 2 or tuple(rows[0]) != tuple(ar.CSV_COLUMNS):
        return None
    return Claim("register-csv", None, None, None, text)


def _yaml(text: str) -> Claim | None:
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
    return Claim("systemcard", _str(named["uitlegbaar_run"]), _str(named.get("evidence_digest")), None, data)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


# ------------------------------------------------------------------ checking


def _records_used(claim: Claim, records: list[Any], report: DocumentReport) -> list[Any] | None:
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


def _expected(claim: Claim, inputs: Inputs) -> list[Any]:
    """What the document's command makes from `inputs` now, parsed as the claim is (one candidate per language
    the document may be in)."""
    from uitlegbaar.documents.formats import make

    name, fmt = _KIND_FORMATS[claim.kind]
    langs: tuple[Language, ...] = ("en", "nl") if claim.kind in ("card-md", "card-html") else ("en",)
    return [_parsed(claim.kind, make(name, inputs, fmt, lang)[0]) for lang in langs if claim.lang in (None, lang)]


def _parsed(kind: ClaimKind, rendered: bytes) -> Any:
    text = rendered.decode("utf-8-sig")
    if kind in ("card-json", "register-json"):
        return json.loads(text)
    if kind == "systemcard":
        import yaml

        return yaml.safe_load(text)
    return text


def _difference(claim: Claim, candidates: list[Any]) -> str | None:
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
