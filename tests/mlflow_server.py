"""A real MLflow tracking server for the tests, and a fault-injecting TCP proxy in front of it.

`.ci/run` starts one server (SQLite backend, local artifact root) and passes its address in
UITLEGBAAR_TEST_MLFLOW_URI; without it, `running_server` starts its own `mlflow server` on a free port.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

STARTUP_S = 180


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def healthy(uri: str) -> bool:
    try:
        with urllib.request.urlopen(f"{uri}/health", timeout=2) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


@contextlib.contextmanager
def running_server(folder: Path, backend: str | None = None, workers: int = 1) -> Iterator[str]:
    """The tracking server CI started, else a new `mlflow server` on 127.0.0.1 (stopped afterwards); SQLite unless
    another `backend` store URI is given."""
    given = os.environ.get("UITLEGBAAR_TEST_MLFLOW_URI")
    if given and backend is None:
        yield given.rstrip("/")
        return
    port = free_port()
    uri = f"http://127.0.0.1:{port}"
    folder.mkdir(parents=True, exist_ok=True)
    log = (folder / "server.log").open("wb")
    mlflow = Path(sys.executable).parent / "mlflow"
    process = subprocess.Popen(
        [
            str(mlflow), "server", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
            "--backend-store-uri", backend or f"sqlite:///{folder / 'mlflow.db'}",
            "--artifacts-destination", str(folder / "artifacts"),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + STARTUP_S
        while not healthy(uri):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"mlflow server did not start; see {folder / 'server.log'}")
            time.sleep(0.5)
        yield uri
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


class FaultyProxy:
    """Forwards TCP to a real server, until told to fail: `stop()` closes the port (connection refused, as a
    stopped server), `answer_500()` answers every request with HTTP 500, `restore()` forwards again. A stand-in for
    the network between client and server; the server behind it is the real one."""

    def __init__(self, target: str) -> None:
        host, port = target.split("//", 1)[1].split(":")
        self.target = (host, int(port))
        self.port = free_port()
        self.mode = "forward"
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self.restore()

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def restore(self) -> None:
        self.mode = "forward"
        if self._listener is None:
            listener = socket.socket()
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", self.port))
            listener.listen(64)
            self._listener = listener
            self._thread = threading.Thread(target=self._accept, args=(listener,), daemon=True)
            self._thread.start()

    def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()

    def answer_500(self) -> None:
        self.mode = "500"

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with client:
            if self.mode == "500":
                client.recv(65536)
                body = b'{"error_code": "INTERNAL_ERROR", "message": "injected"}'
                client.sendall(
                    b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
                    + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                    + body
                )
                return
            with contextlib.suppress(OSError), socket.create_connection(self.target) as upstream:
                sockets = [client, upstream]
                while self._listener is not None and self.mode == "forward":
                    readable, _, _ = select.select(sockets, [], [], 0.2)
                    for source in readable:
                        data = source.recv(65536)
                        if not data:
                            return
                        (upstream if source is client else client).sendall(data)


@contextlib.contextmanager
def running_postgres_server(folder: Path) -> Iterator[str]:
    """An MLflow tracking server on a real PostgreSQL: the one `.ci/run` started (UITLEGBAAR_TEST_MLFLOW_POSTGRES_URI),
    else a new PostgreSQL cluster (Debian's `postgresql`, as the `postgres` user when run as root) and a server."""
    given = os.environ.get("UITLEGBAAR_TEST_MLFLOW_POSTGRES_URI")
    if given:
        yield given.rstrip("/")
        return
    binaries = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not binaries:
        raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql); .ci/run installs it")
    bin_dir = binaries[-1].parent
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    cluster = Path(tempfile.mkdtemp(prefix="uitlegbaar-postgres-"))  # outside pytest's private tree, for `postgres`
    data, port = cluster / "data", free_port()
    if as_postgres:
        shutil.chown(cluster, "postgres")
    subprocess.run([*as_postgres, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"],
                   check=True, capture_output=True)  # fmt: skip
    options = f"-p {port} -k {cluster} -c listen_addresses=127.0.0.1"
    log = str(cluster / "pg.log")
    subprocess.run([*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", log, "-w", "start"],
                   check=True, capture_output=True)  # fmt: skip
    try:
        subprocess.run([str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "mlflow"],
                       check=True, capture_output=True)  # fmt: skip
        backend = f"postgresql://postgres@127.0.0.1:{port}/mlflow"
        with running_server(folder / "mlflow", backend=backend, workers=2) as uri:
            yield uri
    finally:
        subprocess.run([*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
                       capture_output=True)  # fmt: skip
        shutil.rmtree(cluster, ignore_errors=True)
