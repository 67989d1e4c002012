"""A stand-in for the Algoritmeregister's submission API v1.0 on 127.0.0.1, for the publish tests.

A test double, because the real register (algoritmes.overheid.nl, with its Keycloak) cannot be
reached from here. It implements the routes a publisher uses, with the real spec in charge:

- Every request to a route of the spec `aanleverapi-v1_0.openapi.json` (read from ../shared/standards
  at test time) has its JSON body validated against the operation's request schema, and every answer
  the double gives against the operation's response schema (answers that do not match are collected in
  `errors`, which tests assert empty). The spec's schemas need two repairs before a JSON Schema
  validator can use them, both because FastAPI wrote them for pydantic, not for JSON Schema: a `type`
  beside `anyOf`/`$ref` is dropped (pydantic accepts null there) and the non-type `"enum"` is dropped.
  `max_length_without_html` is not a JSON Schema keyword and is not enforced here.
- The token comes from a password grant (`client_id=authentication-client`), as from the register's
  Keycloak; each token names the organisations its user may act for (403 otherwise).
- State: entries with versions in STATE_1 / STATE_2 / PUBLISHED / EXPIRED; PUT answers NO_CHANGES for
  an identical body; `release` and the (spec-hidden) `publish` change state or answer 409.
- The limit of 25 requests a minute is kept on the double's `clock` (which tests share with the
  client, so nobody sleeps real minutes); beyond it the answer is 429 with `Retry-After`.
- `inject` makes the next matching request fail: a status (429 with Retry-After, 500) before doing
  anything, or `drop=True`: the request is carried out and the connection closed without an answer.
"""

from __future__ import annotations

import copy
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parents[1]
SPEC_NAME = "algoritmeregister/openapi/aanleverapi-v1_0.openapi.json"
PREFIX = "/aanleverapi/v1_0"
TOKEN_PATH = "/realms/algreg/protocol/openid-connect/token"
JSON_TYPES = {"object", "array", "string", "number", "integer", "boolean", "null"}


def spec_path() -> Path | None:
    """The submission API's OpenAPI spec in ../shared/standards, if that folder is there."""
    for base in (ROOT.parent / "shared" / "standards", ROOT.parents[1] / "shared" / "standards"):
        if (base / SPEC_NAME).is_file():
            return base / SPEC_NAME
    return None


def lars_code(rng: Callable[[int, int], int]) -> str:
    """Seven digits 1–9 and a check digit, as the register makes them (`backend/app/util/upc.py`)."""
    d = [rng(1, 9) for _ in range(7)]
    check = (3 * (d[0] + d[2] + d[4] + d[6]) + (d[1] + d[3] + d[5])) % 10
    return "".join(map(str, d)) + str(check)


def _repair(schema: Any) -> Any:
    """The spec's schema as JSON Schema (see the module's docstring)."""
    if isinstance(schema, list):
        return [_repair(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _repair(v) for k, v in schema.items()}
    kind = out.get("type")
    if isinstance(kind, str) and (kind not in JSON_TYPES or "anyOf" in out or "$ref" in out):
        del out["type"]
    return out


@dataclass
class Version:
    body: dict[str, Any]
    state: str
    created: str


@dataclass
class Algorithm:
    lars: str
    org: str
    versions: list[Version] = field(default_factory=list)

    @property
    def latest(self) -> Version:
        return self.versions[-1]


@dataclass
class Fault:
    method: str
    path: str  # a substring of the path
    status: int | None = None
    retry_after: int | None = None
    drop: bool = False


class FakeRegister:
    """The double's state and rules; `serve()` puts it on 127.0.0.1 in a thread."""

    def __init__(
        self,
        spec: Path,
        users: dict[str, tuple[str, list[str]]],
        clock: Callable[[], float] = time.monotonic,
        limit: int = 25,
        window: float = 60.0,
        echo_secrets: bool = False,
    ) -> None:
        import random

        import jsonschema

        self.spec = json.loads(spec.read_text(encoding="utf-8"))
        self.components = _repair(self.spec["components"])
        self.validator_class = jsonschema.Draft202012Validator
        self.routes = [(m, self._pattern(p), op) for p, ops in self.spec["paths"].items() for m, op in ops.items()]
        self.users = users
        self.clock, self.limit, self.window = clock, limit, window
        self.echo_secrets = echo_secrets
        self.tokens: dict[str, list[str]] = {}
        self.algorithms: dict[str, Algorithm] = {}
        self.faults: list[Fault] = []
        self.requests: list[tuple[str, str, Any, float]] = []  # method, path, body, clock time
        self.limited: list[float] = []  # clock times of requests answered 429 by the limit
        self.errors: list[str] = []
        self.lock = threading.RLock()
        self._random = random.Random(7)
        self._recent: list[float] = []

    # ------------------------------------------------------------ set-up

    def inject(self, method: str, path: str = "", **how: Any) -> None:
        with self.lock:
            self.faults.append(Fault(method, path, **how))

    def serve(self) -> Served:
        return Served(self)

    @staticmethod
    def _pattern(template: str) -> re.Pattern[str]:
        return re.compile("^" + PREFIX + re.sub(r"\{[^}]+\}", "([^/]+)", template) + "$")

    def _schema(self, ref_holder: dict[str, Any]) -> dict[str, Any]:
        return {**_repair(ref_holder), "components": self.components}

    def violations(self, schema: dict[str, Any], value: Any) -> list[tuple[list[Any], str]]:
        """Where `value` breaks `schema` (a schema of the spec, its `$ref`s resolved in the spec)."""
        validator = self.validator_class(self._schema(schema))
        return [(list(e.absolute_path), e.message) for e in validator.iter_errors(value)]

    def check(self, what: str, schema: dict[str, Any], value: Any) -> list[str]:
        return [f"{what}: {'/'.join(map(str, where))}: {message}" for where, message in self.violations(schema, value)]

    # ------------------------------------------------------------ handling

    def handle(
        self, method: str, path: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, Any, dict[str, str], bool]:
        """(status, JSON answer, extra headers, drop the connection) for one request."""
        with self.lock:
            if path == TOKEN_PATH and method == "POST":
                return (*self._token(raw), {}, False)
            body = json.loads(raw) if raw else None
            self.requests.append((method, path, body, self.clock()))
            fault = next((f for f in self.faults if f.method == method and f.path in path), None)
            if fault is not None and not fault.drop:
                self.faults.remove(fault)
                extra = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
                return fault.status or 500, {"detail": "injected"}, extra, False
            limited = self._limited()
            if limited is not None:
                return 429, {"detail": "Rate limit exceeded: 25 per 1 minute"}, {"Retry-After": limited}, False
            status, answer = self._route(method, path, headers, body)
            if fault is not None:
                self.faults.remove(fault)
                return status, answer, {}, True
            return status, answer, {}, False

    def _limited(self) -> str | None:
        now = self.clock()
        self._recent = [t for t in self._recent if now - t < self.window]
        if len(self._recent) >= self.limit:
            self.limited.append(now)
            return str(int(self.window - (now - self._recent[0])) + 1)
        self._recent.append(now)
        return None

    def _token(self, raw: bytes) -> tuple[int, Any]:
        form = {k: v[0] for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()}
        user = self.users.get(form.get("username", ""))
        ok = (
            form.get("grant_type") == "password"
            and form.get("client_id") == "authentication-client"
            and "totp" in form
            and user is not None
            and secrets.compare_digest(user[0], form.get("password", ""))
        )
        if not ok:
            described = (
                f"Invalid user credentials: {form.get('password')}" if self.echo_secrets else "Invalid user credentials"
            )
            return 401, {"error": "invalid_grant", "error_description": described}
        token = secrets.token_urlsafe(24)
        assert user is not None
        self.tokens[token] = user[1]
        return 200, {"access_token": token, "expires_in": 300, "token_type": "Bearer"}

    def _route(self, method: str, path: str, headers: dict[str, str], body: Any) -> tuple[int, Any]:
        operation, params = self._operation(method, path)
        hidden = re.match(f"^{PREFIX}/organizations/([^/]+)/algorithms/([^/]+)/publish$", path)
        if operation is None and not (method == "PUT" and hidden):
            return 404, {"detail": "Not Found"}
        if operation is None and hidden:
            params = list(hidden.groups())
        token = headers.get("authorization", "").removeprefix("Bearer ")
        groups = self.tokens.get(token)
        if groups is None:
            return self._answer(operation, 401, {"detail": "TOKEN_NOT_FOUND"})
        org = params[0]
        if org not in groups:
            return self._answer(operation, 403, {"detail": f"REQUIRED_ORGANISATION_{org.upper()}_MISSING"})
        if operation is not None and "requestBody" in operation:
            schema = operation["requestBody"]["content"]["application/json"]["schema"]
            found = self.violations(schema, body)
            if found:
                detail = [{"loc": ["body", *where], "msg": message, "type": "value_error"} for where, message in found]
                return self._answer(operation, 422, {"detail": detail})
        status, answer = self._act(method, path, org, params[1] if len(params) > 1 else None, body)
        return self._answer(operation, status, answer)

    def _operation(self, method: str, path: str) -> tuple[dict[str, Any] | None, list[str]]:
        for m, pattern, op in self.routes:
            found = pattern.match(path)
            if m == method.lower() and found:
                return op, list(found.groups())
        return None, []

    def _answer(self, operation: dict[str, Any] | None, status: int, answer: Any) -> tuple[int, Any]:
        if operation is not None:
            response = operation["responses"].get(str(status))
            if response is None and status != 403:  # the authorisation middleware's 403 is not in the spec
                self.errors.append(f"{operation['operationId']}: status {status} is not in the spec")
            elif response is not None and "content" in response:
                self.errors += self.check(
                    operation["operationId"], response["content"]["application/json"]["schema"], answer
                )
        return status, answer

    def _act(self, method: str, path: str, org: str, lars: str | None, body: Any) -> tuple[int, Any]:
        now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
        if lars is None and method == "GET":
            return 200, [self._summary(a) for a in self.algorithms.values() if a.org == org]
        if lars is None and method == "POST":
            code = lars_code(self._random.randint)
            stored = {**body, "standard_version": body.get("standard_version") or "1.0"}
            self.algorithms[code] = Algorithm(code, org, [Version(stored, "STATE_1", now)])
            return 200, {"lars_code": code}
        found = self.algorithms.get(lars or "")
        if found is None or found.org != org:
            return 404, {"detail": "ALGORITHM_NOT_FOUND"}
        if method == "GET":
            return 200, {**found.latest.body, "lars": found.lars, "create_dt": found.latest.created, "language": "NLD"}
        if path.endswith("/release"):
            return self._change(found, "STATE_1", "STATE_2")
        if path.endswith("/publish"):
            return self._change(found, "STATE_2", "PUBLISHED")
        if body == found.latest.body:
            return 200, {"message": "NO_CHANGES"}
        if found.latest.state != "PUBLISHED":
            found.latest.state = "EXPIRED"
        found.versions.append(Version(dict(body), "STATE_1", now))  # stored as sent: a missing version stays null
        return 200, None

    def _change(self, found: Algorithm, start: str, end: str) -> tuple[int, Any]:
        if found.latest.state != start:
            return 409, {"detail": f"Algorithm is in state {found.latest.state}, not {start}"}
        if end == "PUBLISHED":
            for v in found.versions[:-1]:
                if v.state == "PUBLISHED":
                    v.state = "EXPIRED"
        found.latest.state = end
        return 200, None

    def _summary(self, a: Algorithm) -> dict[str, Any]:
        return {
            "name": a.latest.body.get("name"),
            "schema_version": a.latest.body.get("standard_version"),
            "last_update_dt": a.latest.created,
            "lars": a.lars,
            "source_id": a.latest.body.get("source_id"),
            "published": any(v.state == "PUBLISHED" for v in a.versions),
            "current_version_released": a.latest.state == "STATE_2",
            "current_version_published": a.latest.state == "PUBLISHED",
            "last_update_by": "tester",
        }

    def states(self, lars: str) -> list[str]:
        with self.lock:
            return [v.state for v in self.algorithms[lars].versions]

    def stored(self, lars: str) -> dict[str, Any]:
        with self.lock:
            return copy.deepcopy(self.algorithms[lars].latest.body)


class Served:
    """The double listening on 127.0.0.1 (a free port) until `close`."""

    def __init__(self, register: FakeRegister) -> None:
        self.register = register
        handler = type("Handler", (_Handler,), {"register": register})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        host, port = self.server.server_address[:2]
        self.url = f"http://{host!s}:{port}"
        self.api = self.url + PREFIX
        self.token_url = self.url + TOKEN_PATH

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> Served:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Handler(BaseHTTPRequestHandler):
    register: FakeRegister

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        path = urlsplit(self.path).path
        status, answer, extra, drop = self.register.handle(self.command, path, headers, raw)
        if drop:
            self.close_connection = True
            return
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in extra.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass
