"""`autolog()`: uitlegbaar evidence for every MLflow run, without decorators, next to MLflow's own autologging.

What is hooked, and what each hook records into the uitlegbaar run of the active MLflow run:

- scikit-learn estimators' `fit` (outermost call only; Pipeline steps and search candidates are not separate
  models), and XGBoost's and LightGBM's scikit-learn API: the data passed to fit (exact fingerprint, schema,
  profile) and the fitted model (class, hyperparameters, input lineage, artifact hash), as `@ub.train` records them;
- `xgboost.train` and `lightgbm.train`: the data in the DMatrix or lgb.Dataset (features and label, as the library
  holds them: a DMatrix's values are float32) and the Booster, the same way;
- Lightning's `Trainer.fit`, Keras's `Model.fit` and Hugging Face's `Trainer.train`, hooked when their module is
  imported (`TRAINING_METHODS`): the data they train on, as training.py reads it (DataLoaders over TensorDatasets,
  arrays, DataFrames, tensors, `datasets.Dataset`s; validation data beside it; what cannot be read is a gap), and
  the model (LightningModule, Keras model, the Trainer's model), the same way;
- `mlflow.models.Model.log`, which every flavor's `log_model` goes through (autologging included): the logged
  model (LoggedModel id, model URI, flavors, signature, registered version), and for flavors without the fit
  hook (a plain torch module) also the model object itself;
- `mlflow.log_input`: a dataset with its data (`from_pandas(df, source=...)`, `from_numpy` features and targets,
  `from_huggingface`) as a source dataset with its declared source (inside a hooked fit: captured with the fit);
- `mlflow.end_run`: the run's metrics as MLflow holds them, then the uitlegbaar run is closed and its evidence
  sent to the MLflow run (see `link`).

Every hook runs the original first and captures afterwards, guarded: a capture failure is a warning and a gap,
never a failed MLflow call. MLflow's own behaviour, return values and digests are untouched.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from uitlegbaar.integrations.mlflow import training
from uitlegbaar.integrations.mlflow.link import MlflowLink, MlflowSink, active_link, timeout_s
from uitlegbaar.integrations.mlflow.training import Trained

from uitlegbaar.capture import sinks
from uitlegbaar.capture.runs import ActiveRun, active_run, capturing, current_run

MODEL_ARGUMENTS = (
    "sk_model",
    "python_model",
    "xgb_model",
    "lgb_model",
    "cb_model",
    "pytorch_model",
    "transformers_model",
    "model",
)
# deep-learning libraries: module whose import makes the class known → (class, training method, what it trained)
TRAINING_METHODS = (
    ("lightning.pytorch.trainer.trainer", "Trainer", "fit", "lightning"),
    ("pytorch_lightning.trainer.trainer", "Trainer", "fit", "lightning"),
    ("keras.src.models.model", "Model", "fit", "keras"),
    ("transformers.trainer", "Trainer", "train", "transformers"),
)

_lock = threading.RLock()
_fitting = threading.local()
_patches: list[tuple[Any, str, Any]] = []  # (owner, attribute, original) to undo
_INHERITED = object()  # the original of a method the class inherited: undone by removing the wrapper
_runs: dict[str, ActiveRun] = {}  # MLflow run id → the uitlegbaar run autolog captures into
REMEMBERED = 64  # models whose records later hooks may need (a Model.log after the fit); older ones are let go
_model_records: OrderedDict[int, tuple[Any, str]] = OrderedDict()  # id(model) → (model object, ModelRecord id)
_waiting: dict[int, tuple[Any, dict[str, Any]]] = {}  # logged during a fit: id(model) → (ModelInfo, log kwargs)


def autolog(
    *,
    disable: bool = False,
    traces: bool = False,
    signing_key: str | os.PathLike[str] | None = None,
    cards: bool = True,
) -> None:
    """Capture uitlegbaar evidence in every MLflow run from now on (idempotent); `disable=True` undoes it.
    `traces=True` also sends the runs' OpenTelemetry spans to the tracking server's `/v1/traces`. `signing_key`
    (a PEM file; default `UITLEGBAAR_SIGNING_KEY`): also attach each run's signed attestation and the card,
    register entry and system card it signs. At the end of every run its model card (Markdown and HTML) is
    attached to the run and its LoggedModels, unless `cards=False`."""
    from uitlegbaar.integrations.mlflow import cards as card_artifacts
    from uitlegbaar.integrations.mlflow.attestation import configure

    if not isinstance(cards, bool):
        from uitlegbaar.errors import ConfigurationError

        raise ConfigurationError(f"autolog(cards=...) takes True or False, not {cards!r}")
    with _lock:
        if disable or signing_key is not None:
            configure(None if disable else signing_key)
        card_artifacts.configure(cards and not disable)
        if disable:
            for owner, attribute, original in reversed(_patches):
                if original is _INHERITED:
                    delattr(owner, attribute)
                else:
                    setattr(owner, attribute, original)
            _patches.clear()
            return
        if traces:
            from uitlegbaar.integrations.mlflow.traces import send_traces_to_mlflow

            send_traces_to_mlflow()  # once: a second call keeps the exporter it has
        if _patches:
            return
        sinks.register(MlflowSink())
        import mlflow
        import mlflow.tracking.fluent as fluent
        from mlflow.models import Model

        for owner in (fluent, mlflow):
            _patch(owner, "end_run", _end_run)
            _patch(owner, "log_input", _log_input)
        _patch(Model, "log", _model_log, classmethod_=True)
        _patch_sklearn()
        _patch_model_libraries()
        _patch_deep_learning()


def enabled() -> bool:
    return bool(_patches)


# ---------------------------------------------------------------- patching


def _patch(owner: Any, attribute: str, wrap: Callable[[Any], Any], *, classmethod_: bool = False) -> None:
    """Wrap `owner.attribute` (a class's own or inherited method: undone by restoring or removing it)."""
    inherited = isinstance(owner, type) and attribute not in owner.__dict__
    original = owner.__dict__[attribute] if isinstance(owner, type) and not inherited else getattr(owner, attribute)
    if getattr(getattr(original, "__func__", original), "__uitlegbaar__", False):
        return
    if classmethod_:
        wrapped: Any = classmethod(wrap(original.__func__))
        wrapped.__func__.__uitlegbaar__ = True
    else:
        wrapped = wrap(original)
        wrapped.__uitlegbaar__ = True
    setattr(owner, attribute, wrapped)
    _patches.append((owner, attribute, _INHERITED if inherited else original))


def _patch_sklearn() -> None:
    try:
        from sklearn.utils import all_estimators
    except ImportError:
        return
    for _, cls in all_estimators():
        if "fit" in cls.__dict__:
            _patch(cls, "fit", _fit)


def _patch_model_libraries() -> None:
    """The native training functions and scikit-learn-API classes of the gradient boosting libraries, when
    installed (imported here: MLflow's own autologging patches them the same way)."""
    import importlib
    import importlib.util

    for name, module_name, classes in (
        ("xgboost", "xgboost", ("xgboost.sklearn", "XGBModel")),
        ("lightgbm", "lightgbm", ("lightgbm.sklearn", "LGBMModel")),
    ):
        if importlib.util.find_spec(name) is None:
            continue
        module = importlib.import_module(module_name)
        _patch(module, "train", _native_train)
        owner = getattr(importlib.import_module(classes[0]), classes[1])
        for cls in (owner, *owner.__subclasses__()):
            if "fit" in cls.__dict__:
                _patch(cls, "fit", _fit)


def _patch_deep_learning() -> None:
    """The training methods of Lightning, Keras and Hugging Face transformers, when (and as soon as) their module is
    imported: importing them here would cost a user of neither their import time, and would fix Keras's backend
    before the user chose it. MLflow's own autologging waits for imports the same way (its import hooks)."""
    from mlflow.utils.import_hooks import register_post_import_hook

    for module_name, class_name, method, reader in TRAINING_METHODS:
        register_post_import_hook(_patch_on_import(class_name, method, reader), module_name, overwrite=True)


def _patch_on_import(class_name: str, method: str, reader: str) -> Callable[[Any], None]:
    read: Callable[[Any, dict[str, Any]], Trained] = {
        "lightning": training.lightning,
        "keras": training.keras,
        "transformers": lambda trainer, _: training.transformers(trainer),
    }[reader]

    def patch(module: Any) -> None:
        with _lock:
            if not _patches:  # autolog was disabled before the library was imported
                return
            owner = getattr(module, class_name)
            for cls in (owner, *owner.__subclasses__()):
                if cls is owner or method in cls.__dict__:
                    _patch(cls, method, _method(read, method))

    patch.__name__ = f"uitlegbaar_{reader}_{class_name}_{method}"  # one hook per module, even after disable
    return patch


# ---------------------------------------------------------------- the hooks


def _fit(original: Any) -> Any:
    @functools.wraps(original)
    def fit(self: Any, *args: Any, **kwargs: Any) -> Any:
        if getattr(_fitting, "depth", 0):
            return original(self, *args, **kwargs)
        cls = type(self)
        return _around(
            lambda: original(self, *args, **kwargs),
            lambda _: Trained(self, _fit_tables(args, kwargs)),
            f"{cls.__module__}.{cls.__qualname__}.fit",
        )

    return fit


def _native_train(original: Any) -> Any:
    """`xgboost.train(params, dtrain, …)`, `lightgbm.train(params, train_set, …)`: the data container's table is
    read before training (LightGBM frees its raw data once the Dataset is constructed), the Booster after."""

    @functools.wraps(original)
    def train(*args: Any, **kwargs: Any) -> Any:
        if getattr(_fitting, "depth", 0):
            return original(*args, **kwargs)
        data = args[1] if len(args) > 1 else kwargs.get("dtrain", kwargs.get("train_set"))
        held = _container_table(data)
        return _around(lambda: original(*args, **kwargs), lambda booster: Trained(booster, held), _qualname(original))

    return train


def _method(read: Callable[[Any, dict[str, Any]], Trained], name: str) -> Callable[[Any], Any]:
    """The hook of the training method `name` of a deep-learning library (training.py reads what it trained)."""

    def wrap(original: Any) -> Any:
        @functools.wraps(original)
        def method(self: Any, *args: Any, **kwargs: Any) -> Any:
            if getattr(_fitting, "depth", 0):
                return original(self, *args, **kwargs)
            cls = type(self)
            return _around(
                lambda: original(self, *args, **kwargs),
                lambda _: read(self, training.arguments(original, self, args, kwargs)),
                f"{cls.__module__}.{cls.__qualname__}.{name}",
            )

        return method

    return wrap


def _around(call: Any, found: Callable[[Any], Trained], function: str) -> Any:
    """Run the outermost fit/train `call`, then capture what `found(result)` says it trained."""
    link_before, last_before, started_ns = active_link(), _last_run_id(), time.time_ns()
    _fitting.depth, _fitting.inputs = 1, []
    try:
        result = call()
    finally:
        _fitting.depth, inputs = 0, _fitting.inputs
        _fitting.inputs = []
    with capturing(None, f"the training in {function}", function):
        trained = found(result)
        with _lock:
            waiting = next(
                (w for w in (_waiting.pop(id(m), None) for m in (trained.model, *trained.aliases)) if w), None
            )
        link = link_before or _run_opened_by_mlflow(last_before)
        if link is not None:
            with capturing(_runs.get(link.run_id), f"the fit of {type(trained.model).__name__}", function):
                _capture_fit(trained, inputs, link, started_ns, waiting, function, ended_run=link_before is None)
    return result


def _fit_tables(args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[tuple[str, Any]]:
    from uitlegbaar.capture.tables import is_table

    X = args[0] if args else kwargs.get("X")
    y = args[1] if len(args) > 1 else kwargs.get("y")
    return [(name, t) for name, t in (("X", X), ("y", y)) if is_table(t)]


def _container_table(data: Any) -> list[tuple[str, Any]] | BaseException:
    """[("train", table)] of a DMatrix or lgb.Dataset, [] when it holds none, or what went wrong (a gap later)."""
    try:
        from uitlegbaar.capture.models import holds_data, table_of

        if data is None or not holds_data(data):
            return []
        table = table_of(data)
        return [] if table is None else [("train", table)]
    except Exception as exc:  # recorded as a gap once the run is known; never a failed training
        return exc


def _capture_fit(
    trained: Trained,
    inputs: list[tuple[MlflowLink, Any]],
    link: MlflowLink,
    started_ns: int,
    waiting: tuple[Any, dict[str, Any]] | None,
    function: str,
    *,
    ended_run: bool,
) -> None:
    """Record the data and the model of one outermost fit (and the inputs MLflow logged during it); when MLflow
    opened (and already closed) a run of its own around the fit, the evidence is finished and sent to that run."""
    from uitlegbaar.capture.datasets import capture_table
    from uitlegbaar.capture.decorators import record_model

    run = _target(link)
    for logged_link, dataset in inputs:
        if logged_link == link:
            with capturing(run, f"the MLflow input {getattr(dataset, 'name', '')}", function):
                _capture_input(link, dataset)
    model, name = trained.model, type(trained.model).__name__
    for what, why in trained.gaps:
        run.note_gap(what, why, function)
    if isinstance(trained.data, BaseException):
        run.note_gap("the training data", f"{type(trained.data).__name__}: {trained.data}", function)
        tables: list[tuple[str, Any]] = []
    else:
        tables = training.read(run, trained.data, name, function)
    held_out = training.read(run, trained.held_out, name, function)
    record = record_model(
        run,
        model,
        name=name,
        tables=tables,
        function=function,
        start_ns=started_ns,
        end_ns=time.time_ns(),
    )
    for argument, table in held_out:
        with capturing(run, f"the data in {argument} of {name}", function):
            capture_table(run, table, name=f"{name}.{argument}", role="derived", produced_by=function)
    with _lock:
        _model_records[id(model)] = (model, record.id)
        for alias in trained.aliases:
            if alias is not None and alias is not model:
                _model_records[id(alias)] = (alias, record.id)
        while len(_model_records) > REMEMBERED:
            _model_records.popitem(last=False)
    if waiting is not None:
        _record_logged_model(run, record.id, *waiting)
    if ended_run:
        _finish(link, "FINISHED")


def _model_log(original: Any) -> Any:
    @functools.wraps(original)
    def log(cls: Any, *args: Any, **kwargs: Any) -> Any:
        info = original(cls, *args, **kwargs)
        link = active_link()
        if link is not None:
            with capturing(_runs.get(link.run_id), "the logged MLflow model"):
                _capture_logged_model(info, kwargs, link)
        return info

    return log


def _capture_logged_model(info: Any, kwargs: dict[str, Any], link: MlflowLink) -> None:
    model = _logged_object(kwargs)
    with _lock:
        known = _model_records.get(id(model)) if model is not None else None
        if known is None and model is not None and getattr(_fitting, "depth", 0):
            _waiting[id(model)] = (info, kwargs)  # the fit hook records the model, then this
            return
    run = _target(link)
    model_id = known[1] if known is not None and known[0] is model else None
    if model_id is None and model is not None:
        from uitlegbaar.capture.decorators import record_model

        now = time.time_ns()
        model_id = record_model(
            run,
            model,
            name=type(model).__name__,
            tables=[],
            function="mlflow.models.Model.log",
            start_ns=now,
            end_ns=now,
        ).id
    _record_logged_model(run, model_id, info, kwargs)


def _logged_object(kwargs: dict[str, Any]) -> Any:
    """The model object a `log_model` call logs (a transformers pipeline's or components dict's model; a path to
    a checkpoint: none)."""
    model = next((kwargs[k] for k in MODEL_ARGUMENTS if kwargs.get(k) is not None), None)
    if isinstance(model, dict):
        model = model.get("model")
    elif hasattr(model, "model") and type(model).__module__.startswith("transformers.pipelines"):
        model = model.model
    return None if isinstance(model, (str, os.PathLike)) else model


def _record_logged_model(run: ActiveRun, model_id: str | None, info: Any, kwargs: dict[str, Any]) -> None:
    from uitlegbaar.evidence.records import LoggedModelRecord

    signature = info.signature.to_dict() if getattr(info, "signature", None) is not None else {}
    version = getattr(info, "registered_model_version", None)
    run.append(
        LoggedModelRecord,
        model_id=model_id,
        logged_model_id=getattr(info, "model_id", None),
        model_uri=info.model_uri,
        flavors=sorted(info.flavors or {}),
        signature={k: str(v) for k, v in signature.items() if v is not None},
        registered_name=kwargs.get("registered_model_name"),
        registered_version=None if version is None else str(version),
    )


def _log_input(original: Any) -> Any:
    @functools.wraps(original)
    def log_input(dataset: Any = None, *args: Any, **kwargs: Any) -> Any:
        result = original(dataset, *args, **kwargs)
        link = active_link()
        if link is not None and getattr(_fitting, "depth", 0):  # MLflow's autologging inside a fit: captured with it
            _fitting.inputs.append((link, dataset))
        elif link is not None:
            with capturing(_runs.get(link.run_id), f"the MLflow input {getattr(dataset, 'name', '')}"):
                _capture_input(link, dataset)
        return result

    return log_input


def _capture_input(link: MlflowLink, dataset: Any) -> None:
    """A logged MLflow dataset's tables as source datasets with its declared source (its targets, when held apart
    from its features as `from_numpy` does, as a dataset of their own); nothing for one without data in memory."""
    from uitlegbaar.capture.datasets import capture_table

    name = str(getattr(dataset, "name", "") or "dataset")
    tables = _data_of(dataset)
    if not tables:
        return
    run = _target(link)
    for suffix, data in tables:
        with capturing(run, f"the MLflow input {name}{suffix}"):
            capture_table(run, data, name=name + suffix, source=_source_of(dataset))


def _end_run(original: Any) -> Any:
    @functools.wraps(original)
    def end_run(*args: Any, **kwargs: Any) -> Any:
        link = active_link()
        if link is not None:
            status = kwargs.get("status") or (args[0] if args else "FINISHED")
            with capturing(_runs.get(link.run_id), "the end of the MLflow run"):
                _finish(link, str(status))
        return original(*args, **kwargs)

    return end_run


# ---------------------------------------------------------------- runs


def _target(link: MlflowLink) -> ActiveRun:
    """The uitlegbaar run to capture into: the user's open run linked to this MLflow run; else, while the MLflow
    run is active, the implicit run (decorators without `ub.run` capture into the same one); else autolog's own."""
    current = current_run()
    if current is not None and current.link("mlflow") == link:
        return current
    if current is None and active_link() == link:
        return active_run()  # opened linked to the active MLflow run
    with _lock:
        run = _runs.get(link.run_id)
        if run is None or run.closed:
            run = _runs[link.run_id] = ActiveRun(
                f"mlflow run {link.run_id}", links={"mlflow": link}, tags={"uitlegbaar.capture": "mlflow autolog"}
            )
    return run


def _finish(link: MlflowLink, status: str) -> None:
    """Record the MLflow run's metrics, then close (and so send) the uitlegbaar runs that belong to it: the implicit
    run of this MLflow run and autolog's own."""
    from uitlegbaar.capture.runs import end_run as end_implicit_run

    with _lock:
        own = _runs.pop(link.run_id, None)
    current = current_run()
    implicit = current if current is not None and current.implicit and current.link("mlflow") == link else None
    runs = [r for r in (implicit, own) if r is not None and not r.closed]
    if runs:
        with capturing(runs[0], "the MLflow run's parameters, inputs and metrics"):
            _record_mlflow_run(runs[0], link)
    failed = status.upper() in ("FAILED", "KILLED")
    for run in runs:
        if run is implicit:
            end_implicit_run("failed" if failed else "finished")
        else:
            run.close("failed" if failed else "finished", f"MLflow run {status.lower()}" if failed else None)


def _record_mlflow_run(run: ActiveRun, link: MlflowLink) -> None:
    """What the tracking server holds for the run (read within the upload time budget): its parameters and logged
    inputs with MLflow's own digests, and its latest metrics as an evaluation."""
    from uitlegbaar.evidence.records import EvaluationRecord, MlflowInput, MlflowRunRecord

    found: list[Any] = []

    def read() -> None:
        from mlflow.tracking import MlflowClient

        found.append(MlflowClient(tracking_uri=link.tracking_uri).get_run(link.run_id))

    reader = threading.Thread(target=read, name="uitlegbaar-mlflow-run", daemon=True)
    reader.start()
    reader.join(timeout_s())
    if not found:
        raise TimeoutError(f"the tracking server did not return the run within {timeout_s():g} s")
    mlflow_run = found[0]
    inputs = [
        MlflowInput(
            name=i.dataset.name,
            digest=i.dataset.digest,
            source_type=i.dataset.source_type,
            source=_source_text(i.dataset.source),
            context=next((t.value for t in i.tags if t.key == "mlflow.data.context"), None),
        )
        for i in (mlflow_run.inputs.dataset_inputs if mlflow_run.inputs else [])
    ]
    run.append(
        MlflowRunRecord,
        mlflow_run_id=link.run_id,
        experiment_id=link.experiment_id,
        params={str(k): str(v) for k, v in sorted(mlflow_run.data.params.items())},
        inputs=inputs,
    )
    metrics = {str(k): float(v) for k, v in sorted(mlflow_run.data.metrics.items())}
    if metrics:
        run.append(EvaluationRecord, model_id=run.last_model_id, split="mlflow", metrics=metrics, function="mlflow")


def _source_text(source: str | None) -> str | None:
    """An input's source as MLflow stores it (JSON); code sources, which hold user and file tags, are left out."""
    if not source or '"tags"' in source:
        return None
    return source[:500]


def _last_run_id() -> str | None:
    """The id of the last MLflow run this thread ended (MLflow's own bookkeeping; None if it has none)."""
    import mlflow.tracking.fluent as fluent

    try:
        return fluent._last_active_run_id.get()  # type: ignore[no-any-return]
    except AttributeError:  # a future MLflow without it: runs it opens by itself are then not captured
        return None


def _run_opened_by_mlflow(last_before: str | None) -> MlflowLink | None:
    """The run MLflow's own autologging opened and closed around a fit: a new last run since the fit began (in the
    current experiment; no call to the server)."""
    run_id = _last_run_id()
    if not run_id or run_id == last_before:
        return None
    import mlflow
    import mlflow.tracking.fluent as fluent

    return MlflowLink(mlflow.get_tracking_uri(), str(fluent._get_experiment_id()), str(run_id))


def _data_of(dataset: Any) -> list[tuple[str, Any]]:
    """The in-memory tables of an MLflow dataset, each with what to add to its name: a pandas, polars or Arrow
    frame; NumPy features and their targets; a Hugging Face Dataset's Arrow table. Spark and anything without
    data in memory: none."""
    found: list[tuple[str, Any]] = []
    for attribute, suffix in (("df", ""), ("features", ""), ("targets", " targets")):
        data = getattr(dataset, attribute, None)
        if data is not None and type(data).__module__.split(".")[0] in ("pandas", "numpy", "polars", "pyarrow"):
            found.append((suffix, data))
    held = getattr(dataset, "ds", None) if type(dataset).__name__ == "HuggingFaceDataset" else None
    if held is not None:
        from uitlegbaar.capture.models import holds_data, table_of

        if holds_data(held):
            found.append(("", table_of(held)))
    return found


def _source_of(dataset: Any) -> str | None:
    source = getattr(dataset, "source", None)
    for attribute in ("uri", "url", "path"):
        value = getattr(source, attribute, None)
        if isinstance(value, str) and value:
            return value
    return None


def _qualname(fn: Any) -> str:
    return f"{getattr(fn, '__module__', '')}.{getattr(fn, '__qualname__', '')}"
