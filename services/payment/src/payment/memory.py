"""The payment service's storage seam (payment.ports) in memory, on
`crm_runtime.storage.memory`: what the use-case tests run on."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from crm_runtime.storage.memory import MemoryTransaction, MemoryUnitOfWork
from crm_runtime.storage.seam import MemorySeam

from payment.indexes import RECEIVABLES
from payment.plans.memory import MemoryPlans, MemoryReceivables
from payment.ports import PaymentStorage, Plans, Receipts, Receivables, Stores
from payment.receipts.memory import MemoryReceipts


class MemoryStores:
    def __init__(self, tx: MemoryTransaction) -> None:
        self.tx = tx

    def plans(self, tenant_id: str) -> MemoryPlans:
        return MemoryPlans(self.tx, tenant_id)

    def receivables(self, tenant_id: str) -> MemoryReceivables:
        return MemoryReceivables(self.tx, tenant_id)

    def receipts(self, tenant_id: str) -> MemoryReceipts:
        return MemoryReceipts(self.tx, tenant_id)


class MemoryPaymentStorage(MemorySeam[Stores]):
    """`payment.ports.PaymentStorage` in memory; `uow.events` are the committed events."""

    def __init__(self, uow: MemoryUnitOfWork | None = None) -> None:
        super().__init__(uow or MemoryUnitOfWork(), MemoryStores)

    def due_receivables(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        with self.uow.lock:
            due = [
                (d["next_check_at"], tenant, d["_id"])
                for (tenant, _), d in self.uow.tables.get(RECEIVABLES, {}).items()
                if d.get("next_check_at") is not None and d["next_check_at"] <= now
            ]
        return [(tenant, rid) for _, tenant, rid in sorted(due)[:limit]]


if TYPE_CHECKING:  # mypy proves the fake implements every Protocol of the seam
    _storage: type[PaymentStorage] = MemoryPaymentStorage
    _stores: type[Stores] = MemoryStores
    _plans: type[Plans] = MemoryPlans
    _receivables: type[Receivables] = MemoryReceivables
    _receipts: type[Receipts] = MemoryReceipts
