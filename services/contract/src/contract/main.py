"""Entry point of the contract service: `python -m contract.main api|worker`.

Its contract is in protos/crm/contract/v1; the servicer and event handlers arrive with the
issue that builds this service. Until then both processes run the shared platform
parts (health, reflection, metrics, tracing; the outbox relay) so that deployment,
probes and dashboards are exercised from day one."""

from __future__ import annotations

from crm_runtime.config import Settings
from crm_runtime.entry import main


def run_api(settings: Settings) -> None:
    from crm_runtime.grpc_server import serve
    from crm_runtime.telemetry import setup_telemetry

    setup_telemetry(settings)
    serve(settings, lambda server: [])


def run_worker(settings: Settings) -> None:
    from crm_runtime.worker import run_worker as run

    run(settings)


if __name__ == "__main__":
    main("contract", api=run_api, worker=run_worker)
