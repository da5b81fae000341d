"""Entry point of the contract service: `python -m contract.main api|worker`.

Imports happen inside the functions so that the worker is monkey-patched first. The
worker expires contracts past their end date and relays the outbox."""

from __future__ import annotations

from crm_runtime.config import Settings
from crm_runtime.entry import main


def run_api(settings: Settings) -> None:
    from crm_runtime.wiring import serve_api

    from contract.apps import ContractApps
    from contract.contracts.opportunity_client import OpportunityClient
    from contract.grpc_api import register
    from contract.indexes import ensure_indexes

    opportunities = OpportunityClient.connect(settings)
    serve_api(
        settings, ensure_indexes, lambda uow: ContractApps.build(uow, opportunities), register
    )


def run_worker(settings: Settings) -> None:
    from crm_runtime.worker import run_worker as run

    from contract.worker import ContractWorker

    run(settings, ContractWorker)


if __name__ == "__main__":
    main("contract", api=run_api, worker=run_worker)
