"""Runs: the scope evidence is captured in, carried by a context variable.

A run is opened with `with ub.run(...)` (or `async with`), or implicitly by the first capture when
none is active; the implicit run lasts until `ub.end_run()` or the end of the process. Runs nest: a run
opened inside another records its parent and shares its trace. The context variable makes the active
run follow threads started with a copied context and asyncio tasks; a thread with no run of its own
records into the process's implicit run.
"""

from __future__ import annotations

import atexit
import contextlib
import contextvars
import hashlib
import os
import random
import sys
import threading
import warnings
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from uitlegbaar.capture import settings as config
from uitlegbaar.capture import sinks, telemetry
from uitlegbaar.capture.sinks import Link
from uitlegbaar.errors import CaptureError, UitlegbaarWarning
from uitlegbaar.evidence.records import DatasetRef, GapRecord, Record, RunEndRecord, RunRecord, body_of
from uitlegbaar.store.format import row_of

R = TypeVar("R", bound=Record)

_current: contextvars.ContextVar[ActiveRun | None] = contextvars.ContextVar("uitlegbaar_run", default=None)
_implicit: ActiveRun | None = None
_implicit_lock = threading.Lock()
_writers: dict[Path, Any] = {}
_writers_lock = threading.Lock()
CLOSE_TIMEOUT_S = 10.0

# Ids need to be unique, not secret: a generator of our own (seeded from the OS, again in every forked
# child) is 20 times cheaper than os.urandom, and user code that seeds `random` cannot make ids repeat.
_ids = random.Random(os.urandom(32))


def new_id() -> str:
    """A random 128-bit id as 32 hex digits."""
    return f"{_ids.getrandbits(128):032x}"


class ActiveRun:
    """An open run: appends records to its hash chain and sends them to the store."""

    def __init__(
        self,
        name: str,
        *,
        parent: ActiveRun | None = None,
        implicit: bool = False,
        tags: dict[str, str] | None = None,
        links: dict[str, Link] | None = None,
    ) -> None:
        from opentelemetry import trace

        self.id = new_id()
        self.name = name
        self.parent = parent
        self.implicit = implicit
        self.store_root = config.store_path()
        self.strict = config.strict()
        self.closed = False
        # Personal columns by name and by content digest (so a renamed copy stays personal), shared with
        # the parent run: what any run of the nest learns protects the data in all of them.
        self.personal_columns: set[str] = parent.personal_columns if parent else set()
        self.personal_digests: set[str] = parent.personal_digests if parent else set()
        self.sensitive_columns: set[str] = parent.sensitive_columns if parent else set()
        # Columns the user said are not personal (screening leaves them alone), and columns derived from personal
        # ones (@ub.step(derived_from=...)) → the personal columns behind them, by name and by content digest.
        self.cleared_columns: set[str] = parent.cleared_columns if parent else set()
        self.derived_personal: dict[str, tuple[str, ...]] = parent.derived_personal if parent else {}
        self.derived_digests: dict[str, tuple[str, ...]] = parent.derived_digests if parent else {}
        self.datasets: dict[str, DatasetRef] = {}
        self.last_model_id: str | None = None
        # The outside runs this run belongs to, by sink (an MLflow run, say): recorded in the tags and the spans,
        # and the evidence is sent to each when the run is sealed. Nested runs belong where their parent does.
        self.links: dict[str, Link] = links or (parent.links if parent else _links())
        self._lock = threading.Lock()
        self._seq = 0
        self._head: str | None = None
        self._store_error: BaseException | None = None  # the first failure to write, kept for the report
        parent_context = trace.set_span_in_context(parent.span) if parent is not None else None
        self.span: Any = telemetry.tracer().start_span(f"uitlegbaar.run {name}", context=parent_context)
        # spans of a run linked to MLflow say which experiment and run they belong to (traces sent to MLflow)
        self.span_attributes: dict[str, str] = {
            k: v for link in self.links.values() for k, v in link.span_attributes().items()
        }
        self.span.set_attributes({"uitlegbaar.run_id": self.id, **self.span_attributes})
        self.recording = bool(self.span.is_recording())
        self.trace_id = f"{self.span.get_span_context().trace_id:032x}"
        self.span_id = self.span.get_span_context().span_id
        self.context = trace.set_span_in_context(self.span)
        try:
            self._sink = _SyncSink(self.store_root) if self.strict else _writer_for(self.store_root)
        except Exception as exc:
            self.span.end()
            raise CaptureError(f"uitlegbaar cannot write evidence to {self.store_root}: {exc}") from exc
        provenance = None
        with capturing(self, "run provenance"):
            from uitlegbaar.capture.provenance import collect

            provenance = collect()
        self.append(
            RunRecord,
            name=name,
            parent_run_id=parent.id if parent else None,
            implicit=implicit,
            tags={**{k: v for link in self.links.values() for k, v in link.tags().items()}, **(tags or {})},
            provenance=provenance,
        )

    def record(
        self,
        kind: type[R],
        span_name: str,
        attributes: dict[str, Any] | None = None,
        start_ns: int | None = None,
        end_ns: int | None = None,
        **fields: Any,
    ) -> R:
        """Append a record under a span of its own (by default the span of the call it describes,
        from `start_ns` to `end_ns`), whose attributes summarise it."""
        record_id = new_id()
        if not self.recording:  # nothing would see the span: give the record its ids without the SDK
            return self.append(kind, span_id=_ids.getrandbits(64) or 1, id=record_id, **fields)
        span = telemetry.tracer().start_span(
            span_name,
            context=self.context,
            start_time=start_ns,
            attributes={
                **self.span_attributes,
                "uitlegbaar.run_id": self.id,
                "uitlegbaar.record_id": record_id,
                **(attributes or {}),
            },
        )
        try:
            return self.append(kind, span_id=span.get_span_context().span_id, id=record_id, **fields)
        finally:
            span.end(end_time=end_ns)

    def append(self, kind: type[R], span_id: int | None = None, id: str | None = None, **fields: Any) -> R:
        """Add a record to this run's chain and queue it for the store (`span_id`: the span it belongs
        to, by default the run's)."""
        with self._lock:
            record = kind(
                id=id or new_id(),
                run_id=self.id,
                seq=self._seq,
                created=datetime.now(timezone.utc),
                prev=self._head,
                trace_id=self.trace_id,
                span_id=f"{span_id or self.span_id:016x}",
                **fields,
            )
            body = body_of(record)
            # The digest is known only once the body is; set it before anyone else sees the record.
            object.__setattr__(record, "digest", hashlib.sha256(body).hexdigest())
            self._seq += 1
            self._head = record.digest
            self._sink.submit(self.id, row_of(record, body))
        self._report_store_errors()
        return record

    def note_gap(
        self,
        what: str,
        message: str,
        function: str | None = None,
        *,
        error_type: str = "not captured",
        warning: str | None = None,
    ) -> None:
        """Record that `what` was left out and why (no error: e.g. an argument the analysis needs was not passed),
        with one warning (by default: `uitlegbaar did not capture {what}: {message}`)."""
        _warn(warning or f"uitlegbaar did not capture {what}: {message}")
        self.append(GapRecord, what=what, function=function, error_type=error_type, message=message)

    def flush(self, timeout: float | None = CLOSE_TIMEOUT_S) -> bool:
        """Wait until every record captured so far is written (True), or `timeout` seconds pass."""
        done = self._sink.flush(timeout)
        self._report_store_errors()
        return bool(done) and not self._sink.unwritten(self.id)

    def close(self, status: str = "finished", error_type: str | None = None) -> None:
        """Append the closing record, wait (bounded) for the store, seal the run, end its span."""
        if self.closed:
            return
        self.span.set_attribute("uitlegbaar.records", self._seq)
        self.span.end()
        try:
            failed = telemetry.flush()
            if failed:
                _fail_or_warn(
                    self,
                    "OpenTelemetry spans",
                    ConnectionError(
                        f"{failed} batch(es) of spans were not exported within {telemetry.FLUSH_TIMEOUT_MS} ms; "
                        "is the OTLP endpoint reachable?"
                    ),
                )
            self._note_store_failure()
            self.append(RunEndRecord, status=status, error_type=error_type, records=self._seq)
        finally:
            self.closed = True
            if self._finish_store() and self.links:
                self._send_to_sinks()

    def _finish_store(self) -> bool:
        """Wait (bounded) for the writer and seal the run; True when it is sealed in the store."""
        sink = self._sink
        if not sink.flush(CLOSE_TIMEOUT_S):
            _warn(
                f"uitlegbaar: the store at {self.store_root} did not finish writing run {self.id} "
                f"within {CLOSE_TIMEOUT_S:.0f} s; the rest is written in the background"
            )
            return False
        self._report_store_errors()
        if sink.unwritten(self.id):
            where = sink.spill(self.id)
            cause = self._store_error
            _warn(
                f"uitlegbaar could not write run {self.id} to {self.store_root} ({type(cause).__name__}: "
                f"{cause}); training went on and its records were saved to {where} instead (copy them "
                "into the store when it is writable again)"
            )
            return False
        try:
            sink.seal(self.id)
        except Exception as exc:
            _fail_or_warn(self, f"sealing run {self.id}", exc)
            return False
        return True

    def link(self, sink_name: str) -> Link | None:
        """The outside run this run belongs to in sink `sink_name` (e.g. `mlflow`), if any."""
        return self.links.get(sink_name)

    def _send_to_sinks(self) -> None:
        """Send the sealed evidence to each linked outside run (bounded in time by the sink); when that fails, the
        sink keeps it for later and one warning says so."""
        for name, link in self.links.items():
            problem: str | None = f"no sink named {name} is registered"
            target = sinks.sink(name)
            try:
                if target is not None:
                    problem = target.send(self.store_root, self.id, link, top_level=self.parent is None)
            except Exception as exc:
                problem = f"{type(exc).__name__}: {exc}"
            if problem is not None:
                _warn(
                    f"uitlegbaar could not send run {self.id}'s evidence to {link.describe()} "
                    f"({problem}); it is safe in {self.store_root} and `uitlegbaar sync` uploads it"
                )

    def _report_store_errors(self) -> None:
        """Keep the writer's first failure; it is reported once, when the run ends, if it still matters
        (a store that recovered and took every record needs no warning)."""
        errors = self._sink.take_errors()
        if errors and self._store_error is None:
            self._store_error = errors[0]

    def _note_store_failure(self) -> None:
        """Before the run's last record: when records are still unwritten, say so in a gap record
        (it travels with them to wherever they end up)."""
        if self._sink.flush(CLOSE_TIMEOUT_S) and self._sink.unwritten(self.id):
            self._report_store_errors()
            exc = self._store_error
            self.append(
                GapRecord,
                what=f"writing to the store {self.store_root}",
                function=None,
                error_type=type(exc).__name__ if exc else "unknown",
                message=str(exc)[:1000],
            )


class _SyncSink:
    """Strict mode: write each record at once in the caller's thread, so failures raise there."""

    def __init__(self, root: Path) -> None:
        from uitlegbaar.store.local import LocalStore

        self.store = LocalStore.open(root, create=True)

    def submit(self, run_id: str, item: Any) -> None:
        self.store.append(run_id, [item])

    def flush(self, timeout: float | None = None) -> bool:
        return True

    def take_errors(self) -> list[BaseException]:
        return []

    def unwritten(self, run_id: str) -> int:
        return 0

    def spill(self, run_id: str) -> Path | None:
        return None

    def seal(self, run_id: str) -> None:
        self.store.seal(run_id)


def _links() -> dict[str, Link]:
    """What the registered sinks link a new top-level run to; a failing sink links nothing (capture goes on)."""
    try:
        return sinks.links()
    except Exception as exc:
        _warn(f"uitlegbaar could not ask its sinks where run evidence goes ({type(exc).__name__}: {exc})")
        return {}


def _writer_for(root: Path) -> Any:
    from uitlegbaar.store.local import LocalStore
    from uitlegbaar.store.writer import BackgroundWriter

    key = root.resolve()
    with _writers_lock:
        writer = _writers.get(key)
        if writer is None:
            writer = _writers[key] = BackgroundWriter(LocalStore(root))
    return writer


# ------------------------------------------------------------------ failures


class capturing:
    """`with capturing(run, what):` — a failure inside becomes a warning and a gap record (strict: raises)."""

    def __init__(self, run: ActiveRun | None, what: str, function: str | None = None) -> None:
        self.run, self.what, self.function = run, what, function

    def __enter__(self) -> capturing:
        return self

    def __exit__(self, et: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> bool:
        if exc is None or not isinstance(exc, Exception):
            return False
        _fail_or_warn(self.run, self.what, exc, self.function)
        return True


def _fail_or_warn(run: ActiveRun | None, what: str, exc: Exception, function: str | None = None) -> None:
    if isinstance(exc, CaptureError) or (run.strict if run is not None else config.strict()):
        if isinstance(exc, CaptureError):
            raise exc
        raise CaptureError(f"uitlegbaar could not capture {what}: {type(exc).__name__}: {exc}") from exc
    _warn(f"uitlegbaar did not capture {what} ({type(exc).__name__}: {exc}); training goes on, the gap is recorded")
    if run is not None and not run.closed:
        with contextlib.suppress(Exception):  # the store itself may be what failed; the warning has said it
            run.append(GapRecord, what=what, function=function, error_type=type(exc).__name__, message=str(exc)[:1000])


def _warn(message: str) -> None:
    warnings.warn(message, UitlegbaarWarning, stacklevel=4)


# ------------------------------------------------------------------ the active run


def current_run() -> ActiveRun | None:
    """The run captures go to right now, if one is open (explicit or implicit)."""
    run = _current.get()
    if run is not None and not run.closed:
        return run
    implicit = _implicit
    return implicit if implicit is not None and not implicit.closed else None


def active_run() -> ActiveRun:
    """The current run, opening the implicit one when none is open."""
    global _implicit
    run = current_run()
    if run is not None:
        return run
    with _implicit_lock:
        if _implicit is None or _implicit.closed:
            _implicit = ActiveRun(_default_name(), implicit=True)
        return _implicit


def _default_name() -> str:

    script = Path(sys.argv[0]).stem if sys.argv and sys.argv[0] else ""
    return script or "interactive"


def end_run(status: str = "finished") -> None:
    """Close the implicit run now (it closes itself when the process ends)."""
    global _implicit
    with _implicit_lock:
        run, _implicit = _implicit, None
    if run is not None:
        run.close(status)


class run:
    """Open a run for the block: `with ub.run("training 2026-11") as r:` (also `async with`).

    The run ends `finished`, or `failed` with the exception type when the block raises (the exception
    goes on). Runs nest; the inner one records the outer as its parent.
    """

    def __init__(self, name: str | None = None, *, tags: dict[str, str] | None = None) -> None:
        if name is not None and not isinstance(name, str):
            raise TypeError(f"ub.run(name=...) takes a string, not {type(name).__name__}")
        self.name = name
        self.tags = tags
        self._token: contextvars.Token[ActiveRun | None] | None = None
        self.active: ActiveRun | None = None

    def __enter__(self) -> ActiveRun:
        self.active = ActiveRun(self.name or _default_name(), parent=current_run(), tags=self.tags)
        self._token = _current.set(self.active)
        return self.active

    def __exit__(self, et: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        assert self.active is not None and self._token is not None
        try:
            _current.reset(self._token)
        except ValueError:  # exited in another context than entered (generators); fall back to clearing
            _current.set(self.active.parent)
        if exc is None:
            self.active.close("finished")
        else:
            self.active.close("failed", type(exc).__name__)

    async def __aenter__(self) -> ActiveRun:
        return self.__enter__()

    async def __aexit__(
        self, et: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.__exit__(et, exc, tb)


# ------------------------------------------------------------------ process life


def _at_exit() -> None:
    try:
        end_run()
    except Exception as exc:  # nothing may fail the interpreter's exit
        warnings.warn(f"uitlegbaar could not close its run at exit: {exc}", UitlegbaarWarning, stacklevel=1)


def _after_fork_in_child() -> None:
    """A forked child has no writer threads and must not write into its parent's runs or repeat its ids."""
    global _implicit
    _ids.seed(os.urandom(32))
    _implicit = None
    _writers.clear()
    _current.set(None)


atexit.register(_at_exit)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
