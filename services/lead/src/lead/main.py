"""Entry point of the lead service: `python -m lead.main api|worker`.

Imports happen inside the functions so that the worker is monkey-patched first."""

from __future__ import annotations

from crm_runtime.config import Settings
from crm_runtime.entry import main


def run_api(settings: Settings) -> None:
    from crm_runtime.wiring import serve_api

    from lead.grpc_api import LeadApps, register
    from lead.indexes import ensure_indexes

    serve_api(settings, ensure_indexes, LeadApps.build, register)


def run_worker(settings: Settings) -> None:
    from crm_runtime.worker import run_worker as run

    from lead.worker import LeadWorker

    run(settings, LeadWorker)


if __name__ == "__main__":
    main("lead", api=run_api, worker=run_worker)
