"""Readiness checks of the local stack's processes: gRPC health for apis, the
`crm_process_ready` metric for workers, /healthz for the gateway."""

from __future__ import annotations

import os
import time
import urllib.request
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


def grpc_serving(port: int) -> bool:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        try:
            reply = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=""), timeout=1
            )
        except grpc.RpcError:
            return False
    return reply.status == health_pb2.HealthCheckResponse.SERVING


def http_ok(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 (loopback only)
            return response.read().decode() if response.status == 200 else ""
    except OSError:
        return ""


def ready(check: list[object]) -> bool:
    kind, port = check
    if kind == "grpc":
        return grpc_serving(int(port))  # type: ignore[call-overload]
    if kind == "http":
        return bool(http_ok(f"http://127.0.0.1:{port}/healthz"))
    text = http_ok(f"http://127.0.0.1:{port}/metrics")
    return any(
        line.startswith("crm_process_ready{") and line.endswith(" 1.0")
        for line in text.splitlines()
    )


def _alive(pid: int) -> bool:
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_healthy(
    procs: list[dict[str, object]], pids: dict[str, int], logs: Path, timeout: float
) -> list[str]:
    """Wait until every process is ready; the problems found when time ran out."""
    pending = {str(p["name"]): p for p in procs}
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        for name, proc in list(pending.items()):
            if not _alive(pids[name]):
                break
            if ready(proc["check"]):  # type: ignore[arg-type]
                del pending[name]
        else:
            time.sleep(0.3)
            continue
        break  # a process died
    problems = []
    for name in pending:
        state = "exited" if not _alive(pids[name]) else "not healthy in time"
        tail = (logs / f"{name}.log").read_text(errors="replace").splitlines()[-15:]
        problems.append(f"{name}: {state}; last lines of its log:\n  " + "\n  ".join(tail))
    return problems
