"""Feature lineage for fitted scikit-learn models: which input columns each model feature came from.

The fitted structure is walked step by step (`Pipeline.steps`, `ColumnTransformer.transformers_` and
`output_indices_`, `OneHotEncoder.categories_`, `PolynomialFeatures.powers_`, `get_support()`, …), so
output names are mapped back to their sources without parsing strings; only transformers that expose
nothing but `get_feature_names_out` fall back to the `prefix__name` naming convention.

scikit-learn itself is never imported here: estimators are recognised by their fitted attributes, so
importing this module (or `uitlegbaar`) stays cheap.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict

__all__ = ["Feature", "dropped_columns", "feature_lineage", "passthrough_columns"]

_SHORT_NAMES = {"OneHotEncoder": "onehot"}
_BINARY = "binary"
_NUMERIC = "numeric"


class Feature(BaseModel):
    """One feature as the final estimator sees it, with the input columns and transforms behind it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    type: str | None = None
    sources: list[str]
    transforms: list[str]
    personal: bool = False
    sensitive: bool = False


@dataclass(frozen=True)
class _Node:
    """A column somewhere inside the model: its current name and how it was derived."""

    name: str
    sources: tuple[str, ...]
    transforms: tuple[str, ...] = ()
    kind: str | None = None  # "binary" or "numeric" once transformed; None means "as the source"


# ---------------------------------------------------------------- public API


def feature_lineage(
    model: Any, X: Any = None, personal: Iterable[str] = (), sensitive: Iterable[str] = ()
) -> list[Feature]:
    """The features a fitted model's final estimator receives, traced back to the input columns.

    `X` (a pandas DataFrame) supplies column names and dtypes; without it the names come from
    `feature_names_in_` and types are None (one-hot outputs are always "binary").
    """
    dtypes = _dtypes(X)
    personal_set, sensitive_set = set(personal), set(sensitive)
    nodes = _walk(model, _input_nodes(model, X))
    return [_to_feature(node, dtypes, personal_set, sensitive_set) for node in nodes]


def dropped_columns(model: Any, X: Any = None) -> list[str]:
    """Input columns that reach no feature of the final estimator, in input order."""
    used = {source for node in _walk(model, _input_nodes(model, X)) for source in node.sources}
    return [node.name for node in _input_nodes(model, X) if node.name not in used]


def passthrough_columns(model: Any) -> list[str]:
    """Input columns that reach the final estimator untransformed, in output order."""
    nodes = _walk(model, _input_nodes(model, None))
    return [node.sources[0] for node in nodes if not node.transforms and len(node.sources) == 1]


# ---------------------------------------------------------------- inputs and outputs


def _input_names(model: Any, X: Any) -> list[str]:
    columns = getattr(X, "columns", None)
    if columns is not None:
        return [str(c) for c in columns]
    names = getattr(model, "feature_names_in_", None)
    if names is None:
        names = getattr(_first_step(model), "feature_names_in_", None)
    if names is not None:
        return [str(n) for n in names]
    n_features = getattr(model, "n_features_in_", None)
    if n_features is None:
        raise ValueError("cannot tell the input columns: pass X or fit the model on a DataFrame")
    return [f"x{i}" for i in range(int(n_features))]


def _first_step(model: Any) -> Any:
    steps = getattr(model, "steps", None)
    return steps[0][1] if steps else None


def _input_nodes(model: Any, X: Any) -> list[_Node]:
    return [_Node(name, (name,)) for name in _input_names(model, X)]


def _dtypes(X: Any) -> dict[str, str]:
    dtypes = getattr(X, "dtypes", None)
    if dtypes is None:
        return {}
    return {str(name): _dtype_kind(dtype) for name, dtype in dtypes.items()}


def _dtype_kind(dtype: Any) -> str:
    kind = getattr(dtype, "kind", "O")
    if str(dtype) == "category":
        return "category"
    if kind == "b" or str(dtype) == "boolean":
        return "bool"
    if kind in "iufc":
        return _NUMERIC
    return "string"


def _to_feature(node: _Node, dtypes: dict[str, str], personal: set[str], sensitive: set[str]) -> Feature:
    return Feature(
        name=node.name,
        type=_type_of(node, dtypes),
        sources=list(node.sources),
        transforms=list(node.transforms),
        personal=any(s in personal for s in node.sources),
        sensitive=any(s in sensitive for s in node.sources),
    )


def _type_of(node: _Node, dtypes: dict[str, str]) -> str | None:
    if node.kind == _BINARY:
        return _BINARY
    if not dtypes:
        return None
    if node.kind is not None or len(node.sources) != 1:
        return _NUMERIC
    return dtypes.get(node.sources[0])


# ---------------------------------------------------------------- walking the structure


def _walk(est: Any, inputs: list[_Node]) -> list[_Node]:
    """The nodes coming out of `est` given the nodes going in (final estimators pass through)."""
    if est is None or (isinstance(est, str) and est == "passthrough"):
        return inputs
    if isinstance(est, str) and est == "drop":
        return []
    if hasattr(est, "steps"):
        return _walk_pipeline(est, inputs)
    if hasattr(est, "transformers_"):
        return _walk_column_transformer(est, inputs)
    if hasattr(est, "predict") or not hasattr(est, "transform"):
        return inputs  # a final estimator sees the features as they are
    return _walk_leaf(est, inputs)


def _walk_pipeline(pipe: Any, inputs: list[_Node]) -> list[_Node]:
    nodes = inputs
    for _, step in pipe.steps:
        nodes = _walk(step, nodes)
    return nodes


def _walk_column_transformer(ct: Any, inputs: list[_Node]) -> list[_Node]:
    names = [str(n) for n in ct.get_feature_names_out([n.name for n in inputs])]
    out: list[_Node | None] = [None] * len(names)
    for name, trans, columns in ct.transformers_:
        selected = [inputs[i] for i in _column_indices(columns, [n.name for n in inputs])]
        produced = [] if not selected else _walk(trans, selected)
        span = ct.output_indices_.get(name, slice(0, 0))
        for position, node in zip(range(len(names))[span], produced, strict=True):
            out[position] = _Node(names[position], node.sources, node.transforms, node.kind)
    return [node for node in out if node is not None]


def _column_indices(columns: Any, names: Sequence[str]) -> list[int]:
    """Indices into `names` for a fitted ColumnTransformer column spec (callables are already resolved)."""
    if isinstance(columns, slice):
        if isinstance(columns.start, str) or isinstance(columns.stop, str):
            start = names.index(columns.start) if columns.start is not None else 0
            stop = names.index(columns.stop) + 1 if columns.stop is not None else len(names)
            return list(range(start, stop))
        return list(range(len(names)))[columns]
    if isinstance(columns, str | int) or not hasattr(columns, "__iter__"):
        columns = [columns]
    items = list(columns)
    if items and all(_is_bool(c) for c in items):
        return [i for i, keep in enumerate(items) if keep]
    return [names.index(str(c)) if isinstance(c, str) else int(c) for c in items]


def _is_bool(value: Any) -> bool:
    return type(value).__name__ in {"bool", "bool_"}


# ---------------------------------------------------------------- single transformers


def _walk_leaf(est: Any, inputs: list[_Node]) -> list[_Node]:
    if _is_identity(est):
        return inputs
    if hasattr(est, "get_support"):
        return [node for node, keep in zip(inputs, est.get_support(), strict=True) if keep]
    names = _output_names(est, inputs)
    groups, kinds = _output_groups(est, inputs, names)
    return [
        _derive(est, name, [inputs[i] for i in group], kind)
        for name, group, kind in zip(names, groups, kinds, strict=True)
    ]


def _is_identity(est: Any) -> bool:
    return type(est).__name__ == "FunctionTransformer" and getattr(est, "func", None) is None


def _output_names(est: Any, inputs: list[_Node]) -> list[str]:
    try:
        return [str(n) for n in est.get_feature_names_out([n.name for n in inputs])]
    except (AttributeError, TypeError, ValueError):
        return [str(n) for n in est.get_feature_names_out()]


def _derive(est: Any, name: str, parents: list[_Node], kind: str) -> _Node:
    """The node for one output of `est`, computed from `parents`; its transform names those parents."""
    label = _label(est, parents)
    sources = tuple(dict.fromkeys(s for p in parents for s in p.sources))
    transforms = tuple(dict.fromkeys([*(t for p in parents for t in p.transforms), label]))
    return _Node(name, sources, transforms, kind)


def _label(est: Any, inputs: list[_Node]) -> str:
    cls = type(est).__name__
    short = _SHORT_NAMES.get(cls, cls.lower())
    return f"{short}({', '.join(n.name for n in inputs)})"


def _output_groups(est: Any, inputs: list[_Node], names: list[str]) -> tuple[list[list[int]], list[str]]:
    """For each output column: the indices of the inputs it is computed from, and its kind."""
    if hasattr(est, "categories_") and hasattr(est, "drop_idx_"):
        groups = _onehot_groups(est)
        return groups, [_BINARY] * len(groups)
    if hasattr(est, "powers_"):
        return [[i for i, p in enumerate(row) if p] for row in est.powers_], [_NUMERIC] * len(names)
    if hasattr(est, "statistics_") and hasattr(est, "indicator_"):
        return _imputer_groups(est, inputs)
    if len(names) == len(inputs):
        return [[i] for i in range(len(inputs))], [_NUMERIC] * len(names)
    return [_by_convention(name, inputs) for name in names], [_NUMERIC] * len(names)


def _onehot_groups(enc: Any) -> list[list[int]]:
    groups: list[list[int]] = []
    infrequent = getattr(enc, "infrequent_categories_", None) or [None] * len(enc.categories_)
    drop_idx = enc.drop_idx_ if enc.drop_idx_ is not None else [None] * len(enc.categories_)
    for i, categories in enumerate(enc.categories_):
        count = len(categories)
        if infrequent[i] is not None:
            count += 1 - len(infrequent[i])
        if drop_idx[i] is not None:
            count -= 1
        groups.extend([[i]] * count)
    return groups


def _imputer_groups(imp: Any, inputs: list[_Node]) -> tuple[list[list[int]], list[str]]:
    kept = list(range(len(inputs)))
    if not getattr(imp, "keep_empty_features", False):
        kept = [i for i in kept if _is_value(imp.statistics_[i])]
    groups, kinds = [[i] for i in kept], [_NUMERIC] * len(kept)
    if imp.indicator_ is not None:
        groups += [[int(i)] for i in imp.indicator_.features_]
        kinds += [_BINARY] * len(imp.indicator_.features_)
    return groups, kinds


def _is_value(statistic: Any) -> bool:
    return not (isinstance(statistic, float) and statistic != statistic)


def _by_convention(name: str, inputs: list[_Node]) -> list[int]:
    """Fallback: inputs named in an output `prefix__name` or `name_suffix`; all inputs if none match."""
    stem = name.split("__", 1)[-1]
    matches = [i for i, n in enumerate(inputs) if stem == n.name or stem.startswith(f"{n.name}_")]
    if not matches:
        return list(range(len(inputs)))
    longest = max(len(inputs[i].name) for i in matches)
    return [i for i in matches if len(inputs[i].name) == longest]
