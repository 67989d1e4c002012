"""An MLflow tracking server as the evidence store: `--store mlflow`.

Evidence lives in each MLflow run as artifacts `uitlegbaar/runs/<id>/…` (the sealed files of the local store) with
the tag `uitlegbaar.run_id`. `MlflowStore` resolves what the user names (an uitlegbaar run id, an MLflow run id,
`models:/<name>/<version>`, `models:/<name>@<alias>`, `latest`, `latest~N`), downloads that run's files into a
local cache laid out as a store, and from there reads like the local store (verify included: the files carry
their own digests, so a cache cannot lie).

For an http(s) tracking URI it speaks MLflow's REST API directly, so the CLI does not pay for importing mlflow;
other URIs (a local `file:` or database store) go through the mlflow client.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

from uitlegbaar.integrations.mlflow.link import (
    ARTIFACT_ROOT,
    TAG_FILES,
    TAG_RUN_ID,
    MlflowLink,
    auth_headers,
    without_credentials,
)

from uitlegbaar.errors import StoreError
from uitlegbaar.evidence.view import Evidence
from uitlegbaar.files import write_atomic
from uitlegbaar.store.local import LocalStore
from uitlegbaar.store.protocol import Attach, RunSummary, VerifyReport

_MODEL_URI = re.compile(r"models:/(?P<name>[^/@]+)(?:/(?P<version>\d+)|@(?P<alias>[\w-]+))")
_MODEL_NAME = re.compile(r"models:/(?P<name>[^/@]+)/?")
ENTRY_ARTIFACT = f"{ARTIFACT_ROOT}/register-entry.json"
if TYPE_CHECKING:
    from uitlegbaar.evidence.records import Record

_HEX32 = re.compile(r"[0-9a-f]{32}")
REQUEST_TIMEOUT_S = 30.0
VERSIONS = "model-versions.json"  # models:/<name>/<version> → uitlegbaar run id, for versions already resolved


class MlflowStore:
    """Evidence read back from an MLflow tracking server, through a local cache folder laid out as a store
    (a `Store`, like the local one)."""

    def __init__(self, tracking_uri: str, cache: str | os.PathLike[str] | None = None) -> None:
        folder = Path(cache) if cache is not None else _default_cache(tracking_uri)
        self.cache = LocalStore.open(folder, create=True)
        self.root = self.cache.root
        self.tracking_uri = tracking_uri
        self.location = f"MLflow at {without_credentials(tracking_uri)}"
        self._fetched_list = False
        self.server = (
            _RestServer(tracking_uri)
            if tracking_uri.startswith(("http://", "https://"))
            else _ClientServer(tracking_uri)
        )

    @classmethod
    def for_uri(cls, tracking_uri: str | None) -> MlflowStore:
        uri = tracking_uri or os.environ.get("MLFLOW_TRACKING_URI")
        if not uri:
            raise StoreError("--store mlflow needs a tracking server: set MLFLOW_TRACKING_URI or pass --tracking-uri")
        return cls(uri)

    def resolve(self, ref: str) -> str:
        """The uitlegbaar run `ref` names, with its evidence downloaded."""
        model = _MODEL_URI.fullmatch(ref)
        if model is not None:
            if model["version"] is not None:  # a version's source run never changes: resolved once per cache
                known = self._versions().get(f"{model['name']}/{model['version']}")
                if known is not None and self._cached(known):
                    return known
            mlflow_run = self.server.model_version_run(model["name"], model["version"], model["alias"])
            run_id = self._fetch_mlflow_run(mlflow_run, ref)
            if model["version"] is not None:
                self._remember_version(f"{model['name']}/{model['version']}", run_id)
            return run_id
        if ref.startswith("latest"):
            self.summaries()  # the server's list first
            return self.cache.resolve(ref)
        if _HEX32.fullmatch(ref):
            if self._cached(ref):  # an uitlegbaar run already here: its files never change
                return ref
            tags = self.server.run_tags(ref)
            if tags is not None:
                return self._fetch_mlflow_run(ref, ref, tags)
            found = self.server.search_runs(f"tags.`{TAG_RUN_ID}` = '{ref}'")
            if found:
                self._download(found[0][0], ref)
                return ref
        self.summaries()  # a prefix: of any run on the server
        return self.cache.resolve(ref)

    def mlflow_run_of(self, ref: str) -> str:
        """The MLflow run behind `models:/<name>` (its latest version), `models:/<name>/<version>`, `…@<alias>`, or
        an MLflow run id."""
        latest = _MODEL_NAME.fullmatch(ref)
        if latest is not None:
            return self.server.latest_version_run(latest["name"])
        model = _MODEL_URI.fullmatch(ref)
        if model is not None:
            return self.server.model_version_run(model["name"], model["version"], model["alias"])
        if _HEX32.fullmatch(ref):
            return ref
        raise StoreError(f"{ref!r} names no MLflow model or run (models:/<name>[/<version>|@<alias>] or a run id)")

    def attached_entry(self, ref: str) -> bytes:
        """The register entry attached to the MLflow run of `ref` (`uitlegbaar register … --attach`)."""
        mlflow_run = self.mlflow_run_of(ref)
        try:
            return self.server.download(mlflow_run, ENTRY_ARTIFACT)
        except Exception as exc:
            raise StoreError(
                f"{ref} has no register entry attached (MLflow run {mlflow_run}); the team attaches one with "
                f"`uitlegbaar --store mlflow register {ref} --attach`"
            ) from exc

    def entry_attachment(self, ref: str) -> Attach:
        """Attaches a register entry to the MLflow run the evidence of `ref` was captured in, as
        `uitlegbaar/register-entry.json` (that run is found now, before anything is written)."""
        run_id = self.resolve(ref)
        link = MlflowLink.from_tags(Evidence.of(self.load(run_id)).run.tags)
        if link is None:
            raise StoreError(f"run {run_id} records no MLflow run to attach to")

        def attach(entry: bytes) -> str:
            from mlflow.tracking import MlflowClient

            MlflowClient(tracking_uri=self.tracking_uri).log_text(link.run_id, entry.decode(), ENTRY_ARTIFACT)
            return f"MLflow run {link.run_id}"

        return attach

    def load(self, run_id: str) -> list[Record]:
        return self.cache.load(run_id)

    def summary(self, run_id: str) -> RunSummary:
        return self.cache.summary(run_id)

    def verify(self, run_ids: list[str] | None = None) -> VerifyReport:
        """Verify the downloaded evidence (every run on the server by default): the files carry their own
        digests, so the cache cannot lie."""
        if run_ids is None:
            self.summaries()
        return self.cache.verify(run_ids)

    def summaries(self) -> list[RunSummary]:
        """Every run with uitlegbaar evidence on the server (each downloaded once into the cache), oldest first."""
        if not self._fetched_list:
            from uitlegbaar import progress

            found = self.server.search_runs(f"tags.`{TAG_RUN_ID}` LIKE '%'")
            missing = [(mlflow_run, run_id) for mlflow_run, run_id in found if not self._cached(run_id)]
            for mlflow_run, run_id in progress.each("evidence from MLflow", missing, unit="runs"):
                self._download(mlflow_run, run_id)
            self._fetched_list = True
        return self.cache.summaries()

    def _fetch_mlflow_run(self, mlflow_run: str, ref: str, tags: dict[str, str] | None = None) -> str:
        tags = tags if tags is not None else self.server.run_tags(mlflow_run)
        run_id = (tags or {}).get(TAG_RUN_ID)
        if not run_id:
            raise StoreError(
                f"MLflow run {mlflow_run} (from {ref}) has no uitlegbaar evidence; was it trained with ub.autolog() "
                "or decorators, and has `uitlegbaar sync` run since the server was last unreachable?"
            )
        if not self._cached(run_id):
            files = (tags or {}).get(TAG_FILES, "").split()
            self._download(mlflow_run, run_id, [f"{ARTIFACT_ROOT}/runs/{run_id}/{f}" for f in files] or None)
        return run_id

    def _download(self, mlflow_run: str, run_id: str, paths: list[str] | None = None) -> None:
        """Copy the evidence files of an MLflow run into the cache: `paths`, else every uitlegbaar run folder in its
        artifacts (nested runs travel together). Summaries come last, so a run counts as cached only once all its
        files are."""
        from concurrent.futures import ThreadPoolExecutor

        found = paths if paths is not None else self.server.list_files(mlflow_run, f"{ARTIFACT_ROOT}/runs")
        wanted = [p for p in found if not (self.root / p[len(ARTIFACT_ROOT) + 1 :]).exists()]
        data, summaries = (
            [p for p in wanted if not p.endswith("summary.json")],
            [p for p in wanted if p.endswith("summary.json")],
        )
        with ThreadPoolExecutor(max_workers=4) as pool:
            for batch in (data, summaries):
                list(pool.map(lambda path: self._copy(mlflow_run, path), batch))

    def _copy(self, mlflow_run: str, path: str) -> None:
        target = self.root / path[len(ARTIFACT_ROOT) + 1 :]
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, self.server.download(mlflow_run, path))

    def _versions(self) -> dict[str, str]:
        try:
            found: dict[str, str] = json.loads((self.root / VERSIONS).read_text())
            return found
        except (OSError, ValueError):
            return {}

    def _remember_version(self, version: str, run_id: str) -> None:
        write_atomic(self.root / VERSIONS, json.dumps({**self._versions(), version: run_id}, sort_keys=True).encode())

    def _cached(self, run_id: str) -> bool:
        return (self.root / "runs" / run_id / "summary.json").is_file()


def _default_cache(tracking_uri: str) -> Path:
    base = os.environ.get("UITLEGBAAR_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "uitlegbaar"
    )
    key = hashlib.sha256(without_credentials(tracking_uri).encode()).hexdigest()[:16]
    return Path(base) / "mlflow" / key


class _RestServer:
    """The few calls the store needs, over MLflow's REST API (credentials from MLFLOW_TRACKING_USERNAME/PASSWORD
    or MLFLOW_TRACKING_TOKEN, as the mlflow client takes them)."""

    def __init__(self, uri: str) -> None:
        self.base = uri.rstrip("/")

    def run_tags(self, run_id: str) -> dict[str, str] | None:
        answer = self._get("/api/2.0/mlflow/runs/get", run_id=run_id, missing_ok=True)
        if answer is None:
            return None
        return {t["key"]: t["value"] for t in answer["run"]["data"].get("tags", [])}

    def model_version_run(self, name: str, version: str | None, alias: str | None) -> str:
        if version is not None:
            answer = self._get("/api/2.0/mlflow/model-versions/get", name=name, version=version, missing_ok=True)
        else:
            answer = self._get("/api/2.0/mlflow/registered-models/alias", name=name, alias=alias, missing_ok=True)
        if answer is None:
            what = f"version {version}" if version is not None else f"alias @{alias}"
            raise StoreError(f"the registered model {name!r} has no {what} on {without_credentials(self.base)}")
        run_id = answer["model_version"].get("run_id")
        if not run_id:
            raise StoreError(f"model version {name}/{answer['model_version']['version']} names no source run")
        return str(run_id)

    def latest_version_run(self, name: str) -> str:
        answer = self._get("/api/2.0/mlflow/model-versions/search", filter=f"name='{name}'", max_results="1000") or {}
        versions = answer.get("model_versions", [])
        if not versions:
            raise StoreError(f"no registered model {name!r} on {without_credentials(self.base)}")
        return str(max(versions, key=lambda v: int(v["version"]))["run_id"])

    def search_runs(self, filter_string: str) -> list[tuple[str, str]]:
        """(MLflow run id, uitlegbaar run id) of every run matching, across all experiments."""
        experiments = self._post("/api/2.0/mlflow/experiments/search", {"max_results": 1000}).get("experiments", [])
        ids = [e["experiment_id"] for e in experiments]
        found: list[tuple[str, str]] = []
        token = None
        while ids:
            body: dict[str, Any] = {"experiment_ids": ids, "filter": filter_string, "max_results": 1000}
            if token:
                body["page_token"] = token
            answer = self._post("/api/2.0/mlflow/runs/search", body)
            for run in answer.get("runs", []):
                tags = {t["key"]: t["value"] for t in run["data"].get("tags", [])}
                found.append((run["info"]["run_id"], tags[TAG_RUN_ID]))
            token = answer.get("next_page_token")
            if not token:
                break
        return found

    def list_files(self, run_id: str, path: str) -> list[str]:
        answer = self._get("/api/2.0/mlflow/artifacts/list", run_id=run_id, path=path) or {}
        files: list[str] = []
        for entry in answer.get("files", []):
            files.extend(self.list_files(run_id, entry["path"]) if entry.get("is_dir") else [entry["path"]])
        return files

    def download(self, run_id: str, path: str) -> bytes:
        return self._request("/get-artifact", {"path": path, "run_uuid": run_id}, None)

    def _get(self, route: str, *, missing_ok: bool = False, **query: str | None) -> Any:
        try:
            return json.loads(self._request(route, {k: v for k, v in query.items() if v is not None}, None))
        except StoreError as exc:
            if missing_ok and any(code in str(exc) for code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE")):
                return None
            raise

    def _post(self, route: str, body: dict[str, Any]) -> Any:
        return json.loads(self._request(route, {}, json.dumps(body).encode()))

    def _request(self, route: str, query: dict[str, str], body: bytes | None) -> bytes:
        url = f"{self.base}{route}" + (f"?{urllib.parse.urlencode(query)}" if query else "")
        request = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET")
        request.add_header("Content-Type", "application/json")
        for key, value in auth_headers().items():
            request.add_header(key, value)
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_S) as response:
                data: bytes = response.read()
                return data
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:500].decode(errors="replace")
            raise StoreError(f"the tracking server answered {exc.code} to {route}: {detail}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise StoreError(f"cannot reach the tracking server at {without_credentials(self.base)} ({exc})") from None


class _ClientServer:
    """The same calls through the mlflow client, for tracking URIs that are not an http(s) server."""

    def __init__(self, uri: str) -> None:
        from mlflow.tracking import MlflowClient

        self.client = MlflowClient(tracking_uri=uri)

    def run_tags(self, run_id: str) -> dict[str, str] | None:
        from mlflow.exceptions import MlflowException

        try:
            return dict(self.client.get_run(run_id).data.tags)
        except MlflowException:
            return None

    def model_version_run(self, name: str, version: str | None, alias: str | None) -> str:
        found = (
            self.client.get_model_version(name, version)
            if version is not None
            else self.client.get_model_version_by_alias(name, alias or "")
        )
        return str(found.run_id)

    def latest_version_run(self, name: str) -> str:
        versions = self.client.search_model_versions(f"name='{name}'")
        if not versions:
            raise StoreError(f"no registered model {name!r}")
        return str(max(versions, key=lambda v: int(v.version)).run_id)

    def search_runs(self, filter_string: str) -> list[tuple[str, str]]:
        ids = [e.experiment_id for e in self.client.search_experiments()]
        runs = self.client.search_runs(ids, filter_string, max_results=50_000) if ids else []
        return [(r.info.run_id, r.data.tags[TAG_RUN_ID]) for r in runs]

    def list_files(self, run_id: str, path: str) -> list[str]:
        files: list[str] = []
        for entry in self.client.list_artifacts(run_id, path):
            files.extend(self.list_files(run_id, entry.path) if entry.is_dir else [entry.path])
        return files

    def download(self, run_id: str, path: str) -> bytes:
        import tempfile

        with tempfile.TemporaryDirectory() as folder:
            return Path(self.client.download_artifacts(run_id, path, folder)).read_bytes()
