"""The payment service's storage seam (payment.ports) on MongoDB: every area's
repositories over one `crm_runtime.storage.mongo.UnitOfWork`."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from crm_runtime.storage.mongo import Transaction, UnitOfWork, due_for_checks
from crm_runtime.storage.seam import MongoSeam

from payment.indexes import RECEIVABLES
from payment.plans.store import PlanRepository, ReceivableRepository
from payment.ports import PaymentStorage, Plans, Receipts, Receivables, Stores
from payment.receipts.store import ReceiptRepository


class MongoStores:
    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    def plans(self, tenant_id: str) -> PlanRepository:
        return PlanRepository(self.tx, tenant_id)

    def receivables(self, tenant_id: str) -> ReceivableRepository:
        return ReceivableRepository(self.tx, tenant_id)

    def receipts(self, tenant_id: str) -> ReceiptRepository:
        return ReceiptRepository(self.tx, tenant_id)


class MongoPaymentStorage(MongoSeam[Stores]):
    def __init__(self, uow: UnitOfWork) -> None:
        super().__init__(uow, MongoStores)

    def due_receivables(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        return due_for_checks(self.uow.db[RECEIVABLES], now, limit)


if TYPE_CHECKING:  # mypy proves the stores implement every Protocol of the seam
    _storage: type[PaymentStorage] = MongoPaymentStorage
    _stores: type[Stores] = MongoStores
    _plans: type[Plans] = PlanRepository
    _receivables: type[Receivables] = ReceivableRepository
    _receipts: type[Receipts] = ReceiptRepository
