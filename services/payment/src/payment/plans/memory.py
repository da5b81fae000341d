"""Payment plans and receivables in memory (payment.ports), the same documents as on
the store, for the use-case tests; the contract suite keeps the two alike."""

from __future__ import annotations

from typing import Any

from crm_runtime.storage.memory import MemoryTransaction, TenantTable

from payment.indexes import NEWEST_FIRST, PLANS, RECEIVABLES
from payment.plans.documents import (
    plan_from_doc,
    plan_to_doc,
    receivable_from_doc,
    receivable_to_doc,
)
from payment.plans.domain.model import PaymentPlan, Receivable
from payment.plans.store import already_planned


class MemoryPlans:
    def __init__(self, tx: MemoryTransaction, tenant_id: str) -> None:
        self.tx = tx
        self.plans = TenantTable(tx, PLANS, tenant_id)
        self.receivables = TenantTable(tx, RECEIVABLES, tenant_id)

    def add(self, plan: PaymentPlan) -> None:
        c = plan.contract
        if self.plans.find(
            {"contract_id": c.contract_id, "contract_document_version": c.document_version}
        ):
            raise already_planned(plan)
        self.plans.insert(plan_to_doc(plan))
        for r in plan.receivables:
            self.receivables.insert(receivable_to_doc(r))
        self.tx.record(*plan.events)

    def _with_receivables(self, doc: dict[str, object] | None) -> PaymentPlan | None:
        if doc is None:
            return None
        found = self.receivables.find({"plan_id": doc["_id"]}, sort=[("sequence", 1)])
        return plan_from_doc(doc, found)

    def get(self, plan_id: str) -> PaymentPlan | None:
        return self._with_receivables(self.plans.get(plan_id))

    def of_contract(self, contract_id: str, document_version: int) -> PaymentPlan | None:
        found = self.plans.find(
            {"contract_id": contract_id, "contract_document_version": document_version}
        )
        return self._with_receivables(found[0] if found else None)

    def active_of(self, contract_id: str) -> PaymentPlan | None:
        found = self.plans.find(
            {"contract_id": contract_id, "active": True},
            sort=[("contract_document_version", -1)],
            limit=1,
        )
        return self._with_receivables(found[0] if found else None)


class MemoryReceivables:
    def __init__(self, tx: MemoryTransaction, tenant_id: str) -> None:
        self.tx = tx
        self.docs = TenantTable(tx, RECEIVABLES, tenant_id)

    def get(self, receivable_id: str) -> Receivable | None:
        doc = self.docs.get(receivable_id)
        return receivable_from_doc(doc) if doc else None

    def save(self, receivable: Receivable, expected_version: int) -> None:
        doc = receivable_to_doc(receivable)
        self.docs.save_versioned(doc, expected_version, f"receivable {receivable.id}")
        self.tx.record(*receivable.events)

    def page(
        self, query: dict[str, Any], key: str, limit: int, after: tuple[Any, str] | None
    ) -> list[Receivable]:
        return [receivable_from_doc(d) for d in self.docs.page(query, NEWEST_FIRST, limit, after)]

    def with_values(self, field: str, values: list[str], limit: int) -> list[Receivable]:
        if not values:
            return []
        return [
            receivable_from_doc(d) for d in self.docs.find({field: {"$in": values}}, limit=limit)
        ]
