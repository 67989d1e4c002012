"""A client of the Algoritmeregister's submission API v1.0 ("aanleverapi"), and publishing with it.

- Token: the register's Keycloak password grant (`client_id=authentication-client`). Credentials come
  from the environment or a keyring, never from arguments, and appear in no message or log.
- Create with POST, update with PUT (a full replacement, `standard_version` always set), then the
  separate state changes `release` (STATE_1 → STATE_2) and `publish` (STATE_2 → PUBLISHED).
- At most 25 requests a minute (the register's limit per client); a 429 waits for `Retry-After` (or
  backs off) and tries again.
- A POST whose answer was lost (time-out, dropped connection, 5xx) is not simply sent again: the
  organisation's list is read first and an entry with the same `source_id` is taken as the created
  one. Before creating at all, the list is read too, so an entry created by an earlier run whose code
  was never stored is updated, not duplicated.
- `plan_requests` says exactly what would be sent (dry run), with the same bytes `send` sends.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from uitlegbaar.errors import ConfigurationError, UitlegbaarError
from uitlegbaar.registry.lars import is_lars
from uitlegbaar.standards import algoritmeregister as ar

if TYPE_CHECKING:
    import httpx

API = "https://algoritmes.overheid.nl/aanleverapi/v1_0"
CLIENT_ID = "authentication-client"
RATE_LIMIT = 25  # requests
RATE_WINDOW = 60.0  # seconds
KEYRING_SERVICE = "uitlegbaar-register"
ENV_USERNAME = "UITLEGBAAR_REGISTER_USERNAME"
ENV_PASSWORD = "UITLEGBAAR_REGISTER_PASSWORD"
ENV_TOTP = "UITLEGBAAR_REGISTER_TOTP"
ENV_API = "UITLEGBAAR_REGISTER_API"
ENV_TOKEN_URL = "UITLEGBAAR_REGISTER_TOKEN_URL"

log = logging.getLogger("uitlegbaar.documents.register")

Purpose = Literal["find", "create", "update", "release", "publish"]
StateChange = Literal["release", "publish"]


class PublishError(UitlegbaarError):
    """The register refused a request, or could not be reached."""


class AuthenticationError(PublishError):
    """The register's token service refused the account: no later request can succeed either."""


# ---------------------------------------------------------------- configuration


@dataclass(frozen=True)
class Credentials:
    """A register account. The password (and one-time code) never show in a repr."""

    username: str
    password: str = field(repr=False)
    totp: str = field(default="", repr=False)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Credentials:
        """From `UITLEGBAAR_REGISTER_USERNAME` and `…_PASSWORD` (and `…_TOTP`), or the password from the
        system keyring (service `uitlegbaar-register`) when the `keyring` package is installed."""
        env = os.environ if environ is None else environ
        username = env.get(ENV_USERNAME, "").strip()
        if not username:
            raise ConfigurationError(
                f"set {ENV_USERNAME} (and {ENV_PASSWORD}, or a keyring entry) to send to the register"
            )
        password = env.get(ENV_PASSWORD) or _keyring_password(username)
        if not password:
            raise ConfigurationError(
                f"no password for {username}: set {ENV_PASSWORD} or store one with "
                f"`keyring set {KEYRING_SERVICE} {username}`"
            )
        return cls(username, password, env.get(ENV_TOTP, ""))


def _keyring_password(username: str) -> str | None:
    try:
        import keyring
    except ImportError:
        return None
    try:
        found = keyring.get_password(KEYRING_SERVICE, username)
    except Exception:  # no usable keyring backend on this machine
        return None
    return str(found) if found else None


@dataclass(frozen=True)
class Endpoint:
    """Where the submission API and its token service are."""

    api: str = API
    token_url: str | None = None

    @classmethod
    def from_environment(
        cls, api: str | None = None, token_url: str | None = None, environ: Mapping[str, str] | None = None
    ) -> Endpoint:
        env = os.environ if environ is None else environ
        return cls(
            (api or env.get(ENV_API) or API).rstrip("/"),
            token_url or env.get(ENV_TOKEN_URL) or None,
        )


# ---------------------------------------------------------------- requests


@dataclass(frozen=True)
class Request:
    """One request to the submission API: what a dry run shows and what `send` sends."""

    method: str
    path: str
    purpose: Purpose
    body: dict[str, Any] | None = None
    note: str | None = None

    def content(self) -> bytes | None:
        """The exact bytes of the body."""
        if self.body is None:
            return None
        return json.dumps(self.body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def to_dict(self, api: str) -> dict[str, Any]:
        out: dict[str, Any] = {"method": self.method, "url": api + self.path, "purpose": self.purpose}
        if self.body is not None:
            out["headers"] = {"Authorization": "Bearer <token>", "Content-Type": "application/json"}
            out["body"] = self.body
        if self.note:
            out["note"] = self.note
        return out


def submission_body(entry: Mapping[str, Any]) -> dict[str, Any]:
    """The `AlgorithmIn` body of `entry`: its fields in the API's order, read-only ones left out, and
    `standard_version` always set (the register fills it in on create only; a stored null breaks it)."""
    body = {k: entry[k] for k in ar.FIELDS if k in entry and k not in ar.READ_ONLY}
    body["standard_version"] = ar.STANDARD_VERSION
    return body


def _algorithms(org: str) -> str:
    return f"/organizations/{org}/algorithms"


def plan_requests(
    org: str, entry: Mapping[str, Any], lars: str | None, changes: tuple[StateChange, ...] = ()
) -> list[Request]:
    """The requests that publishing `entry` for organisation `org` sends, in order."""
    body = submission_body(entry)
    source_id = entry.get("source_id")
    requests: list[Request] = []
    if lars is None:
        if source_id:
            note = f"look for source_id {source_id!r}; when the register has it, PUT to its code instead of POST"
            requests.append(Request("GET", _algorithms(org), "find", note=note))
        requests.append(Request("POST", _algorithms(org), "create", body))
        target = "{lars}"
    else:
        requests.append(Request("PUT", f"{_algorithms(org)}/{lars}", "update", body))
        target = lars
    requests += [Request("PUT", f"{_algorithms(org)}/{target}/{change}", change) for change in changes]
    return requests


# ---------------------------------------------------------------- the client


class RateLimit:
    """At most `limit` requests in any `window` seconds; `wait` sleeps until one more is allowed.
    `clock` and `sleep` can be replaced (tests do not wait real minutes)."""

    def __init__(
        self,
        limit: int = RATE_LIMIT,
        window: float = RATE_WINDOW,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.limit, self.window, self.clock, self.sleep = limit, window, clock, sleep
        self.sent: deque[float] = deque()

    def wait(self) -> None:
        while True:
            now = self.clock()
            while self.sent and now - self.sent[0] >= self.window:
                self.sent.popleft()
            if len(self.sent) < self.limit:
                self.sent.append(now)
                return
            self.sleep(self.window - (now - self.sent[0]))


@dataclass
class _Answer:
    status: int
    data: Any


class _Ambiguous(Exception):
    """The request may or may not have been carried out (no answer, or a server error)."""


class RegisterClient:
    """The submission API v1.0 for one account. Use as a context manager (it holds a connection pool)."""

    def __init__(
        self,
        endpoint: Endpoint,
        credentials: Credentials,
        *,
        limit: RateLimit | None = None,
        attempts: int = 5,
        backoff: float = 2.0,
        timeout: float = 30.0,
    ) -> None:
        import httpx

        if not endpoint.token_url:
            raise ConfigurationError(
                f"set {ENV_TOKEN_URL} (or --token-url) to the register's token URL, "
                "…/realms/algreg/protocol/openid-connect/token"
            )
        self.endpoint, self.credentials = endpoint, credentials
        self.limit = limit or RateLimit()
        self.attempts, self.backoff = attempts, backoff
        self._http = httpx.Client(timeout=timeout, headers={"Accept": "application/json"})
        self._token: str | None = None
        self._listed: dict[str, dict[str, str]] = {}  # org → source_id → lars

    def __enter__(self) -> RegisterClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # ------------------------------------------------------------ the API's operations

    def list(self, org: str) -> list[dict[str, Any]]:
        """The organisation's algorithms (`AlgorithmSummary`: lars, source_id, name, state flags)."""
        answer = self._send(Request("GET", _algorithms(org), "find"), safe=True)
        found = answer.data if isinstance(answer.data, list) else []
        self._listed[org] = {str(s["source_id"]): str(s["lars"]) for s in found if s.get("source_id") and s.get("lars")}
        return found

    def find(self, org: str, source_id: str, *, fresh: bool = False) -> str | None:
        """The code of the organisation's entry with `source_id` (the list is read once, or again if `fresh`)."""
        if fresh or org not in self._listed:
            self.list(org)
        return self._listed[org].get(source_id)

    def create(self, org: str, entry: Mapping[str, Any]) -> str:
        """POST a new entry; its code. Never creates a second entry for one `source_id`."""
        request = Request("POST", _algorithms(org), "create", submission_body(entry))
        source_id = str(entry.get("source_id") or "") or None
        for attempt in range(1, self.attempts + 1):
            try:
                answer = self._send(request, safe=False)
            except _Ambiguous as exc:
                if source_id is None:
                    raise PublishError(
                        f"creating the entry got no clear answer ({exc}); it has no source_id, so check the register "
                        "before trying again"
                    ) from None
                found = self.find(org, source_id, fresh=True)
                if found:
                    log.info("POST got no answer but the register holds source_id %r as %s", source_id, found)
                    return found
                if attempt == self.attempts:
                    raise PublishError(f"creating the entry failed {attempt} times ({exc})") from None
                self._pause(attempt, None)
                continue
            lars = answer.data.get("lars_code") if isinstance(answer.data, Mapping) else None
            if not is_lars(lars):
                raise PublishError(f"the register answered the create without a code: {_short(answer.data)}")
            assert isinstance(lars, str)
            if source_id:
                self._listed.setdefault(org, {})[source_id] = lars
            return lars
        raise AssertionError("unreachable")  # pragma: no cover

    def update(self, org: str, lars: str, entry: Mapping[str, Any]) -> bool:
        """PUT the full entry as the new version; False when the register found no change."""
        answer = self._send(Request("PUT", f"{_algorithms(org)}/{lars}", "update", submission_body(entry)), safe=True)
        return not (isinstance(answer.data, Mapping) and answer.data.get("message") == "NO_CHANGES")

    def change_state(self, org: str, lars: str, change: StateChange) -> str:
        """Release (STATE_1 → STATE_2) or publish (STATE_2 → PUBLISHED) the newest version. A 409 (the
        version is not in the state this change starts from) is answered, not raised."""
        answer = self._send(Request("PUT", f"{_algorithms(org)}/{lars}/{change}", change), safe=True, accept=(409,))
        done = {"release": "released", "publish": "published"}[change]
        return f"not {done}: {_detail(answer.data)}" if answer.status == 409 else done

    # ------------------------------------------------------------ sending

    def _send(self, request: Request, *, safe: bool, accept: tuple[int, ...] = ()) -> _Answer:
        """Send with the rate limit, a fresh token when the old one expired, and retries: a 429 is
        always retried (the register refused it before doing anything); a failure without an answer
        or a 5xx only when `safe` (a GET or PUT, which may be repeated); otherwise `_Ambiguous`."""
        import httpx

        renewed = False
        for attempt in range(1, self.attempts + 1):
            self.limit.wait()
            try:
                response = self._http.request(
                    request.method,
                    self.endpoint.api + request.path,
                    content=request.content(),
                    headers={"Authorization": f"Bearer {self._bearer()}"}
                    | ({"Content-Type": "application/json"} if request.body is not None else {}),
                )
            except httpx.TransportError as exc:
                problem = f"{type(exc).__name__} on {request.method} {request.path}"
                if not safe:
                    raise _Ambiguous(problem) from None
                if attempt == self.attempts:
                    raise PublishError(f"the register could not be reached: {problem}") from None
                self._pause(attempt, None)
                continue
            log.info("%s %s → %s", request.method, request.path, response.status_code)
            if response.status_code == 429 and attempt < self.attempts:
                self._pause(attempt, response.headers.get("Retry-After"))
                continue
            if response.status_code == 401 and not renewed:
                self._token, renewed = None, True
                continue
            if response.status_code >= 500:
                problem = f"HTTP {response.status_code} on {request.method} {request.path}"
                if not safe:
                    raise _Ambiguous(problem)
                if attempt < self.attempts:
                    self._pause(attempt, None)
                    continue
            data = _json(response)
            if response.is_success or response.status_code in accept:
                return _Answer(response.status_code, data)
            raise PublishError(self._redact(_refusal(request, response.status_code, data)))
        raise PublishError(f"the register kept answering 429 (too many requests) to {request.method} {request.path}")

    def _bearer(self) -> str:
        if self._token is None:
            self._token = self._fetch_token()
        return self._token

    def _fetch_token(self) -> str:
        import httpx

        c = self.credentials
        form = {"grant_type": "password", "client_id": CLIENT_ID, "username": c.username, "password": c.password}
        form["totp"] = c.totp
        assert self.endpoint.token_url is not None
        try:
            response = self._http.post(self.endpoint.token_url, data=form)
        except httpx.TransportError as exc:
            raise PublishError(f"the register's token service could not be reached ({type(exc).__name__})") from None
        data = _json(response)
        token = data.get("access_token") if isinstance(data, Mapping) else None
        if not response.is_success or not isinstance(token, str) or not token:
            detail = _detail(data) if data is not None else response.reason_phrase
            message = f"the register's token service refused user {c.username} (HTTP {response.status_code}: {detail})"
            raise AuthenticationError(self._redact(message))
        return token

    def _pause(self, attempt: int, retry_after: str | None) -> None:
        wait = self.backoff * 2 ** (attempt - 1)
        if retry_after and retry_after.strip().isdigit():
            wait = float(retry_after.strip())
        log.info("waiting %.0f s before trying again", wait)
        self.limit.sleep(wait)

    def _redact(self, text: str) -> str:
        """`text` without the password, one-time code or token, wherever the server may have put them."""
        for secret in (self.credentials.password, self.credentials.totp, self._token):
            if secret and len(secret) >= 4:
                text = text.replace(secret, "***")
        return text


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _detail(data: Any) -> str:
    if isinstance(data, Mapping):
        detail = data.get("detail", data.get("error_description", data.get("error")))
        if isinstance(detail, list):  # FastAPI's validation errors
            return "; ".join(
                f"{'.'.join(str(p) for p in d.get('loc', [])[1:])}: {d.get('msg')}"
                for d in detail
                if isinstance(d, Mapping)
            )
        if detail is not None:
            return _short(detail)
    return _short(data)


def _refusal(request: Request, status: int, data: Any) -> str:
    what = {
        401: "refused the token",
        403: "refused the account this action",
        404: "does not know this organisation or algorithm",
        409: "refused the state change",
        422: "rejected the entry",
    }.get(status, "refused the request")
    return f"the register {what} ({request.method} {request.path}: HTTP {status}: {_detail(data)})"


def _short(value: Any, limit: int = 300) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------- publishing


@dataclass(frozen=True)
class Outcome:
    """What publishing one entry did."""

    source_id: str | None
    name: str | None
    lars: str
    action: Literal["created", "updated", "unchanged"]
    found: bool = False  # the code was found in the register by source_id (not known beforehand)
    states: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "source_id": self.source_id,
            "name": self.name,
            "lars": self.lars,
            "action": self.action,
            "found": self.found,
            "states": list(self.states),
        }


def publish_entry(
    client: RegisterClient,
    org: str,
    entry: Mapping[str, Any],
    lars: str | None = None,
    changes: tuple[StateChange, ...] = (),
) -> Outcome:
    """Create or update `entry` for organisation `org`, then make the state `changes`, in order."""
    source_id = str(entry.get("source_id") or "") or None
    action: Literal["created", "updated", "unchanged"]
    found = False
    if lars is None and source_id:
        lars = client.find(org, source_id)
        found = lars is not None
    if lars is None:
        lars, action = client.create(org, entry), "created"
    else:
        action = "updated" if client.update(org, lars, entry) else "unchanged"
    states = tuple(client.change_state(org, lars, change) for change in changes)
    name = entry.get("name")
    return Outcome(source_id, name if isinstance(name, str) else None, lars, action, found, states)


def publishable(plan: Mapping[str, Any]) -> Iterator[tuple[dict[str, Any], str | None]]:
    """The entries of an ingest plan (its JSON) to send, with their codes: new and changed ones."""
    for item in plan.get("items", []):
        if item.get("action") in ("new", "changed") and isinstance(item.get("entry"), dict):
            yield item["entry"], item.get("lars")
