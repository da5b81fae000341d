"""Entry point of the payment service: `python -m payment.main api|worker`.

Imports happen inside the functions so that the worker is monkey-patched first."""

from __future__ import annotations

from crm_runtime.config import Settings
from crm_runtime.entry import main


def run_api(settings: Settings) -> None:
    from crm_runtime.wiring import serve_api

    from payment.grpc_api import PaymentApps, register
    from payment.indexes import ensure_indexes

    serve_api(settings, ensure_indexes, PaymentApps.build, register)


def run_worker(settings: Settings) -> None:
    from crm_runtime.worker import run_worker as run

    from payment.worker import PaymentWorker

    run(settings, PaymentWorker)


if __name__ == "__main__":
    main("payment", api=run_api, worker=run_worker)
