"""The servers the local stack stands on: MongoDB (embedded SecantusDB), RabbitMQ, Redis.

RabbitMQ and Redis are used where they already run; otherwise they are installed from
the OS packages and started, and remembered so that `down` stops only what `up` began.
Setting CRM_MONGO_URI, CRM_AMQP_URI or CRM_REDIS_URL points everything at external
servers instead, and then nothing is installed or started for that server.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_for_port(host: str, port: int, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if port_open(host, port):
            return
        time.sleep(0.2)
    raise SystemExit(f"{what} did not open {host}:{port} within {seconds:.0f} s")


def tool(name: str) -> str:
    """Full path of a system command (also looked for in sbin, where Debian puts servers)."""
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin:/sbin")
    if path is None:
        raise SystemExit(f"{name} is not installed")
    return path


def run(cmd: list[str], timeout: float = 600) -> None:
    print("  $", " ".join(cmd), flush=True)
    subprocess.run([tool(cmd[0]), *cmd[1:]], check=True, timeout=timeout)


_apt_updated = False


def apt_install(*packages: str) -> None:
    global _apt_updated
    if os.geteuid() != 0:
        raise SystemExit(f"{', '.join(packages)} missing and not root: install them and retry")
    env_noninteractive = ["env", "DEBIAN_FRONTEND=noninteractive"]
    if not _apt_updated:
        run([*env_noninteractive, "apt-get", "update", "-q"])
        _apt_updated = True
    run([*env_noninteractive, "apt-get", "install", "-y", "-q", *packages])


def ensure_rabbitmq() -> bool:
    """Make sure a broker listens on 127.0.0.1:5672; True if we started it."""
    if os.environ.get("CRM_AMQP_URI") or port_open("127.0.0.1", 5672):
        return False
    if not shutil.which("rabbitmq-server", path="/usr/sbin:/usr/bin"):
        apt_install("rabbitmq-server")
    print("starting RabbitMQ (rabbitmq-server -detached)", flush=True)
    run(["rabbitmq-server", "-detached"])
    wait_for_port("127.0.0.1", 5672, 90, "RabbitMQ")
    return True


def ensure_vhost(vhost: str) -> None:
    """A vhost of our own (tests and the test stack never share queues with `make up`)."""
    if os.environ.get("CRM_AMQP_URI"):
        return
    run(["rabbitmqctl", "-q", "add_vhost", vhost]) if not _vhost_exists(vhost) else None
    run(["rabbitmqctl", "-q", "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"])


def _vhost_exists(vhost: str) -> bool:
    out = subprocess.run(
        ["rabbitmqctl", "-q", "list_vhosts"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return vhost in out.stdout.split()


def stop_rabbitmq() -> None:
    subprocess.run([tool("rabbitmqctl"), "stop"], check=False, timeout=120)


def ensure_redis() -> bool:
    """Make sure Redis listens on 127.0.0.1:6379; True if we started it."""
    if os.environ.get("CRM_REDIS_URL") or port_open("127.0.0.1", 6379):
        return False
    if not shutil.which("redis-server"):
        apt_install("redis-server")
    print("starting Redis", flush=True)
    run(
        [
            "redis-server",
            "--daemonize",
            "yes",
            "--bind",
            "127.0.0.1",
            "--port",
            "6379",
            "--save",
            "",
            "--appendonly",
            "no",
        ]
    )
    wait_for_port("127.0.0.1", 6379, 30, "Redis")
    return True


def stop_redis() -> None:
    subprocess.run([tool("redis-cli"), "-p", "6379", "shutdown", "nosave"], check=False, timeout=30)


def ensure_promtool() -> None:
    """promtool checks alert rules and metrics text (Debian's prometheus package)."""
    if not shutil.which("promtool"):
        apt_install("prometheus")


def mongo_command(venv: Path, port: int, storage: Path) -> list[str]:
    return [
        str(venv / "bin" / "secantusd-py"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--storage-path",
        str(storage),
        "--sync-on-commit",
        "--log-level",
        "WARNING",
    ]
