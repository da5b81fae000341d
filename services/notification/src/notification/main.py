"""Entry point of the notification service: `python -m notification.main api|worker`.

Imports happen inside the functions so that the worker is monkey-patched first."""

from __future__ import annotations

from crm_runtime.config import Settings
from crm_runtime.entry import main


def run_api(settings: Settings) -> None:
    from crm_runtime.wiring import serve_api

    from notification.apps import app_builder
    from notification.grpc_api import register
    from notification.indexes import ensure_indexes

    serve_api(settings, ensure_indexes, app_builder(settings), register)


def run_worker(settings: Settings) -> None:
    from crm_runtime.worker import run_worker as run

    from notification.worker import NotificationWorker

    run(settings, NotificationWorker)


if __name__ == "__main__":
    main("notification", api=run_api, worker=run_worker)
