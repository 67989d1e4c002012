"""Names a reader understands: datasets by their role, functions without their module path, model inputs as
`column = category`, metrics and methods in the reader's language, numbers in the reader's notation.

Evidence keeps the names capture gave (`split_for_training.output[0]`, `__main__.train_model`,
`onehot__gemeente_Den Haag`): they identify things across runs and stay in tables and machine-readable formats.
Prose and headings use the names made here. A category of a personal-data column is never shown.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import Protocol

from uitlegbaar.documents.i18n import Language, label
from uitlegbaar.evidence.records import DatasetRecord, DatasetRef, SourceFile, TableVersion
from uitlegbaar.evidence.view import Evidence

LANGUAGES: tuple[Language, ...] = ("en", "nl")
_FEATURE_ARGUMENTS = frozenset({"x", "features", "inputs", "data"})
_LABEL_ARGUMENTS = frozenset({"y", "labels", "label", "target", "targets", "y_true"})
_OUTPUT = re.compile(r"^(?P<step>.+?)\.output(?:\[(?P<index>[^\]]*)\])?$")


class _Input(Protocol):
    """A model input as the card and the evidence hold it."""

    @property
    def name(self) -> str: ...
    @property
    def sources(self) -> list[str]: ...
    @property
    def transforms(self) -> list[str]: ...


def function_name(qualname: str) -> str:
    """A function as a reader knows it from the code: `__main__.train_model` → `train_model`,
    `tests.x.outer.<locals>.evaluate` → `evaluate` (no module path, no `<locals>`)."""
    return qualname.rsplit(".", 1)[-1].replace("<locals>", "").strip(".") or qualname


# ---------------------------------------------------------------- datasets


def dataset_titles(evidence: Evidence) -> dict[str, dict[str, str]]:
    """Every dataset's readable name by record id, in each language: what the user named it (a source dataset),
    else its role (training features, the sensitive attributes of the test set …), else the step it came from."""
    out: dict[str, dict[str, str]] = {}
    for evaluation in evidence.evaluations:
        sensitive = set(evaluation.sensitive) | set(evaluation.by_group)
        for position, ref in enumerate(evaluation.data):
            data = evidence.dataset(ref.id)
            columns = {c.name for c in data.columns} if data else set()
            role = "sensitive" if columns and columns <= sensitive else _role(ref, position)
            out.setdefault(ref.id, _split_title(role, evaluation.split, _argument(ref)))
    for model in evidence.models:
        for position, ref in enumerate(model.training_data):
            out[ref.id] = _split_title(_role(ref, position), "train", _argument(ref))
    for d in evidence.datasets:
        if d.role == "source" or d.id not in out:
            out[d.id] = _own_title(d)
    return out


def _argument(ref: DatasetRef) -> str:
    """The argument the table was passed as (recorded since the ref's `argument`; before, the end of its name)."""
    return ref.argument or ref.name.rsplit(".", 1)[-1]


def _role(ref: DatasetRef, position: int) -> str:
    argument = _argument(ref).lower()
    if argument in _FEATURE_ARGUMENTS or argument.startswith("x_"):
        return "features"
    if argument in _LABEL_ARGUMENTS or argument.startswith("y_"):
        return "labels"
    if ref.argument is None and position < 2:  # older evidence: the model's and evaluation's X, y come first
        return ("features", "labels")[position]
    return "argument"


def _split_title(role: str, split: str, argument: str) -> dict[str, str]:
    titles: dict[str, str] = {}
    for lang in LANGUAGES:
        key = "train" if split == "train" else "test" if split == "test" else "split"
        titles[lang] = label(f"data_{key}_{role}", lang).format(split=split, argument=argument)
    return titles


def _own_title(d: DatasetRecord) -> dict[str, str]:
    """A source dataset keeps its name; a step's output is named after the step (`output 2 of step split`)."""
    found = _OUTPUT.match(d.name) if d.role == "derived" else None
    if found is None:
        return {lang: function_name(d.name) if d.role == "derived" else d.name for lang in LANGUAGES}
    step, index = function_name(found["step"]), found["index"]
    if index is None:
        return {lang: label("data_output", lang).format(step=step) for lang in LANGUAGES}
    number = str(int(index) + 1) if index.isdigit() else index
    return {lang: label("data_output_n", lang).format(step=step, n=number) for lang in LANGUAGES}


def titles_by_name(evidence: Evidence) -> dict[str, dict[str, str]]:
    """`dataset_titles` keyed by the recorded name (what the card's steps and evaluations refer to)."""
    titles = dataset_titles(evidence)
    out: dict[str, dict[str, str]] = {}
    for d in evidence.datasets:
        out.setdefault(d.name, titles[d.id])
    refs = [*(r for s in evidence.steps for r in (*s.inputs, *s.outputs))]
    refs += [r for m in evidence.models for r in m.training_data] + [r for e in evidence.evaluations for r in e.data]
    for ref in refs:
        if ref.id in titles:
            out.setdefault(ref.name, titles[ref.id])
    return out


# ---------------------------------------------------------------- model inputs


def onehot_category(feature: _Input) -> str | None:
    """The category a one-hot model input stands for (`onehot__gemeente_Den Haag` → `Den Haag`), from its lineage:
    one source column and a one-hot transform; None for any other input or a name that does not say it."""
    if len(feature.sources) != 1 or not any(t.startswith("onehot(") for t in feature.transforms):
        return None
    source = feature.sources[0]
    name = feature.name.split("__", 1)[-1] if "__" in feature.name else feature.name
    prefix = f"{source}_"
    return name[len(prefix) :] if name.startswith(prefix) and len(name) > len(prefix) else None


def feature_title(feature: _Input, personal: Iterable[str] = (), lang: Language = "en") -> str:
    """A model input as prose names it: `gemeente = Den Haag` for a one-hot column, the source column for a column
    passed through (`remainder__leeftijd` → `leeftijd`). The category of a personal column is never shown."""
    category = onehot_category(feature)
    source = feature.sources[0] if len(feature.sources) == 1 else None
    if category is not None and source is not None:
        if source in set(personal):
            return label("feature_one_category", lang).format(column=source)
        if category == "infrequent_sklearn":
            return label("feature_infrequent", lang).format(column=source)
        return f"{source} = {category}"
    if source is not None and not feature.transforms:
        return source
    return feature.name


def feature_groups(features: Sequence[_Input], personal: Iterable[str] = (), lang: Language = "en") -> list[str]:
    """The inputs as prose lists them: one entry per one-hot encoded column (`gemeente (6 categories: …)`, without
    the categories of a personal column), every other input by `feature_title`."""
    personal = set(personal)
    out: list[str] = []
    grouped: dict[str, list[str]] = {}
    for f in features:
        category = onehot_category(f)
        if category is None:
            out.append(feature_title(f, personal, lang))
            continue
        source = f.sources[0]
        if source not in grouped:
            grouped[source] = []
            out.append(source)
        grouped[source].append(category)
    for i, entry in enumerate(out):
        if entry in grouped:
            values = grouped[entry]
            shown = "" if entry in personal else ": " + ", ".join(values)
            out[i] = label("feature_categories", lang).format(column=entry, n=len(values), values=shown)
    return out


# ---------------------------------------------------------------- metrics, methods, numbers


def metric_name(metric: str, lang: Language = "en") -> str:
    """A metric's name in `lang` (`accuracy` → `juistheid`); an unknown metric as it was given."""
    found = label(f"metric_{metric}", lang)
    return metric if found == f"metric_{metric}" else found


def method_name(method: str, lang: Language = "en") -> str:
    """An explanation or proxy method's name in `lang` (`permutation_importance` → `permutatiebelang`)."""
    found = label(f"method_{method}", lang)
    return method if found == f"method_{method}" else found


def number(value: float | int | None, lang: Language = "en", digits: int = 4) -> str:
    """A number for a reader: up to `digits` significant digits, whole numbers with thousands separators, in the
    notation of `lang` (Dutch: decimal comma and thousands point)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return label("yes" if value else "no", lang)
    if not math.isfinite(value):
        return label("not_computed", lang)
    if float(value).is_integer() and abs(value) < 1e15:
        text = f"{int(value):,}"
    else:
        text = f"{value:.{digits}g}"
        if "e" not in text and abs(value) >= 1000:
            text = f"{value:,.{max(0, digits - len(str(int(abs(value)))))}f}"
    if lang == "nl":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def table_version_text(version: TableVersion, lang: Language = "en") -> str:
    """The version of the table that was read, as its format names it: `Delta Lake version 3`."""
    return label(f"table_version_{version.format}", lang).format(version=version.version)


def files_text(files: Sequence[SourceFile], lang: Language = "en") -> str:
    """How many files were read and how large they are together: `12 files, 1.5 GB together`."""
    size = size_text(sum(f.size for f in files), lang)
    if len(files) == 1:
        return label("files_one", lang).format(size=size)
    return label("files_many", lang).format(count=number(len(files), lang), size=size)


def size_text(size: int, lang: Language = "en") -> str:
    """A size in bytes in the decimal units a file manager shows: `1.5 GB`, `830 kB`, `12 B`."""
    for unit, scale in (("TB", 10**12), ("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if size >= scale:
            return f"{number(size / scale, lang, 3)} {unit}"
    return f"{number(size, lang)} B"
