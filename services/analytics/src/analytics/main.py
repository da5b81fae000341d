"""Entry point of the analytics service: `python -m analytics.main api|worker`.

Imports happen inside the functions so that the worker is monkey-patched first."""

from __future__ import annotations

from crm_runtime.config import Settings
from crm_runtime.entry import main


def run_api(settings: Settings) -> None:
    from crm_runtime.wiring import serve_api

    from analytics.apps import build
    from analytics.grpc_api import register
    from analytics.store import ensure_indexes

    serve_api(settings, ensure_indexes, build, register)


def run_worker(settings: Settings) -> None:
    from crm_runtime.worker import run_worker as run

    from analytics.worker import AnalyticsWorker

    run(settings, AnalyticsWorker)


if __name__ == "__main__":
    main("analytics", api=run_api, worker=run_worker)
