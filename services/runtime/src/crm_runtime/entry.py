"""`python -m <service>.main api|worker`: picks the process and, for a worker, applies
eventlet's monkey patching before anything else is imported (nameko needs it; grpcio
must never be imported in that process)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from crm_runtime.config import Settings

PROCESSES = ("api", "worker")


def main(
    service: str,
    api: Callable[[Settings], None],
    worker: Callable[[Settings], None],
    argv: Sequence[str] | None = None,
) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    process = args[0] if args else "api"
    if process not in PROCESSES:
        sys.exit(f"usage: python -m {service}.main [{'|'.join(PROCESSES)}]")
    if process == "worker":
        import eventlet

        eventlet.monkey_patch()
    settings = Settings.from_env(service, process)
    (worker if process == "worker" else api)(settings)


def api_without_rpcs(settings: Settings) -> None:
    """The api process of a service whose RPCs are not built yet: health, reflection,
    metrics and tracing only, so deployment, probes and dashboards work from day one."""
    from crm_runtime.rpc.server import serve
    from crm_runtime.telemetry import setup_telemetry

    setup_telemetry(settings)
    serve(settings, lambda server: [])


def worker_relay_only(settings: Settings) -> None:
    """The worker process of a service with no event handlers yet: its outbox relay."""
    from crm_runtime.worker import run_worker

    run_worker(settings)
