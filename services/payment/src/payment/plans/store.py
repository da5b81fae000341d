"""Payment plans and receivables on MongoDB: a plan document and one document per
receivable (lists filter receivables on their own), written in one transaction."""

from __future__ import annotations

from typing import Any

from crm_runtime.errors import AlreadyExists
from crm_runtime.storage.mongo import Transaction
from crm_runtime.storage.repository import page_docs, save_versioned
from pymongo.errors import DuplicateKeyError

from payment.indexes import (
    NEWEST_FIRST,
    PLAN_OF_CONTRACT,
    PLANS,
    RECEIVABLE_BY_REFERENCE,
    RECEIVABLE_LISTS,
    RECEIVABLES,
    RECEIVABLES_OF_CONTRACT_NUMBER,
    RECEIVABLES_OF_PLAN,
)
from payment.plans.documents import (
    plan_from_doc,
    plan_to_doc,
    receivable_from_doc,
    receivable_to_doc,
)
from payment.plans.domain.model import PaymentPlan, Receivable


def already_planned(plan: PaymentPlan) -> AlreadyExists:
    c = plan.contract
    return AlreadyExists(
        f"contract {c.contract_id} version {c.document_version} has a payment plan already"
    )


class PlanRepository:
    def __init__(self, tx: Transaction, tenant_id: str) -> None:
        self.tx = tx
        self.plans = tx.collection(PLANS, tenant_id)
        self.receivables = tx.collection(RECEIVABLES, tenant_id)

    def add(self, plan: PaymentPlan) -> None:
        try:
            self.plans.insert_one(plan_to_doc(plan))
        except DuplicateKeyError as exc:
            raise already_planned(plan) from exc
        self.receivables.insert_many([receivable_to_doc(r) for r in plan.receivables])
        self.tx.record(*plan.events)

    def _with_receivables(self, doc: dict[str, object] | None) -> PaymentPlan | None:
        if doc is None:
            return None
        found = self.receivables.find(
            {"plan_id": doc["_id"]}, sort=[("sequence", 1)], hint=RECEIVABLES_OF_PLAN.name
        )
        return plan_from_doc(doc, list(found))

    def get(self, plan_id: str) -> PaymentPlan | None:
        return self._with_receivables(self.plans.find_one({"_id": plan_id}))

    def of_contract(self, contract_id: str, document_version: int) -> PaymentPlan | None:
        doc = self.plans.find_one(
            {"contract_id": contract_id, "contract_document_version": document_version},
            hint=PLAN_OF_CONTRACT.name,
        )
        return self._with_receivables(doc)

    def active_of(self, contract_id: str) -> PaymentPlan | None:
        found = self.plans.find(
            {"contract_id": contract_id, "active": True},
            sort=[("contract_document_version", -1)],
            limit=1,
            hint=PLAN_OF_CONTRACT.name,
        )
        return self._with_receivables(next(found, None))


class ReceivableRepository:
    def __init__(self, tx: Transaction, tenant_id: str) -> None:
        self.tx = tx
        self.docs = tx.collection(RECEIVABLES, tenant_id)

    def get(self, receivable_id: str) -> Receivable | None:
        doc = self.docs.find_one({"_id": receivable_id})
        return receivable_from_doc(doc) if doc else None

    def save(self, receivable: Receivable, expected_version: int) -> None:
        doc = receivable_to_doc(receivable)
        save_versioned(self.docs, doc, expected_version, f"receivable {receivable.id}")
        self.tx.record(*receivable.events)

    def page(
        self, query: dict[str, Any], key: str, limit: int, after: tuple[Any, str] | None
    ) -> list[Receivable]:
        hint = RECEIVABLE_LISTS[key].name
        docs = page_docs(self.docs, query, NEWEST_FIRST, limit, after, hint)
        return [receivable_from_doc(d) for d in docs]

    def with_values(self, field: str, values: list[str], limit: int) -> list[Receivable]:
        index = {
            "reference": RECEIVABLE_BY_REFERENCE,
            "contract_number": RECEIVABLES_OF_CONTRACT_NUMBER,
        }
        if not values:
            return []
        found = self.docs.find({field: {"$in": values}}, limit=limit, hint=index[field].name)
        return [receivable_from_doc(d) for d in found]
