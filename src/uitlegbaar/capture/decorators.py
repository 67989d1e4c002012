"""The capture decorators: `dataset`, `step`, `train`, `evaluate`, `explain`.

Each wraps a function without changing what it returns, its signature or its docstring. The call
runs first; capture happens afterwards, inside `capturing(...)`, so a capture failure becomes a
warning and a gap record (or a `CaptureError` in strict mode) and never touches the result. An
exception from the function itself passes through unchanged.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from uitlegbaar.analysis.explanations import (
    DEFAULT_LOCAL,
    DEFAULT_REPEATS,
    DEFAULT_SAMPLE,
    DEFAULT_SAMPLES,
    ExplanationSettings,
)
from uitlegbaar.capture import column_lineage, evaluation, models
from uitlegbaar.capture.datasets import CapturedTable, Declared, capturable, capture_table
from uitlegbaar.capture.redact import safe_params
from uitlegbaar.capture.runs import ActiveRun, active_run, capturing
from uitlegbaar.capture.tables import is_table
from uitlegbaar.errors import ConfigurationError
from uitlegbaar.evidence.records import (
    EvaluationRecord,
    Explanation,
    ExplanationRecord,
    ModelRecord,
    Record,
    StepRecord,
)

F = TypeVar("F", bound=Callable[..., Any])
R = TypeVar("R", bound=Record)
Capture = Callable[[ActiveRun, "Call"], None]


class Call:
    """One call of a decorated function: its bound arguments, result and duration."""

    __slots__ = ("arguments", "end_ns", "fn", "function", "result", "start_ns")

    def __init__(
        self, fn: Callable[..., Any], function: str, arguments: dict[str, Any], result: Any, start_ns: int, end_ns: int
    ) -> None:
        self.fn = fn
        self.function = function
        self.arguments = arguments
        self.result = result
        self.start_ns = start_ns
        self.end_ns = end_ns

    @property
    def duration_s(self) -> float:
        return (self.end_ns - self.start_ns) / 1e9

    def record(self, run: ActiveRun, kind: type[R], span_name: str, attributes: dict[str, Any], **fields: Any) -> R:
        """Record under a span that covers this call."""
        return run.record(kind, span_name, attributes, self.start_ns, self.end_ns, **fields)

    def tables(self) -> list[tuple[str, Any]]:
        """(argument name, table) for every table-like argument, in signature order."""
        return [(name, value) for name, value in self.arguments.items() if is_table(value)]

    def scalars(self) -> dict[str, Any]:
        """The arguments that are neither tables nor models: the step's parameters."""
        return {n: v for n, v in self.arguments.items() if not is_table(v) and not _is_model(v)}


def _wrap(fn: Callable[..., Any], what: str, capture: Capture) -> Callable[..., Any]:
    """Wrap `fn` so that each call is followed by `capture(run, call)`, guarded."""
    if not callable(fn):
        raise ConfigurationError(f"@uitlegbaar.{what} decorates a function, not {type(fn).__name__}")
    signature = inspect.signature(fn)
    qualname = f"{fn.__module__}.{fn.__qualname__}"
    simple = all(p.kind is p.POSITIONAL_OR_KEYWORD for p in signature.parameters.values())
    names = tuple(signature.parameters)
    defaults = {n: p.default for n, p in signature.parameters.items() if p.default is not p.empty}

    def arguments_of(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        """The call's arguments by name, defaults included (the values the function really used)."""
        if simple and len(args) <= len(names):
            arguments = dict(zip(names, args, strict=False))
            arguments.update(kwargs)
            for name, default in defaults.items():
                arguments.setdefault(name, default)
            return arguments
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError:
            return {f"arg{i}": a for i, a in enumerate(args)} | kwargs
        bound.apply_defaults()
        return dict(bound.arguments)

    def after(args: tuple[Any, ...], kwargs: dict[str, Any], result: Any, started: int) -> None:
        ended = time.time_ns()
        guard = capturing(None, f"{what} {qualname}", qualname)
        with guard:
            guard.run = active_run()  # a failure here (no store) is reported without a run to record it in
            capture(guard.run, Call(fn, qualname, arguments_of(args, kwargs), result, started, ended))

    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.time_ns()
            result = await fn(*args, **kwargs)
            after(args, kwargs, result, started)
            return result

        return async_wrapper

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.time_ns()
        result = fn(*args, **kwargs)
        after(args, kwargs, result, started)
        return result

    return wrapper


def _decorator(fn: Callable[..., Any] | None, what: str, capture: Capture) -> Any:
    """Support both `@ub.step` and `@ub.step(...)`."""
    if fn is None:
        return lambda f: _wrap(f, what, capture)
    return _wrap(fn, what, capture)


# ------------------------------------------------------------------ @dataset


def dataset(
    fn: F | None = None,
    *,
    name: str | None = None,
    source: str | os.PathLike[str] | None = None,
    personal: Sequence[str] = (),
    sensitive: Sequence[str] = (),
    description: str | None = None,
    owner: str | None = None,
    licence: str | None = None,
    not_personal: Sequence[str] = (),
    order_by: Sequence[str] = (),
) -> Any:
    """Record what a loader returns as a source dataset of the run.

    `source` is where the data comes from (a URI or path); when not given, a path or URI argument of
    the call is used. `personal` names columns with personal data: they are fingerprinted like every
    column but never profiled. Columns that look personal although not declared are treated the same,
    with a warning asking to confirm them in `personal` or clear them in `not_personal`. `sensitive`
    names attributes for the fairness analysis. A loader may also return a Parquet dataset, a polars LazyFrame,
    a DuckDB relation or a Spark DataFrame: it is read batch by batch (`order_by`: the key a Spark frame's
    ordered fingerprint follows).
    """
    declared = _declared(personal, not_personal, sensitive, description, owner, licence)
    _optional_text("name", name)
    keys = _names("order_by", order_by)
    if source is not None and not isinstance(source, (str, os.PathLike)):
        raise ConfigurationError(f"@uitlegbaar.dataset(source=...) takes a URI or path, not {type(source).__name__}")

    def capture(run: ActiveRun, call: Call) -> None:
        where = os.fspath(source) if source is not None else _source_from(call.arguments)
        label = name or call.function.rsplit(".", 1)[-1]
        for suffix, table in _returned_tables(call.result, streams=True):
            capture_table(
                run,
                table,
                name=label + suffix,
                source=where,
                declared=declared,
                produced_by=call.function,
                order_by=keys,
            )

    return _decorator(fn, "dataset", capture)


def record_dataset(
    data: Any,
    *,
    name: str,
    source: str | os.PathLike[str] | None = None,
    personal: Sequence[str] = (),
    sensitive: Sequence[str] = (),
    description: str | None = None,
    owner: str | None = None,
    licence: str | None = None,
    not_personal: Sequence[str] = (),
    order_by: Sequence[str] = (),
) -> str | None:
    """Record `data` as a source dataset without a decorator; returns the record id (None if not captured).
    `personal`, `not_personal`, `sensitive` and `order_by` mean what they mean on `@ub.dataset`. Besides tables
    in memory, `data` may be a Parquet file or folder (a path), a pyarrow dataset or RecordBatchReader (read to
    its end), a polars LazyFrame, a DuckDB relation, a Delta Lake or Iceberg table or a Spark DataFrame."""
    declared = _declared(personal, not_personal, sensitive, description, owner, licence)
    _optional_text("name", name)
    keys = _names("order_by", order_by)
    if not capturable(data):
        raise ConfigurationError(
            "record_dataset takes a pandas, pyarrow, polars or numpy table, a Parquet path, a pyarrow dataset or "
            f"RecordBatchReader, a polars LazyFrame, a DuckDB relation or a Spark DataFrame, not {type(data).__name__}"
        )
    run = None
    with capturing(None, f"dataset {name}"):
        run = active_run()
    with capturing(run, f"dataset {name}"):
        if run is not None:
            where = os.fspath(source) if source is not None else None
            if where is None and isinstance(data, (str, os.PathLike)):
                where = os.fspath(data)
            return capture_table(run, data, name=name, source=where, declared=declared, order_by=keys).ref.id
    return None


# ------------------------------------------------------------------ @step


def step(
    fn: F | None = None,
    *,
    name: str | None = None,
    derived_from: Mapping[str, Sequence[str]] | None = None,
    personal: Sequence[str] = (),
    not_personal: Sequence[str] = (),
) -> Any:
    """Record a transformation: datasets in and out, column lineage, parameters, code hash.

    `derived_from` names the columns each new column was computed from (`{"leeftijd": ["geboortedatum"]}`): a
    column derived from personal data is personal too, and so are the model inputs made from it. `personal` and
    `not_personal` confirm or clear columns of the returned tables that look personal.
    """
    _optional_text("name", name)
    derivations = _derivations(derived_from)
    declared = _declared(personal, not_personal, derived_from=derivations)

    def capture(run: ActiveRun, call: Call) -> None:
        label = name or call.function
        short = name or call.fn.__qualname__
        inputs = [_derived(run, t, f"{short}.{arg}", call.function, argument=arg) for arg, t in call.tables()]
        outputs = [
            _derived(run, t, f"{short}.output{suffix}", call.function, declared)
            for suffix, t in _returned_tables(call.result)
        ]
        returned = {c for t in outputs for c in t.columns}
        for column in sorted(set(derivations) - returned):
            run.note_gap(
                f"the derivation of column {column}",
                f"derived_from names {column!r}, which the step did not return",
                call.function,
            )
        call.record(
            run,
            StepRecord,
            f"uitlegbaar.step {label}",
            {"uitlegbaar.step.inputs": len(inputs), "uitlegbaar.step.outputs": len(outputs)},
            function=label,
            source_sha256=_source_hash(call.fn),
            params=safe_params(call.scalars()),
            inputs=[c.ref for c in inputs],
            outputs=[c.ref for c in outputs],
            lineage=column_lineage.between(inputs, outputs) if inputs and outputs else None,
            derived_from={column: list(sources) for column, sources in derivations.items()},
            duration_s=call.duration_s,
        )

    return _decorator(fn, "step", capture)


# ------------------------------------------------------------------ @train


def train(
    fn: F | None = None,
    *,
    model: str | None = None,
    hash_artifact: bool = True,
    explain: bool = False,
    name: str | None = None,
) -> Any:
    """Record the model a training function returns: class, hyperparameters, features, data, artifact hash.
    With `explain=True` the default explanations of `@ub.explain` follow, on (a sample of) the training data.
    `name` is what documents call the training function (default: the function's name)."""
    _optional_text("name", name)
    if model is not None and not isinstance(model, str):
        raise ConfigurationError(f"@uitlegbaar.train(model=...) takes the model's name, not {type(model).__name__}")
    if not isinstance(explain, bool):
        raise ConfigurationError(f"@uitlegbaar.train(explain=...) takes True or False, not {explain!r}")

    def capture(run: ActiveRun, call: Call) -> None:
        fitted = call.result
        label = model or call.function.rsplit(".", 1)[-1]
        record_model(
            run,
            fitted,
            name=label,
            tables=[*call.tables(), *models.container_tables(run, call.arguments, label, call.function)],
            function=name or call.function,
            start_ns=call.start_ns,
            end_ns=call.end_ns,
            hash_artifact=hash_artifact,
        )
        if explain:
            with capturing(run, f"explanation of {label}", call.function):
                found = evaluation.Arguments.of(call.arguments)
                _explain(run, call, fitted, found.X, found.y, ExplanationSettings(), name)

    return _decorator(fn, "train", capture)


def record_model(
    run: ActiveRun,
    fitted: Any,
    *,
    name: str,
    tables: Sequence[tuple[str, Any]],
    function: str,
    start_ns: int,
    end_ns: int,
    hash_artifact: bool = True,
) -> ModelRecord:
    """Record a fitted model trained on `tables` ((argument name, table), X first): class, library and version,
    hyperparameters, features and their lineage, training data, artifact hash, as the model adapter of its library
    reads them (capture/models.py). The run's last model from now on. A table that cannot be captured is a gap
    of its own: the model is recorded without it."""
    data: dict[str, CapturedTable] = {}
    for arg, table in tables:
        with capturing(run, f"the training data {arg} of model {name}", function):
            data[arg] = _derived(run, table, f"{name}.{arg}", function, argument=arg)
    X = tables[0] if tables else None
    fields = models.model_fields(
        run, fitted, X[1] if X else None, name=name, function=function, hash_artifact=hash_artifact
    )
    fields.setdefault("features", list(data[X[0]].columns) if X and X[0] in data else [])
    record = run.record(
        ModelRecord,
        f"uitlegbaar.model {name}",
        {"uitlegbaar.model.name": name, "uitlegbaar.model.class": fields["class_name"]},
        start_ns,
        end_ns,
        name=name,
        **fields,
        training_data=[c.ref for c in data.values()],
        function=function,
        duration_s=(end_ns - start_ns) / 1e9,
    )
    run.last_model_id = record.id
    return record


# ------------------------------------------------------------------ @evaluate and @explain


def evaluate(
    fn: F | None = None,
    *,
    split: str = "test",
    sensitive: Sequence[str] = (),
    thresholds: Mapping[str, float] | None = None,
    proxy_threshold: float = 0.3,
    name: str | None = None,
) -> Any:
    """Record the metrics an evaluation returns (a mapping of names to numbers; nested mappings
    `{attribute: {group: {metric: value}}}` for per-group results).

    With `sensitive=[...]`, and a fitted model, X and y among the call's arguments, uitlegbaar also computes
    per group of each attribute the size, selection rate, TPR, FPR, accuracy, precision and recall (regressors:
    MAE, RMSE), the disparity to the best group with the `thresholds` checks (default: selection rate ratio
    ≥ 0.8 for classifiers), and screens every column of X as a possible proxy of each attribute (flagged at
    association ≥ `proxy_threshold`). Attribute values come from an argument or column of that name and are
    never stored, only group labels and numbers. `name` is what documents call the evaluation function.
    """
    sensitive = _names("sensitive", sensitive)
    _optional_text("name", name)
    _optional_text("split", split)
    _check_thresholds(thresholds)
    if (
        isinstance(proxy_threshold, bool)
        or not isinstance(proxy_threshold, (int, float))
        or not 0 < proxy_threshold <= 1
    ):
        raise ConfigurationError(f"proxy_threshold= takes a number in (0, 1], not {proxy_threshold!r}")

    def capture(run: ActiveRun, call: Call) -> None:
        metrics, returned_by_group = _split_metrics(call.result)
        data = [
            _derived(run, t, f"{call.fn.__qualname__}.{arg}", call.function, argument=arg) for arg, t in call.tables()
        ]
        fairness: list[Any] = []
        proxies: list[Any] = []
        if sensitive:
            with capturing(run, f"subgroup metrics of {call.function}", call.function):
                fairness, proxies, notes = evaluation.subgroup_analysis(
                    evaluation.Arguments.of(call.arguments, exclude=sensitive),
                    sensitive,
                    thresholds,
                    proxy_threshold,
                    run.personal_columns,
                    reported=returned_by_group,
                )
                for note in notes:
                    run.note_gap("subgroup metrics", note, call.function)
        call.record(
            run,
            EvaluationRecord,
            f"uitlegbaar.evaluation {split}",
            {"uitlegbaar.evaluation.split": split, "uitlegbaar.evaluation.groups": len(fairness)},
            model_id=run.last_model_id,
            split=split,
            metrics=metrics,
            by_group=evaluation.by_group(fairness) | returned_by_group,
            sensitive=list(sensitive),
            fairness=fairness,
            proxies=proxies,
            data=[c.ref for c in data],
            function=name or call.function,
        )

    return _decorator(fn, "evaluate", capture)


def explain(
    fn: F | None = None,
    *,
    method: str | None = None,
    sample: int = DEFAULT_SAMPLE,
    samples: int = DEFAULT_SAMPLES,
    repeats: int = DEFAULT_REPEATS,
    seed: int = 0,
    scoring: str | None = None,
    shap: bool | None = None,
    local: int = DEFAULT_LOCAL,
    name: str | None = None,
) -> Any:
    """Record global feature importances.

    When the function returns a mapping of input names to numbers, that is recorded (as `method`). When it
    returns nothing, uitlegbaar explains the fitted model among its arguments on X (and y): permutation
    importance on `samples` disjoint samples of at most `sample` rows with a rank-stability check,
    coefficients for linear models, and SHAP values (with `local` per-row explanations) when shap is
    installed, unless `shap=False`. `name` is what documents call the explanation function.
    """
    _optional_text("method", method)
    _optional_text("name", name)
    settings = _explanation_settings(sample, samples, repeats, seed, scoring, shap, local)

    def capture(run: ActiveRun, call: Call) -> None:
        if call.result is not None:
            importances, _ = _split_metrics(call.result)
            explanation = Explanation(method=method or "returned", importances=importances)
            _record_explanation(run, call, explanation, name)
            return
        found = evaluation.Arguments.of(call.arguments)
        if found.model is None or found.X is None:
            raise TypeError(
                "@uitlegbaar.explain found no fitted model and X among the arguments, nor a returned mapping"
            )
        _explain(run, call, found.model, found.X, found.y, settings, name)

    return _decorator(fn, "explain", capture)


def _explain(
    run: ActiveRun, call: Call, model: Any, X: Any, y: Any, settings: ExplanationSettings, name: str | None = None
) -> None:
    """Record every default explanation of `model`; notes on what was left out go with the first one."""
    from uitlegbaar.analysis.explanations import explain_model

    view = models.view_of(model, X, y)
    explanations, notes = explain_model(view, X, y, settings, sources=_sources(run, model, X))
    for i, explanation in enumerate(explanations):
        note = "; ".join(notes) if i == 0 and notes else None
        _record_explanation(run, call, explanation.model_copy(update={"note": note}) if note else explanation, name)
    if not explanations:
        raise TypeError("; ".join(notes) or "no explanation applies to this model")


def _record_explanation(run: ActiveRun, call: Call, explanation: Explanation, name: str | None = None) -> None:
    call.record(
        run,
        ExplanationRecord,
        "uitlegbaar.explanation",
        {"uitlegbaar.explanation.method": explanation.method},
        model_id=run.last_model_id,
        function=name or call.function,
        **explanation.model_dump(),
    )


def _sources(run: ActiveRun, model: Any, X: Any) -> dict[str, list[str]]:
    """Model input → source columns, as the model's adapter traces them."""
    return {i.name: i.sources for i in models.inputs_of(run, model, X, "explanation")}


def _explanation_settings(
    sample: Any, samples: Any, repeats: Any, seed: Any, scoring: Any, shap: Any, local: Any
) -> ExplanationSettings:
    for option, value, least in (
        ("sample", sample, 10),
        ("samples", samples, 1),
        ("repeats", repeats, 1),
        ("local", local, 0),
        ("seed", seed, 0),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise ConfigurationError(f"{option}= takes a whole number ≥ {least}, not {value!r}")
    _optional_text("scoring", scoring)
    if shap is not None and not isinstance(shap, bool):
        raise ConfigurationError(f"shap= takes True, False or None (when installed), not {shap!r}")
    return ExplanationSettings(sample, samples, repeats, seed, scoring, shap, local=local)


def _check_thresholds(thresholds: Any) -> None:
    from uitlegbaar.analysis.fairness import threshold_names

    if thresholds is None:
        return
    if not isinstance(thresholds, Mapping):
        raise ConfigurationError(
            f"thresholds= takes a mapping such as {{'selection_rate_ratio': 0.8}}, not {thresholds!r}"
        )
    for name, bound in thresholds.items():
        if name not in threshold_names():
            raise ConfigurationError(f"unknown threshold {name!r}; known: {', '.join(sorted(threshold_names()))}")
        if isinstance(bound, bool) or not isinstance(bound, (int, float)):
            raise ConfigurationError(f"threshold {name!r} takes a number, not {bound!r}")


# ------------------------------------------------------------------ helpers


@functools.lru_cache(maxsize=1024)
def _source_hash(fn: Callable[..., Any]) -> str | None:
    """SHA-256 of a function's source, computed once per function (None when there is no source)."""
    try:
        return hashlib.sha256(inspect.getsource(fn).encode()).hexdigest()
    except (OSError, TypeError):
        return None


def _derived(
    run: ActiveRun,
    table: Any,
    name: str,
    function: str,
    declared: Declared | None = None,
    argument: str | None = None,
) -> CapturedTable:
    """A table a decorated call took or returned, recorded once per content; its ref names the `argument` it was
    passed as, so documents can call it by its role (training features, the test set's labels …)."""
    found = capture_table(run, table, name=name, role="derived", produced_by=function, declared=declared)
    if argument is None:
        return found
    return CapturedTable(found.ref.model_copy(update={"argument": argument}), found.fingerprint, found.columns)


def _returned_tables(result: Any, streams: bool = False) -> Iterator[tuple[str, Any]]:
    """Tables in a return value: the value itself, or the items of a tuple, list or dict (with `streams`, also
    the sources that can be read again without taking them from the caller: a LazyFrame, not a reader)."""
    if result is None or isinstance(result, (int, float, str, bool)):
        return
    wanted: Callable[[Any], bool] = (lambda x: capturable(x, again=True)) if streams else is_table
    if wanted(result):
        yield "", result
    elif isinstance(result, (tuple, list)):
        for i, item in enumerate(result):
            if wanted(item):
                yield f"[{i}]", item
    elif isinstance(result, Mapping):
        for key, item in result.items():
            if wanted(item):
                yield f"[{key}]", item


DATA_SUFFIXES = frozenset(
    {
        ".csv",
        ".tsv",
        ".txt",
        ".parquet",
        ".pq",
        ".feather",
        ".arrow",
        ".ipc",
        ".orc",
        ".avro",
        ".json",
        ".jsonl",
        ".ndjson",
        ".xlsx",
        ".xls",
        ".ods",
        ".pkl",
        ".pickle",
        ".h5",
        ".hdf5",
        ".sav",
        ".dta",
        ".sas7bdat",
        ".xml",
        ".db",
        ".sqlite",
        ".gz",
        ".zip",
        ".bz2",
        ".zst",
        ".xz",
    }
)


def _source_from(arguments: Mapping[str, Any]) -> str | None:
    """The first argument that names a file or URI: a path object, a `scheme://` URI, text with a
    folder separator, or a file name with a data file's suffix (`aanvragen.csv`)."""
    for value in arguments.values():
        if isinstance(value, os.PathLike):
            return str(os.fspath(value))
        if isinstance(value, str) and (
            "://" in value or "/" in value or os.sep in value or os.path.splitext(value)[1].lower() in DATA_SUFFIXES
        ):
            return value
    return None


def _is_model(value: Any) -> bool:
    return hasattr(value, "fit") or models.is_model(value)


def _split_metrics(result: Any) -> tuple[dict[str, float], dict[str, dict[str, dict[str, float]]]]:
    """Numbers of a returned mapping, and its nested `{attribute: {group: {metric: value}}}` part."""
    if not isinstance(result, Mapping):
        raise TypeError(f"expected a mapping of names to numbers, got {type(result).__name__}")
    flat: dict[str, float] = {}
    nested: dict[str, dict[str, dict[str, float]]] = {}
    for key, value in result.items():
        if isinstance(value, Mapping):
            nested[str(key)] = {
                str(group): {str(m): float(v) for m, v in metrics.items() if _is_number(v)}
                for group, metrics in value.items()
                if isinstance(metrics, Mapping)
            }
        elif _is_number(value):
            flat[str(key)] = float(value)
    return flat, nested


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    kind = getattr(getattr(value, "dtype", None), "kind", None)  # a numpy scalar; arrays have a shape
    return type(value).__module__ == "numpy" and getattr(value, "shape", None) == () and kind in ("i", "u", "f")


def _names(option: str, names: Any) -> tuple[str, ...]:
    """Column names given to a decorator, as a tuple (an iterator is read once, here)."""
    if isinstance(names, str) or not isinstance(names, Iterable):
        raise ConfigurationError(f"{option}= takes a list of column names, e.g. {option}=['bsn'], not {names!r}")
    out = tuple(names)
    if not all(isinstance(n, str) for n in out):
        raise ConfigurationError(f"{option}= takes column names as strings, not {out!r}")
    return out


def _declared(
    personal: Any,
    not_personal: Any,
    sensitive: Any = (),
    description: str | None = None,
    owner: str | None = None,
    licence: str | None = None,
    derived_from: Mapping[str, tuple[str, ...]] | None = None,
) -> Declared:
    """What a decorator's arguments declare, checked: `personal` and `not_personal` may not share a column."""
    yes, no = _names("personal", personal), _names("not_personal", not_personal)
    both = sorted(set(yes) & set(no))
    if both:
        raise ConfigurationError(f"personal= and not_personal= both name {', '.join(both)}; choose one")
    return Declared(
        personal=yes,
        sensitive=_names("sensitive", sensitive),
        description=description,
        owner=owner,
        licence=licence,
        not_personal=no,
        derived_from=derived_from or {},
    )


def _derivations(derived_from: Any) -> dict[str, tuple[str, ...]]:
    """`derived_from={"leeftijd": ["geboortedatum"]}`, checked: column names to lists of column names."""
    if derived_from is None:
        return {}
    example = "derived_from={'leeftijd': ['geboortedatum']}"
    if not isinstance(derived_from, Mapping):
        raise ConfigurationError(f"derived_from= takes a mapping of new columns to their sources, e.g. {example}")
    out: dict[str, tuple[str, ...]] = {}
    for column, sources in derived_from.items():
        if not isinstance(column, str):
            raise ConfigurationError(f"derived_from= takes column names as keys, not {column!r}")
        if isinstance(sources, str) or not isinstance(sources, Iterable):
            raise ConfigurationError(f"derived_from[{column!r}] takes a list of column names, e.g. {example}")
        out[column] = _names(f"derived_from[{column!r}]", sources)
    return out


def _optional_text(option: str, value: Any) -> None:
    if value is not None and not isinstance(value, str):
        raise ConfigurationError(f"{option}= takes a string, not {type(value).__name__} {value!r}")
