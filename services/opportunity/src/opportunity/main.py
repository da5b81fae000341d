"""Entry point of the opportunity service: `python -m opportunity.main api|worker`.

Imports happen inside the functions so that the worker is monkey-patched first."""

from __future__ import annotations

from crm_runtime.config import Settings
from crm_runtime.entry import main


def run_api(settings: Settings) -> None:
    from crm_runtime.wiring import serve_api

    from opportunity.conversion.lead_client import LeadClient
    from opportunity.grpc_api import OpportunityApps, register
    from opportunity.indexes import ensure_indexes

    leads = LeadClient.connect(settings)
    serve_api(settings, ensure_indexes, lambda uow: OpportunityApps.build(uow, leads), register)


def run_worker(settings: Settings) -> None:
    from crm_runtime.worker import run_worker as run

    from opportunity.worker import OpportunityWorker

    run(settings, OpportunityWorker)


if __name__ == "__main__":
    main("opportunity", api=run_api, worker=run_worker)
