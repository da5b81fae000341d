"""The service's use-case objects, built once per process around one storage (the Mongo
one, or the in-memory one of the unit tests): one member per area's use_cases.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from crm_runtime.clock import utcnow
from crm_runtime.storage.mongo import UnitOfWork

from payment.mongo_storage import MongoPaymentStorage
from payment.plans.use_cases import PlanApp
from payment.ports import PaymentStorage
from payment.receipts.use_cases import ReceiptApp
from payment.reconciliation.use_cases import ReconciliationApp


@dataclass(frozen=True)
class PaymentApps:
    plans: PlanApp
    receipts: ReceiptApp
    reconciliation: ReconciliationApp

    @classmethod
    def build(cls, uow: UnitOfWork) -> PaymentApps:
        return cls.on(MongoPaymentStorage(uow))

    @classmethod
    def on(cls, storage: PaymentStorage, clock: Callable[[], datetime] = utcnow) -> PaymentApps:
        return cls(
            plans=PlanApp(storage, clock),
            receipts=ReceiptApp(storage, clock),
            reconciliation=ReconciliationApp(storage, clock),
        )
