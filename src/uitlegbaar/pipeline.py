"""The one loader: open a store, resolve what the user names, load its evidence, find its declaration, and hand
the pure layers (documents, gates) what they compile from. Every command goes through here, and so can you:

    from uitlegbaar import pipeline

    store = pipeline.open_store()                        # ./.uitlegbaar, UITLEGBAAR_STORE, or "mlflow"
    inputs = pipeline.load(store, "latest", declaration="uitlegbaar.yaml")
    html, _ = pipeline.make("card", inputs, "html", lang="nl")
"""

from __future__ import annotations

import dataclasses
import os
import re
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from uitlegbaar import progress
from uitlegbaar.documents.formats import Compiled, Inputs, compile_document, make, render
from uitlegbaar.errors import ConfigurationError, StoreError
from uitlegbaar.evidence import declaration as declarations
from uitlegbaar.evidence.policy import Policy, tighten
from uitlegbaar.evidence.view import Evidence
from uitlegbaar.store.local import LocalStore
from uitlegbaar.store.protocol import Store

if TYPE_CHECKING:
    from uitlegbaar.evidence.records import Record
    from uitlegbaar.gates.coverage import CheckReport
    from uitlegbaar.gates.provenance import DocumentReport

DEFAULT_STORE = ".uitlegbaar"
STORE_PLUGINS = "uitlegbaar.stores"
"""Entry-point group of the stores other packages provide, by the name `--store` takes (`mlflow` is ours)."""

__all__ = [
    "Compiled",
    "Inputs",
    "check",
    "check_document",
    "compile_document",
    "compile_run",
    "find_declaration",
    "load",
    "load_evidence",
    "load_policy",
    "make",
    "open_store",
    "previous_version",
    "render",
    "store_folder",
    "verified_records",
]

PathLike = str | os.PathLike[str]
_PLUGIN_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


def open_store(location: str | None = None, *, tracking_uri: str | None = None) -> Store:
    """The store at `location`: a folder (default `UITLEGBAAR_STORE`, else `./.uitlegbaar`), or the name of a store
    a plugin provides, such as `mlflow` (a tracking server: `tracking_uri`, else `MLFLOW_TRACKING_URI`)."""
    chosen = location or os.environ.get("UITLEGBAAR_STORE") or DEFAULT_STORE
    plugin = _store_plugin(chosen)
    if plugin is None:
        return LocalStore.open(Path(chosen))
    opened: Store = plugin.load()(tracking_uri)
    return opened


def _store_plugin(name: str) -> metadata.EntryPoint | None:
    """The store plugin `name` names; a path (`.uitlegbaar`, `runs/store`) names none, without reading every
    installed package's entry points."""
    if not _PLUGIN_NAME.fullmatch(name):
        return None
    return next((p for p in metadata.entry_points(group=STORE_PLUGINS) if p.name == name), None)


def store_folder(location: str | None = None) -> Path:
    """The local store folder `location` names (default as `open_store`); `ConfigurationError` when it names a
    store plugin instead (what only a local store has, such as evidence waiting to be sent, is asked of it)."""
    chosen = location or os.environ.get("UITLEGBAAR_STORE") or DEFAULT_STORE
    if _store_plugin(chosen) is not None:
        raise ConfigurationError(f"this works on the local store folder, not on --store {chosen}: leave --store out")
    return Path(chosen)


def verified_records(store: Store, run_id: str, *, verify: bool = True) -> list[Record]:
    """A run's records, once its hash chain verifies (only the run's own files are read); one `StoreError` naming
    the damage otherwise, so that no document is compiled from evidence that fails verification. `verify=False`
    skips the check (forensics: look at damaged evidence)."""
    if verify:
        problems = store.verify([run_id]).problems
        if problems:
            more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
            raise StoreError(
                f"run {run_id}'s evidence does not verify, so nothing is compiled from it: {problems[0].detail}"
                f"{more}; `uitlegbaar verify {run_id}` lists every problem (--no-verify shows it anyway, for "
                "forensics)"
            )
    return store.load(run_id)


def load_evidence(store: Store, ref: str, *, verify: bool = True) -> Evidence:
    """The evidence of the run `ref` names (an id, a unique prefix, `latest`, `latest~N`, or what the store knows),
    verified first (see `verified_records`)."""
    return Evidence.of(verified_records(store, store.resolve(ref), verify=verify))


def previous_version(store: Store, evidence: Evidence, *, verify: bool = True) -> Evidence | None:
    """The latest finished run in `store` before `evidence`'s that trained a model of the same name (verified
    before it is used, as every run a document is compiled from)."""
    import bisect

    if evidence.model is None:
        return None
    runs = store.summaries()  # oldest first
    earlier = bisect.bisect_left([(s.started, s.run_id) for s in runs], (evidence.run.created, evidence.run_id))
    candidates = [s for s in reversed(runs[:earlier]) if s.status == "finished" and s.kinds.get("model")]
    for summary in progress.each("earlier versions", candidates, unit="runs"):
        candidate = Evidence.of(verified_records(store, summary.run_id, verify=verify))
        if candidate.model is not None and candidate.model.name == evidence.model.name:
            return candidate
    return None


def find_declaration(
    evidence: Evidence, path: PathLike | None = None, algorithm: str | None = None
) -> tuple[declarations.Declaration, str | None]:
    """The declaration that describes the run's model: from `path`; else the one the run was captured with (it
    records where that file was, relative to the git root); else the nearest uitlegbaar.yaml from the working
    folder; an empty one when there is none (documents then list everything as missing). Also returns the file."""
    found = path or recorded_declaration(evidence) or declarations.find()
    if found is None:
        return declarations.Declaration(), None
    loaded = declarations.load(found)
    key = algorithm or (evidence.model.name if evidence.model else None)
    return loaded.select(key), str(found)


def recorded_declaration(evidence: Evidence) -> Path | None:
    """The uitlegbaar.yaml the run was captured with, when it is here: relative to this git checkout's root, or
    to the working folder."""
    provenance = evidence.run.provenance
    recorded = provenance.declaration if provenance is not None else None
    if not recorded:
        return None
    from uitlegbaar.capture.provenance import git_root

    bases = [b for b in (git_root(Path.cwd()), Path.cwd()) if b is not None]
    candidates = [Path(recorded)] if Path(recorded).is_absolute() else [base / recorded for base in bases]
    here = next((c for c in candidates if c.is_file()), None)
    return Path(os.path.relpath(here)) if here is not None and here.is_relative_to(Path.cwd()) else here


def inputs_of(
    store: Store,
    evidence: Evidence,
    *,
    declaration: PathLike | None = None,
    algorithm: str | None = None,
    history: bool = True,
    verify: bool = True,
    **options: Any,
) -> Inputs:
    """What documents are compiled from, for evidence already loaded (`history`: look up the previous version)."""
    declared, path = find_declaration(evidence, declaration, algorithm)
    previous = previous_version(store, evidence, verify=verify) if history else None
    return Inputs(evidence, declared, path, previous, dict(options))


def load(
    store: Store,
    ref: str,
    *,
    declaration: PathLike | None = None,
    algorithm: str | None = None,
    history: bool = True,
    verify: bool = True,
    **options: Any,
) -> Inputs:
    """Resolve `ref`, load its evidence (verified unless `verify=False`) and declaration, and (with `history`) the
    previous version's evidence. `options` go to the document kinds that take them (`dataset=` for Croissant)."""
    evidence = load_evidence(store, ref, verify=verify)
    return inputs_of(
        store, evidence, declaration=declaration, algorithm=algorithm, history=history, verify=verify, **options
    )


def compile_run(
    store: Store,
    ref: str,
    kind: str,
    fmt: str | None = None,
    *,
    declaration: PathLike | None = None,
    algorithm: str | None = None,
    verify: bool = True,
    **options: Any,
) -> Compiled:
    """Load run `ref` and compile its document `kind` (`card`, `register`, `systemcard`, `export` with `fmt`,
    `lineage`): `compile_run(store, "latest", "card").document` is a `ModelCard`."""
    inputs = load(
        store, ref, declaration=declaration, algorithm=algorithm, history=kind == "card", verify=verify, **options
    )
    return compile_document(kind, inputs, fmt)


def load_policy(path: PathLike) -> Policy:
    """A platform team's shared policy: a YAML file with only a `policy:` section, in uitlegbaar.yaml's shape
    (validated the same way: each problem with file, line and field)."""
    loaded = declarations.load(path)
    where = f"{path}: a policy file"
    if set(loaded.algorithms) != {"default"}:
        raise ConfigurationError(f"{where} holds one `policy:` section, not algorithms:")
    found = loaded.algorithms["default"]
    other = sorted(found.model_fields_set - {"policy"})
    if other:
        raise ConfigurationError(f"{where} holds only `policy:`; put {', '.join(other)} in uitlegbaar.yaml")
    if found.policy is None:
        raise ConfigurationError(f"{where} needs a `policy:` section")
    return found.policy


def check(
    store: Store,
    ref: str,
    keys: list[str],
    *,
    declaration: PathLike | None = None,
    algorithm: str | None = None,
    policy: PathLike | None = None,
    outcomes: bool = True,
    verify: bool = True,
) -> CheckReport:
    """Check run `ref` against the frameworks `keys` name, all of them required (`uitlegbaar check`), and judge
    its outcome by the policy: the declaration's, with the shared `policy` file as the floor it may only tighten
    (`outcomes=False`: coverage only)."""
    from uitlegbaar.gates.coverage import check_run, frameworks_for

    chosen = frameworks_for(keys)
    shared = load_policy(policy) if policy is not None and outcomes else None
    inputs = load(store, ref, declaration=declaration, algorithm=algorithm, history=False, verify=verify)
    team = inputs.declaration.policy
    effective, notes = tighten(shared, team, f"--policy {policy}")
    if (outcomes and effective.uses_history) or any(f.uses_history for f in chosen):
        inputs = dataclasses.replace(inputs, previous=previous_version(store, inputs.evidence, verify=verify))
    if not outcomes:
        return check_run(inputs, chosen)
    sources = [s for s, used in ((f"--policy {policy}", shared), (f"{inputs.declaration_path}: policy", team)) if used]
    return check_run(inputs, chosen, policy=effective, sources=sources or ["the default policy"], notes=notes)


def check_document(
    store: Store,
    path: PathLike,
    run: str | None = None,
    *,
    declaration: PathLike | None = None,
    algorithm: str | None = None,
) -> DocumentReport:
    """Was the document at `path` compiled from this store's evidence, and not changed since (`verify --document`)?
    `run` names the run of a register entry, which cannot name it itself."""
    from uitlegbaar.gates import provenance

    claim = provenance.read_claim(Path(path))
    if run is None and claim.run_id is None:
        raise ConfigurationError(
            f"{path} is an {provenance.KIND_NAMES[claim.kind]}, which names no run (the register's format has no "
            "field for it); name the run it was made from: uitlegbaar verify RUN --document FILE"
        )
    run_id = store.resolve(run) if run is not None else str(claim.run_id)
    chain = [p.detail for p in store.verify([run_id]).problems] if claim.run_id in (None, run_id) else []
    return provenance.check_claim(
        claim,
        str(path),
        run_id,
        chain,
        lambda: store.load(run_id),
        lambda evidence, history: inputs_of(
            store, evidence, declaration=declaration, algorithm=algorithm, history=history
        ),
    )
