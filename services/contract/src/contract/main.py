"""Entry point of the contract service: `python -m contract.main api|worker`.

Imports happen inside the functions so that the worker is monkey-patched first. The
worker relays the outbox (its event handlers arrive with approvals and signatures)."""

from __future__ import annotations

from crm_runtime.config import Settings
from crm_runtime.entry import main, worker_relay_only


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


if __name__ == "__main__":
    main("contract", api=run_api, worker=worker_relay_only)
