"""Payment worker: the plan of a signed contract from the contract service's
ContractSigned (idempotent by event id, and one plan per contract version), and the
calendar moving receivables from upcoming to due to overdue on a timer (every replica
runs it; version-checked saves make each move happen once), beside the outbox relay."""

from __future__ import annotations

from typing import Any

from crm_runtime.storage.mongo import UnitOfWork
from crm_runtime.worker import AppProvider, HandlerTelemetry, every, on_event

from payment.indexes import ensure_indexes
from payment.mongo_storage import MongoPaymentStorage
from payment.plans.use_cases import PlanApp

CALENDAR_INTERVAL_SECONDS = 60


def plans(uow: UnitOfWork) -> PlanApp:
    return PlanApp(MongoPaymentStorage(uow))


class PaymentWorker:
    name = "payment"

    plans: PlanApp = AppProvider(ensure_indexes, plans)
    telemetry = HandlerTelemetry()

    @every(CALENDAR_INTERVAL_SECONDS)
    def run_calendar(self) -> None:
        while self.plans.run_calendar() > 0:
            pass  # a full or partial batch moved: more may be due

    @on_event("contract", "ContractSigned")
    def on_contract_signed(self, envelope: dict[str, Any]) -> bool:
        return self.plans.on_contract_signed(envelope)
