"""`export --to openlineage --url`: the client's http transport posting to a real HTTP endpoint.

A lineage server such as Marquez does not run here, so the endpoint is a small HTTP server on
127.0.0.1 that records every request it receives (path, headers, body) and answers as Marquez does
(201 for an accepted event); it is the only stand-in in these tests and does not check the events
itself: the test does, against the official schemas.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from helpers import cli, lineage_problems
from pipelines import capture_run


@dataclass
class Recorder:
    status: int = 201
    received: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def endpoint() -> Iterator[tuple[str, Recorder]]:
    recorder = Recorder()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            recorder.received.append({"path": self.path, "type": self.headers.get("Content-Type"), "body": body})
            self.send_response(recorder.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:  # keep the test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", recorder
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_events_are_posted_one_by_one_to_the_lineage_endpoint(
    store: Path, endpoint: tuple[str, Recorder], tmp_path: Path
) -> None:
    url, recorder = endpoint
    run = capture_run()
    sent = cli("export", run, "--to", "openlineage", "--url", url, store=store)
    assert sent.returncode == 0, sent.stderr
    written = tmp_path / "events.jsonl"
    assert cli("export", run, "--to", "openlineage", "-o", str(written), store=store).returncode == 0

    expected = [json.loads(line) for line in written.read_text(encoding="utf-8").splitlines()]
    assert [r["path"] for r in recorder.received] == ["/api/v1/lineage"] * len(expected)
    assert all(r["type"] == "application/json" for r in recorder.received)
    posted = [json.loads(r["body"]) for r in recorder.received]
    assert posted == expected  # the same events, in the same order, as the file transport writes
    assert posted[0]["eventType"] == "START" and posted[-1]["eventType"] == "COMPLETE"
    assert lineage_problems(posted) == []
    assert f"sent {len(expected)} events to {url}" in sent.stderr


def test_a_refusing_server_is_one_clear_error(store: Path, endpoint: tuple[str, Recorder]) -> None:
    url, recorder = endpoint
    recorder.status = 400  # not retried by the client (only 5xx are)
    run = capture_run()
    done = cli("export", run, "--to", "openlineage", "--url", url, store=store)
    assert done.returncode == 2
    *said, error = done.stderr.strip().splitlines()  # which declaration was used (here: none), then the error
    assert error.startswith(f"Error: could not send the lineage events to {url}/api/v1/lineage: ")
    assert [line for line in said if not line.startswith(("note: ", "declaration: "))] == []
    assert len(recorder.received) == 1  # stopped at the first refusal
