"""Entry point of the lead service: `python -m lead.main api|worker`.

Imports happen inside the functions so that the worker is monkey-patched first."""

from __future__ import annotations

from crm_runtime.config import Settings
from crm_runtime.entry import main, worker_relay_only


def run_api(settings: Settings) -> None:
    from crm_runtime.wiring import serve_api

    from lead.app import LeadApp
    from lead.grpc_api import register
    from lead.store import ensure_indexes

    serve_api(settings, ensure_indexes, LeadApp, register)


if __name__ == "__main__":
    # The worker runs the outbox relay; SLA and recycling timers join it with the lead issue.
    main("lead", api=run_api, worker=worker_relay_only)
