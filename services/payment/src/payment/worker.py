"""Payment worker: the plan of a signed contract from the contract service's
ContractSigned (idempotent by event id, and one plan per contract version), beside the
outbox relay."""

from __future__ import annotations

from typing import Any

from crm_runtime.storage.mongo import UnitOfWork
from crm_runtime.worker import AppProvider, HandlerTelemetry, on_event

from payment.indexes import ensure_indexes
from payment.mongo_storage import MongoPaymentStorage
from payment.plans.use_cases import PlanApp


def plans(uow: UnitOfWork) -> PlanApp:
    return PlanApp(MongoPaymentStorage(uow))


class PaymentWorker:
    name = "payment"

    plans: PlanApp = AppProvider(ensure_indexes, plans)
    telemetry = HandlerTelemetry()

    @on_event("contract", "ContractSigned")
    def on_contract_signed(self, envelope: dict[str, Any]) -> bool:
        return self.plans.on_contract_signed(envelope)
