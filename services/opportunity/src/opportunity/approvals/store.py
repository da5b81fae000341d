"""Approval persistence on MongoDB inside one unit of work."""

from __future__ import annotations

from typing import Any

from crm_runtime.storage.mongo import Doc, Transaction
from crm_runtime.storage.repository import index_name, page_docs, save_versioned

from opportunity.approvals.documents import approval_from_doc, approval_to_doc
from opportunity.approvals.domain import Approval
from opportunity.indexes import APPROVAL_KEYS, APPROVAL_SORT, APPROVALS, filters_on


def approval_index(query: dict[str, Any]) -> str:
    tail = APPROVAL_SORT.index_spec
    for key in APPROVAL_KEYS:
        if filters_on(key, query):
            return index_name(("tenant_id", 1), (key, 1), *tail)
    return index_name(("tenant_id", 1), *tail)


class ApprovalRepository:
    def __init__(self, tx: Transaction, tenant_id: str) -> None:
        self.tx = tx
        self.approvals = tx.collection(APPROVALS, tenant_id)

    def add(self, approval: Approval) -> None:
        self.approvals.insert_one(approval_to_doc(approval))
        self.tx.record(*approval.events)

    def save(self, approval: Approval, expected_version: int) -> Approval:
        saved = save_versioned(
            self.approvals, approval_to_doc(approval), expected_version, f"approval {approval.id}"
        )
        self.tx.record(*approval.events)
        return approval_from_doc(saved)

    def get(self, approval_id: str) -> Approval | None:
        doc = self.approvals.find_one({"_id": approval_id})
        return approval_from_doc(doc) if doc else None

    def page(self, query: Doc, limit: int, after: tuple[Any, str] | None) -> list[Approval]:
        docs = page_docs(self.approvals, query, APPROVAL_SORT, limit, after, approval_index(query))
        return [approval_from_doc(d) for d in docs]
