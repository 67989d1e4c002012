"""`uitlegbaar.yaml`: the declared context of an algorithm, written by people, kept beside the code.

Keys follow the Algoritmeregister's field names where the register has one (`goal`, `risks`,
`lawful_basis_grouping`, …), so a register entry is a direct mapping. One file may describe several
algorithms under `algorithms:` (each with a key, usually the model name); fields at the top level are
shared defaults. Loading validates everything and reports each problem with file, line and field.
Regeneration never writes this file.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from uitlegbaar.errors import ConfigurationError
from uitlegbaar.evidence.claims import Claims
from uitlegbaar.evidence.policy import Policy, ProxyReviews
from uitlegbaar.standards.algoritmeregister import PublicationCategory, Status, Theme

FILE_NAME = "uitlegbaar.yaml"
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Reference(_Strict):
    """A titled link (a law, an impact assessment, a data catalogue entry)."""

    title: str = Field(min_length=1)
    link: str | None = None


class Owner(_Strict):
    name: str = Field(min_length=1)
    role: str | None = None
    contact: str | None = None


class AIActProfile(_Strict):
    """Where the system stands under the EU AI Act (as the organisation has assessed it)."""

    ai_system: bool | None = Field(default=None, description="is it an AI system in the sense of Art. 3(1)?")
    risk_class: Literal["prohibited", "high-risk", "limited-risk", "minimal-risk"] | None = None
    role: Literal["provider", "deployer", "provider and deployer", "importer", "distributor"] | None = None
    annex_iii: str | None = Field(default=None, description="the Annex III area, for a high-risk system")
    assessed_on: str | None = None
    notes: str | None = None
    general_purpose: Literal["system", "model"] | None = Field(
        default=None, description="a general-purpose AI system or model (Art. 3(63), 3(66))"
    )
    open_source: bool | None = Field(default=None, description="released under a free and open-source licence")
    systemic_risk: bool | None = Field(default=None, description="a general-purpose model with systemic risk")
    transparency_obligations: bool | None = Field(default=None, description="Art. 50 applies")


class Declaration(_Strict):
    """What people declare about one algorithm. Every field is optional here: what is missing is
    reported by the documents that need it, with who must supply it."""

    # Algoritmeregister fields (standard 1.0 names)
    organization: str | None = None
    name: str | None = None
    description_short: str | None = None
    goal: str | None = None
    proportionality: str | None = None
    human_intervention: str | None = None
    risks: str | None = None
    lawful_basis: str | None = None
    lawful_basis_grouping: list[Reference] = Field(default_factory=list)
    impacttoetsen_grouping: list[Reference] = Field(default_factory=list)
    impacttoetsen: str | None = None
    process_index_url: str | None = None
    contact_email: str | None = None
    status: Status | None = None
    begin_date: str | None = None
    end_date: str | None = None
    publication_category: PublicationCategory | None = None
    category: list[Theme] = Field(default_factory=list)
    provider: str | None = None
    publiccode: str | None = None
    website: str | None = None
    url: str | None = None
    source_id: str | None = None
    tags: list[str] = Field(default_factory=list)
    source_data_grouping: list[Reference] = Field(default_factory=list)
    lars: str | None = Field(default=None, description="the id the register assigned (set after the first publication)")
    # model card fields
    intended_uses: list[str] = Field(default_factory=list)
    out_of_scope_uses: list[str] = Field(default_factory=list)
    limitations: list[str] = Field(default_factory=list)
    owners: list[Owner] = Field(default_factory=list)
    licence: str | None = None
    ai_act: AIActProfile | None = None
    claims: Claims = Field(default_factory=Claims, description="statements the evidence can confirm or refute")
    # what `uitlegbaar check` judges the outcome by (evidence/policy.py)
    policy: Policy | None = None
    proxy_reviews: ProxyReviews = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _empty_means_unset(cls, data: Any) -> Any:
        """A key left empty (`key:` or `key: ~`) is a field not yet filled in, whatever its type."""
        return {k: v for k, v in data.items() if v is not None} if isinstance(data, dict) else data

    @field_validator("begin_date", "end_date")
    @classmethod
    def _month(cls, value: str | None) -> str | None:
        if value is not None and not _MONTH.match(value):
            raise ValueError(f"must be a month as YYYY-MM, e.g. 2025-03, not {value!r}")
        return value


DECLARED_FIELDS = tuple(Declaration.model_fields)


class DeclarationFile(BaseModel):
    """A loaded `uitlegbaar.yaml`: one or more declarations by key."""

    model_config = ConfigDict(frozen=True)

    path: str
    algorithms: dict[str, Declaration]

    def select(self, key: str | None = None) -> Declaration:
        """The declaration for `key` (a model name); the only one when the file has one."""
        if key is not None and key in self.algorithms:
            return self.algorithms[key]
        if len(self.algorithms) == 1:
            return next(iter(self.algorithms.values()))
        keys = ", ".join(sorted(self.algorithms))
        raise ConfigurationError(f"{self.path} describes {keys}; name one with --algorithm")


def find(start: str | os.PathLike[str] = ".") -> Path | None:
    """`uitlegbaar.yaml` in `start` or the nearest folder above it."""
    folder = Path(start).resolve()
    for candidate in (folder, *folder.parents):
        if (candidate / FILE_NAME).is_file():
            return candidate / FILE_NAME
    return None


def load(path: str | os.PathLike[str]) -> DeclarationFile:
    """Read and validate a declaration file; every problem is reported with its line and field.
    A file is parsed once per content (compiling entries for many runs reads it many times)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"cannot read {file}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigurationError(f"{file}: not UTF-8 text (byte {exc.start} is not); save it as UTF-8") from exc
    return _parse(str(file), text)


def loads(text: str, name: str = FILE_NAME) -> DeclarationFile:
    """Validate a declaration given as text (`name` is the file it is reported as)."""
    return _parse(name, text)


@functools.lru_cache(maxsize=32)
def _parse(name: str, text: str) -> DeclarationFile:
    import yaml

    file = Path(name)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when the wheel has it
    try:
        node = yaml.compose(text, Loader=loader)
        data = yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{file}:{mark.line + 1}" if mark is not None else str(file)
        raise ConfigurationError(f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigurationError(f"{file}:1: expected a mapping of fields (key: value), not {type(data).__name__}")
    lines = _line_numbers(node)
    shared = {k: v for k, v in data.items() if k not in ("algorithms", "uitlegbaar")}
    entries = data.get("algorithms")
    raw: dict[str, tuple[dict[str, Any], tuple[Any, ...]]]
    if entries is None:
        raw = {"default": (shared, ())}
    elif isinstance(entries, dict) and entries:
        for k, v in entries.items():
            if v is not None and not isinstance(v, dict):
                line = lines.get(("algorithms", k), 1)
                raise ConfigurationError(f"{file}:{line}: algorithms.{k}: expected a mapping of fields (key: value)")
        raw = {str(k): ({**shared, **(v or {})}, ("algorithms", k)) for k, v in entries.items()}
    else:
        raise ConfigurationError(
            f"{file}:{lines.get(('algorithms',), 1)}: algorithms: expected a mapping of algorithm keys to their fields"
        )
    algorithms, problems = {}, []
    for key, (fields, prefix) in raw.items():
        try:
            algorithms[key] = Declaration.model_validate(fields)
        except ValidationError as exc:
            problems += [_problem(file, lines, prefix, error) for error in exc.errors()]
    if problems:
        raise ConfigurationError("\n".join(problems))
    return DeclarationFile(path=str(file), algorithms=algorithms)


def _problem(file: Path, lines: dict[tuple[Any, ...], int], prefix: tuple[Any, ...], error: Any) -> str:
    loc = tuple(error["loc"])
    field = ".".join(str(p) for p in loc)
    line = _line_of(lines, prefix, loc)
    message = error["msg"]
    if error["type"] == "extra_forbidden":
        message = "unknown field (see `uitlegbaar init` for the fields there are)"
    elif error["type"] == "literal_error":
        message = f"must be one of {error['ctx']['expected']}, not {error['input']!r}"
    elif message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    return f"{file}:{line}: {field}: {message}"


def _line_of(lines: dict[tuple[Any, ...], int], prefix: tuple[Any, ...], loc: tuple[Any, ...]) -> int:
    """The line of a field, looked up where it was written: under the algorithm, or shared at the top."""
    for base in ((*prefix, *loc), loc):
        for end in range(len(base), 0, -1):
            if base[:end] in lines:
                return lines[base[:end]]
    return lines.get(prefix, 1)


def _line_numbers(node: Any, path: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], int]:
    """Map each key path of a YAML document to its 1-based line."""
    import yaml

    out: dict[tuple[Any, ...], int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            here = (*path, key.value)
            out[here] = key.start_mark.line + 1
            out.update(_line_numbers(value, here))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            here = (*path, i)
            out[here] = item.start_mark.line + 1
            out.update(_line_numbers(item, here))
    return out


# ------------------------------------------------------------------ the starter file

STARTER_FIELDS: tuple[tuple[str, str], ...] = (
    ("organization", "Full name of the organisation that uses the algorithm (one per entry)"),
    ("name", "Name of the algorithm, preferably with a verb that says what it does"),
    ("description_short", "2–3 sentences at B1 level: what it does and why (at most 400 characters)"),
    ("status", "In ontwikkeling | In gebruik | Buiten gebruik"),
    ("publication_category", "Hoog-risico AI-systeem | Impactvolle algoritmes | Overige algoritmes"),
    ("contact_email", "A team address or an https:// web form; never a personal address"),
    ("begin_date", "Month taken into use, YYYY-MM"),
    ("category", "Themes, e.g. [Sociale zekerheid, Werk]"),
    ("goal", "Purpose, and how citizens and businesses meet it"),
    ("human_intervention", "How people use, check and correct its outcomes"),
    ("proportionality", "Pros and cons, alternatives considered, why its use is justified"),
    ("risks", "Risks (e.g. discrimination, explainability) and how they are managed"),
    ("lawful_basis", "The legal basis in plain language"),
    ("lawful_basis_grouping", "References: [{title: Participatiewet, link: https://wetten.overheid.nl/…}]"),
    ("impacttoetsen_grouping", "Impact assessments done: [{title: …, link: https://…}]"),
    ("process_index_url", "Link to the public part of the processing register (GDPR art. 30)"),
    ("provider", "External supplier, or Intern ontwikkeld"),
    ("intended_uses", "What the model is meant for"),
    ("out_of_scope_uses", "What it must not be used for"),
    ("limitations", "Known limitations"),
    ("owners", "[{name: Team …, role: eigenaar, contact: team@…}]"),
    ("ai_act", "{ai_system: true, risk_class: high-risk, role: deployer}"),
    (
        "claims",
        "Checked against the evidence: {not_model_inputs: [geslacht], self_learning: false, personal_data: true}",
    ),
)
