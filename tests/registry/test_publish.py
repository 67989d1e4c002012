"""Publishing to the Algoritmeregister's submission API v1.0.

The real register (algoritmes.overheid.nl and its Keycloak) cannot be reached from here, so these tests
run against `register_server.FakeRegister`: a double on 127.0.0.1 that implements the API's routes, checks
every request and its own answers against the official OpenAPI spec (read from ../shared/standards) and
keeps state. The client, the LARS bookkeeping in uitlegbaar.yaml and the command are the real ones.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("httpx", reason="publishing needs httpx (pip install -e '.[register]')")
pytest.importorskip("jsonschema", reason="the register double validates with jsonschema")

from register_server import FakeRegister, Served, spec_path
from uitlegbaar.errors import ConfigurationError
from uitlegbaar.registry.lars import record_lars
from uitlegbaar.registry.publish import (
    AuthenticationError,
    Credentials,
    Endpoint,
    PublishError,
    RateLimit,
    RegisterClient,
    plan_requests,
    publish_entry,
)

EXECUTABLE = shutil.which("uitlegbaar") or str(Path(sys.executable).with_name("uitlegbaar"))
ORG = "gm0001"
PASSWORD = "zeer-geheim-wachtwoord-42"
SPEC = spec_path()
pytestmark = pytest.mark.skipif(
    SPEC is None, reason="../shared/standards (the submission API's OpenAPI spec) is absent"
)


class Clock:
    """Time that passes only when someone sleeps: shared by the client's rate limit and the double's."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def entry(n: int = 1, **changes: Any) -> dict[str, Any]:
    return {
        "name": f"Voorspellen van verkeersdrukte {n}",
        "description_short": "Dit algoritme voorspelt hoe druk het wordt op de ringweg.",
        "organization": "Gemeente Noorderhaaks",
        "category": ["Verkeer"],
        "status": "In gebruik",
        "contact_email": "algoritmes@gemeentenoorderhaaks.nl",
        "publication_category": "Impactvolle algoritmes",
        "lawful_basis_grouping": [{"title": "Wegenverkeerswet 1994", "link": "https://wetten.overheid.nl/BWBR0006622"}],
        "lang": "nld",
        "standard_version": "1.0",
        "source_id": f"ML-{n:04d}",
    } | changes


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def register(clock: Clock) -> Iterator[tuple[FakeRegister, Served]]:
    assert SPEC is not None
    fake = FakeRegister(SPEC, {"redacteur": (PASSWORD, [ORG])}, clock=clock)
    with fake.serve() as served:
        yield fake, served
    assert fake.errors == []  # every answer of the double matched the spec


@pytest.fixture
def client(register: tuple[FakeRegister, Served], clock: Clock) -> Iterator[RegisterClient]:
    _, served = register
    limit = RateLimit(clock=clock, sleep=clock.sleep)
    with RegisterClient(Endpoint(served.api, served.token_url), Credentials("redacteur", PASSWORD), limit=limit) as c:
        yield c


def test_create_then_update_then_release_and_publish(
    register: tuple[FakeRegister, Served], client: RegisterClient
) -> None:
    fake, _ = register
    first = publish_entry(client, ORG, entry())
    assert first.action == "created" and len(first.lars) == 8
    assert fake.states(first.lars) == ["STATE_1"]
    same = publish_entry(client, ORG, entry(), first.lars, ("release",))
    assert same.action == "unchanged" and same.states == ("released",)
    assert fake.states(first.lars) == ["STATE_2"]
    published = publish_entry(client, ORG, entry(), first.lars, ("publish",))
    assert published.states == ("published",)
    changed = publish_entry(
        client, ORG, entry(status="Buiten gebruik", end_date="2026-01"), first.lars, ("release", "publish")
    )
    assert changed.action == "updated" and changed.states == ("released", "published")
    assert fake.states(first.lars) == ["EXPIRED", "PUBLISHED"]
    again = publish_entry(client, ORG, entry(status="Buiten gebruik", end_date="2026-01"), first.lars, ("release",))
    assert again.states[0].startswith("not released: ")  # a 409 from the register, reported
    assert len(fake.algorithms) == 1
    assert [m for m, *_ in fake.requests].count("POST") == 1


def test_every_body_is_the_full_entry_with_the_standard_version(
    register: tuple[FakeRegister, Served], client: RegisterClient
) -> None:
    fake, _ = register
    bare = {k: v for k, v in entry().items() if k != "standard_version"} | {"lars": "99999999", "publication_dt": "x"}
    created = publish_entry(client, ORG, bare)
    publish_entry(client, ORG, bare | {"name": "Nieuwe naam"}, created.lars)
    bodies = [body for method, _, body, _ in fake.requests if method in ("POST", "PUT") and body is not None]
    assert len(bodies) == 2
    for body in bodies:
        assert body["standard_version"] == "1.0"
        assert "lars" not in body and "publication_dt" not in body
    assert bodies[1]["lawful_basis_grouping"] == entry()["lawful_basis_grouping"]  # a full replacement
    assert fake.stored(created.lars)["standard_version"] == "1.0"


def test_an_entry_the_register_rejects_is_a_clear_error(
    register: tuple[FakeRegister, Served], client: RegisterClient
) -> None:
    with pytest.raises(PublishError, match=r"rejected the entry .*HTTP 422.*status"):
        publish_entry(client, ORG, entry(status="in gebruik"))
    with pytest.raises(PublishError, match="REQUIRED_ORGANISATION_GM9999_MISSING"):
        publish_entry(client, "gm9999", entry())


def test_the_rate_limit_is_kept_without_waiting_real_minutes(
    register: tuple[FakeRegister, Served], client: RegisterClient, clock: Clock
) -> None:
    fake, _ = register
    for n in range(40):
        publish_entry(client, ORG, entry(n), changes=("release",))
    times = sorted(t for *_, t in fake.requests)
    assert len(times) == 81  # one list, then a POST and a release for each
    assert fake.limited == []  # the register never had to refuse one
    assert max(sum(1 for t in times if start <= t < start + 60) for start in times) == 25
    assert clock.now - 1000.0 >= 3 * 60  # 81 requests at 25 a minute take more than three minutes


def test_a_429_waits_for_retry_after(
    register: tuple[FakeRegister, Served], client: RegisterClient, clock: Clock
) -> None:
    fake, _ = register
    fake.inject("POST", status=429, retry_after=17)
    fake.inject("PUT", "/release", status=429)
    created = publish_entry(client, ORG, entry(), changes=("release",))
    assert 17 in clock.slept
    assert 2.0 in clock.slept  # no Retry-After: the first step of the backoff
    assert fake.states(created.lars) == ["STATE_2"] and len(fake.algorithms) == 1


def test_a_lost_answer_to_a_create_does_not_create_a_duplicate(
    register: tuple[FakeRegister, Served], client: RegisterClient
) -> None:
    fake, _ = register
    fake.inject("POST", drop=True)  # the register creates the entry, the answer never arrives
    created = publish_entry(client, ORG, entry())
    assert list(fake.algorithms) == [created.lars]
    assert [m for m, *_ in fake.requests] == ["GET", "POST", "GET"]


def test_a_server_error_on_create_is_retried_only_after_looking(
    register: tuple[FakeRegister, Served], client: RegisterClient
) -> None:
    fake, _ = register
    fake.inject("POST", status=500)  # refused before anything was stored
    created = publish_entry(client, ORG, entry())
    assert list(fake.algorithms) == [created.lars]
    assert [m for m, *_ in fake.requests] == ["GET", "POST", "GET", "POST"]
    fake.inject("PUT", status=503)  # an update may be repeated as it is
    assert publish_entry(client, ORG, entry(name="Anders"), created.lars).action == "updated"


def test_an_entry_created_earlier_is_found_by_source_id_and_updated(
    register: tuple[FakeRegister, Served], client: RegisterClient
) -> None:
    fake, _ = register
    created = publish_entry(client, ORG, entry())
    client._listed.clear()  # a new run that never stored the code
    again = publish_entry(client, ORG, entry(name="Anders"))
    assert again.lars == created.lars and again.found and again.action == "updated"
    assert len(fake.algorithms) == 1


def test_no_password_or_token_in_errors_or_logs(
    register: tuple[FakeRegister, Served], clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    fake, served = register
    fake.echo_secrets = True  # a token service that puts the password it got in its error
    caplog.set_level(logging.DEBUG)
    endpoint = Endpoint(served.api, served.token_url)
    limit = RateLimit(clock=clock, sleep=clock.sleep)
    wrong = Credentials("redacteur", "fout-wachtwoord-123")
    with RegisterClient(endpoint, wrong, limit=limit) as c, pytest.raises(AuthenticationError) as refused:
        publish_entry(c, ORG, entry())
    assert "fout-wachtwoord-123" not in str(refused.value) and "***" in str(refused.value)
    assert "fout-wachtwoord-123" not in repr(wrong)
    with RegisterClient(endpoint, Credentials("redacteur", PASSWORD), limit=limit) as c:
        publish_entry(c, ORG, entry())
        with pytest.raises(PublishError) as rejected:
            publish_entry(c, ORG, entry(n=2, lang="NLD"))
    tokens = list(fake.tokens)
    assert tokens
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "POST" in logged  # the requests are logged, without their secrets
    for secret in (PASSWORD, "fout-wachtwoord-123", *tokens):
        assert secret not in logged
        assert secret not in str(rejected.value)


def test_credentials_come_from_the_environment_only() -> None:
    with pytest.raises(ConfigurationError, match="UITLEGBAAR_REGISTER_USERNAME"):
        Credentials.from_environment({})
    with pytest.raises(ConfigurationError, match="UITLEGBAAR_REGISTER_PASSWORD") as missing:
        Credentials.from_environment({"UITLEGBAAR_REGISTER_USERNAME": "ann"})
    assert "ann" in str(missing.value)
    found = Credentials.from_environment({"UITLEGBAAR_REGISTER_USERNAME": "ann", "UITLEGBAAR_REGISTER_PASSWORD": "pw"})
    assert found == Credentials("ann", "pw")
    help_text = subprocess.run([EXECUTABLE, "publish", "--help"], capture_output=True, text=True, timeout=60).stdout
    assert "--password" not in help_text and "--token " not in help_text


def test_a_dry_run_plans_a_lookup_a_create_and_the_state_changes() -> None:
    requests = plan_requests(ORG, entry(), None, ("release", "publish"))
    assert [(r.method, r.path) for r in requests] == [
        ("GET", f"/organizations/{ORG}/algorithms"),
        ("POST", f"/organizations/{ORG}/algorithms"),
        ("PUT", f"/organizations/{ORG}/algorithms/{{lars}}/release"),
        ("PUT", f"/organizations/{ORG}/algorithms/{{lars}}/publish"),
    ]
    assert json.loads(requests[1].content() or b"") == entry()
    assert [r.method for r in plan_requests(ORG, entry(), "12345678")] == ["PUT"]


# ---------------------------------------------------------------- the LARS code in uitlegbaar.yaml

DECLARATION = """\
# Our algorithms. Keep this comment!
organization: Gemeente Noorderhaaks   # shared
contact_email: algoritmes@gemeentenoorderhaaks.nl

algorithms:
  verkeer:
    # the traffic model
    name: Voorspellen van verkeersdrukte 1
    source_id: ML-0001
    status: In gebruik
  parkeren: {name: Parkeren, source_id: ML-0002}
"""


def test_the_code_is_written_into_the_algorithms_block_keeping_the_rest(tmp_path: Path) -> None:
    file = tmp_path / "uitlegbaar.yaml"
    file.write_text(DECLARATION, encoding="utf-8")
    assert record_lars(file, "12345678", "verkeer") is True
    text = file.read_text(encoding="utf-8")
    assert text == DECLARATION.replace(
        "    # the traffic model\n    name", '    # the traffic model\n    lars: "12345678"\n    name'
    )
    assert record_lars(file, "12345678", "verkeer") is False
    assert record_lars(file, "87654321", "verkeer") is True
    assert file.read_text(encoding="utf-8") == text.replace("12345678", "87654321")
    with pytest.raises(ConfigurationError, match="not a block of keys"):
        record_lars(file, "12345678", "parkeren")
    with pytest.raises(ConfigurationError, match="not a LARS code"):
        record_lars(file, "1234", "verkeer")
    single = tmp_path / "single.yaml"
    single.write_text("name: X  # naam\nlars: ~\n", encoding="utf-8")
    record_lars(single, "11111111")
    assert single.read_text(encoding="utf-8") == 'name: X  # naam\nlars: "11111111"\n'


def test_publish_command_dry_run_then_send_stores_the_code(
    register: tuple[FakeRegister, Served], tmp_path: Path
) -> None:
    fake, served = register
    fake.limit = 1000  # the command uses the real clock: do not let the double's limit wait for it
    (tmp_path / "uitlegbaar.yaml").write_text(DECLARATION, encoding="utf-8")
    (tmp_path / "entry.json").write_text(json.dumps(entry()), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("UITLEGBAAR_REGISTER")}
    base = [EXECUTABLE, "publish", "entry.json", "--org", ORG, "--api", served.api, "--token-url", served.token_url]

    def run(*extra: str, secrets: bool = True) -> subprocess.CompletedProcess[str]:
        more = (
            {"UITLEGBAAR_REGISTER_USERNAME": "redacteur", "UITLEGBAAR_REGISTER_PASSWORD": PASSWORD} if secrets else {}
        )
        return subprocess.run(
            [*base, *extra], capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env | more
        )

    dry = run("--json", secrets=False)
    assert dry.returncode == 0, dry.stderr
    shown = json.loads(dry.stdout)
    assert shown["dry_run"] is True and fake.requests == []
    assert [r["method"] for r in shown["requests"]] == ["GET", "POST"]
    assert shown["requests"][1]["body"] == entry()

    assert run("--send", secrets=False).returncode == 2  # no account: one clear error, nothing sent
    assert fake.requests == []

    sent = run("--send", "--release")
    assert sent.returncode == 0, sent.stderr
    (lars,) = fake.algorithms
    assert f"created {lars}" in sent.stdout and f"stored lars {lars}" in sent.stdout
    assert f'lars: "{lars}"' in (tmp_path / "uitlegbaar.yaml").read_text(encoding="utf-8")
    assert PASSWORD not in sent.stdout + sent.stderr

    dry_again = run("--json")
    assert [r["method"] for r in json.loads(dry_again.stdout)["requests"]] == ["PUT"]  # the code was kept
    updated = run("--send", "--json")
    assert json.loads(updated.stdout)["outcomes"][0]["action"] == "unchanged"
    assert len(fake.algorithms) == 1


def test_publish_command_sends_a_plan(register: tuple[FakeRegister, Served], tmp_path: Path) -> None:
    from uitlegbaar.registry.ingest import make_plan
    from uitlegbaar.registry.sources import Document

    fake, served = register
    fake.limit = 1000
    plan = make_plan([Document("entry", entry(n), f"t#{n}") for n in (1, 2)])
    (tmp_path / "plan.json").write_text(json.dumps(plan.to_dict()), encoding="utf-8")
    env = dict(os.environ) | {"UITLEGBAAR_REGISTER_USERNAME": "redacteur", "UITLEGBAAR_REGISTER_PASSWORD": PASSWORD}
    args = [EXECUTABLE, "publish", "plan.json", "--org", ORG, "--api", served.api, "--token-url", served.token_url]
    done = subprocess.run(
        [*args, "--send", "--json"], capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env
    )
    assert done.returncode == 0, done.stderr
    outcomes = json.loads(done.stdout)["outcomes"]
    assert [(o["source_id"], o["action"]) for o in outcomes] == [("ML-0001", "created"), ("ML-0002", "created")]
    assert {fake.stored(o["lars"])["source_id"] for o in outcomes} == {"ML-0001", "ML-0002"}
