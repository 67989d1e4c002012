"""What the card's renderers say about a value in the reader's language: datasets and inputs by the names the card
gives them, functions without their module path, metrics, methods, types, sources, notes and the AI Act profile."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from uitlegbaar.documents.card.model import Missing, ModelCard
from uitlegbaar.documents.i18n import LABELS, Language, label
from uitlegbaar.documents.names import (
    files_text,
    function_name,
    method_name,
    metric_name,
    number,
    onehot_category,
    table_version_text,
)

_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+")
_PREFIXES = (
    ("column ", "diff_column"),
    ("feature ", "diff_feature"),
    ("hyperparameter ", "diff_hyperparameter"),
    ("param ", "diff_param"),
    ("type of ", "diff_type_of"),
)
_SHAP_SCORING = re.compile(r"^mean \|SHAP value\| \((?P<how>\w+) explainer\)$")
_GAPS = (
    (re.compile(r"^(?P<kind>dataset|step|train|evaluate|explain) (?P<name>\S+)$"), "gap_call"),
    (re.compile(r"^explanation of (?P<name>.+)$"), "gap_explanation"),
    (re.compile(r"^subgroup metrics of (?P<name>.+)$"), "gap_subgroups_of"),
    (re.compile(r"^subgroup metrics$"), "gap_subgroups"),
    (re.compile(r"^feature lineage of (?P<name>.+)$"), "gap_feature_lineage"),
    (re.compile(r"^the artifact hash of model (?P<name>.+)$"), "gap_artifact"),
    (re.compile(r"^the derivation of column (?P<name>.+)$"), "gap_derivation"),
    (
        re.compile(r"^the personal-data screening of dataset (?P<name>.+) \(its columns are withheld\)$"),
        "gap_screening",
    ),
)
_QUALNAME = re.compile(r"(?:[\w<>]+\.)*(?:<locals>|__main__)\.(?:[\w<>]+\.)*\w+")
_STORAGE = re.compile(r"^([a-z0-9+.-]+) storage: (.*)$")
_NOTES = (
    (re.compile(r"^SHAP not computed: the shap package is not installed"), "note_shap_missing"),
    (re.compile(r"^SHAP not computed: (?P<reason>.+)$"), "note_shap_failed"),
    (re.compile(r"^permutation importance needs the true outcomes"), "note_needs_y"),
)
AI_ACT_KEYS = {"role": "ai_role", "general_purpose": "general_purpose"}


def metric(name: str, lang: Language) -> str:
    """A metric's name in `lang`; `<metric>_ratio` and `<metric>_difference` as such of the metric's name."""
    if f"metric_{name}" in LABELS:
        return metric_name(name, lang)
    for suffix in ("ratio", "difference"):
        base = name.removesuffix(f"_{suffix}")
        if base != name and f"metric_{base}" in LABELS:
            return label(f"metric_{suffix}", lang).format(metric=metric_name(base, lang))
    return metric_name(name, lang)


@dataclass(frozen=True)
class Words:
    """The card's words in one language (templates call these)."""

    card: ModelCard
    lang: Language

    def dataset(self, name: str) -> str:
        """A dataset by the name the card gives it (its role, unless the user named it)."""
        return self.card.dataset_titles.get(name, {}).get(self.lang) or function_name(name)

    def datasets(self, names: list[str]) -> str:
        return ", ".join(self.dataset(n) for n in names)

    def subject(self, kind: str, text: str) -> str:
        """What a line of the changes is about: a dataset, a step, an explanation method (else as it is)."""
        if kind == "dataset":
            return self.dataset(text)
        if kind == "step":
            return self.function(text)
        if kind == "explanation":
            return self.method(text)
        return text

    def change(self, kind: str, line: Any) -> list[str]:
        """One line of the changes since the previous version as table cells, in the reader's words."""
        return [
            self.subject(kind, line.subject),
            self.raw_feature(line.what) if kind == "explanation" else self._what(kind, line.what),
            self._values(line.old),
            self._values(line.new),
            self._values(line.delta),
        ]

    def _what(self, kind: str, what: str) -> str:
        if what == "source sha256":
            return label("diff_source_code", self.lang)
        for prefix, key in _PREFIXES:
            if what.startswith(prefix):
                name = what[len(prefix) :]
                return label(key, self.lang).format(name=self.raw_feature(name) if prefix == "feature " else name)
        if kind == "evaluation":
            subject, _, metric = what.rpartition(" ")
            attribute, equals, group = subject.partition("=")
            if equals:
                return label("diff_group", self.lang).format(
                    attribute=attribute, group=group, metric=self.metric(metric)
                )
            return self.metric(what)
        if kind == "dataset":
            column, dot, stat = what.rpartition(".")
            if dot and f"stat_{stat}" in LABELS:
                return label("diff_profile", self.lang).format(column=column, stat=label(f"stat_{stat}", self.lang))
        return what

    def _values(self, text: str) -> str:
        """Numbers in the reader's notation, and the fixed words of a change."""
        if text == "present":
            return label("diff_present", self.lang)
        if self.lang != "nl":
            return text
        return _NUMBER.sub(lambda m: m[0].replace(",", "\0").replace(".", ",").replace("\0", "."), text)

    def feature(self, name: str) -> str:
        """A model input as prose names it (`gemeente = Den Haag`)."""
        return self.card.feature_titles.get(name, {}).get(self.lang) or name

    def raw_feature(self, name: str) -> str:
        """A model input as tables name it: its recorded name, unless that holds a category of a personal column
        (`onehot__wijk_1234AB`), which is never shown."""
        found = next((f for f in self.card.features if f.name == name), None)
        if found is not None and onehot_category(found) is not None and found.personal:
            return self.feature(name)
        return name

    def function(self, qualname: str) -> str:
        return function_name(qualname)

    def metric(self, name: str) -> str:
        return metric(name, self.lang)

    def method(self, name: str) -> str:
        return method_name(name, self.lang)

    def number(self, value: Any, digits: int = 4) -> str:
        return number(value, self.lang, digits) if isinstance(value, (int, float)) else str(value)

    def table_version(self, version: Any) -> str:
        return table_version_text(version, self.lang)

    def files(self, files: Any) -> str:
        return files_text(files, self.lang)

    def type(self, name: str | None) -> str:
        found = label(f"type_{name}", self.lang) if name else ""
        return name or "" if found == f"type_{name}" else found

    def source(self, text: str | None) -> str | None:
        """A public source (see `documents.paths.public_source`) in the reader's language."""
        if text is None:
            return None
        if text == "local file":
            return label("local_file_unnamed", self.lang)
        if text.startswith("local file "):
            return label("local_file", self.lang).format(name=text[len("local file ") :])
        storage = _STORAGE.match(text)
        if storage:
            return label("storage", self.lang).format(scheme=storage[1], name=storage[2])
        return text

    def scoring(self, text: str | None) -> str | None:
        """How an explanation was scored, in the reader's language where the catalogue has it."""
        found = _SHAP_SCORING.match(text) if text else None
        return label("scoring_shap", self.lang).format(how=found["how"]) if found else text

    def note(self, text: str | None) -> str | None:
        """A note capture wrote (in English) in the reader's language, when the catalogue has it."""
        if text is None:
            return None
        parts = []
        for part in text.split("; "):
            for pattern, key in _NOTES:
                found = pattern.match(part)
                if found:
                    part = label(key, self.lang).format(**found.groupdict())
                    break
            parts.append(part)
        return "; ".join(parts)

    def gap(self, text: str) -> str:
        """What capture could not record, in the reader's language where the catalogue has it; a qualified
        function name (`outer.<locals>.evaluate`, `__main__.train_model`) as the function's own name."""
        for pattern, key in _GAPS:
            found = pattern.match(text)
            if found:
                values = found.groupdict()
                if "name" in values:
                    values["name"] = function_name(values["name"]) if "." in values["name"] else values["name"]
                if "kind" in values:
                    values["kind"] = label(f"gap_kind_{values['kind']}", self.lang)
                return label(key, self.lang).format(**values)
        return _QUALNAME.sub(lambda m: function_name(m[0]), text)

    def how(self, item: Missing) -> str:
        """How a missing field is supplied."""
        key = f"how_{item.field}"
        return label(key, self.lang) if key in LABELS else item.how

    def ai_act(self) -> list[tuple[str, str]]:
        """The AI Act profile as (label, value) pairs, values in the reader's language."""
        profile = self.card.considerations.ai_act
        if profile is None:
            return []
        out = []
        for key, value in profile.model_dump().items():
            if value is None:
                continue
            if isinstance(value, bool):
                shown = label("yes" if value else "no", self.lang)
            elif key == "risk_class":
                shown = label(f"risk_{value}", self.lang)
            elif key == "role":
                shown = label(f"role_{value}", self.lang)
            elif key == "general_purpose":
                shown = label(f"gp_{value}", self.lang)
            else:
                shown = str(value)
            out.append((label(AI_ACT_KEYS.get(key, key), self.lang), shown))
        return out
