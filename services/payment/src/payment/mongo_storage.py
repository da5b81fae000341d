"""The payment service's storage seam (payment.ports) on MongoDB: every area's
repositories over one `crm_runtime.storage.mongo.UnitOfWork`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from crm_runtime.messaging.inbox import handle_once
from crm_runtime.storage.mongo import Transaction, UnitOfWork, due_for_checks

from payment.indexes import RECEIVABLES
from payment.plans.store import PlanRepository, ReceivableRepository
from payment.ports import PaymentStorage, Plans, Receipts, Receivables, Stores
from payment.receipts.store import ReceiptRepository

T = TypeVar("T")


class MongoStores:
    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    def plans(self, tenant_id: str) -> PlanRepository:
        return PlanRepository(self.tx, tenant_id)

    def receivables(self, tenant_id: str) -> ReceivableRepository:
        return ReceivableRepository(self.tx, tenant_id)

    def receipts(self, tenant_id: str) -> ReceiptRepository:
        return ReceiptRepository(self.tx, tenant_id)


class MongoPaymentStorage:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    def run(self, work: Callable[[Stores], T]) -> T:
        return self.uow.run(lambda tx: work(MongoStores(tx)))

    def handle_once(
        self, handler: str, envelope: dict[str, Any], effect: Callable[[Stores], None]
    ) -> bool:
        return handle_once(self.uow, handler, envelope, lambda tx: effect(MongoStores(tx)))

    def due_receivables(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        return due_for_checks(self.uow.db[RECEIVABLES], now, limit)


if TYPE_CHECKING:  # mypy proves the stores implement every Protocol of the seam
    _storage: type[PaymentStorage] = MongoPaymentStorage
    _stores: type[Stores] = MongoStores
    _plans: type[Plans] = PlanRepository
    _receivables: type[Receivables] = ReceivableRepository
    _receipts: type[Receipts] = ReceiptRepository
