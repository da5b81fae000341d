"""Real servers for tests: the embedded MongoDB on a free port, the broker's vhost."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

WORKER_TEST_VHOST = "crm_worker_tests"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(port: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"the embedded MongoDB did not listen on {port} in {seconds} s")


@contextmanager
def embedded_mongo() -> Iterator[str]:
    """A MongoDB URI for tests: CRM_TEST_MONGO_URI if set, else a fresh in-memory
    SecantusDB (a dev dependency) started for the test session."""
    external = os.environ.get("CRM_TEST_MONGO_URI")
    if external:
        yield external
        return
    port = free_port()
    binary = Path(sys.executable).parent / "secantusd-py"
    proc = subprocess.Popen(  # noqa: S603 (our own venv's binary)
        [
            str(binary),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--storage-path",
            ":memory:",
            "--log-level",
            "WARNING",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(port, 30)
        yield f"mongodb://127.0.0.1:{port}/?retryWrites=false&directConnection=true"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def worker_amqp_uri() -> str:
    """The broker for worker tests: CRM_TEST_AMQP_URI, else the local broker's test vhost
    (created by `deploy/local/stack.py prepare`, which `make test` runs first)."""
    return os.environ.get(
        "CRM_TEST_AMQP_URI", f"amqp://guest:guest@127.0.0.1:5672/{WORKER_TEST_VHOST}"
    )
