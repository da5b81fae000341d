"""Approvals in memory (opportunity.ports), keeping approvals/documents.py's documents."""

from __future__ import annotations

from crm_runtime.storage.memory import MemoryTransaction, TenantTable

from opportunity.approvals.documents import approval_from_doc, approval_to_doc
from opportunity.approvals.domain import Approval
from opportunity.indexes import APPROVAL_SORT, APPROVALS
from opportunity.ports import Position, Query


class MemoryApprovals:
    def __init__(self, tx: MemoryTransaction, tenant_id: str) -> None:
        self.tx = tx
        self.approvals = TenantTable(tx, APPROVALS, tenant_id)

    def add(self, approval: Approval) -> None:
        self.approvals.insert(approval_to_doc(approval))
        self.tx.record(*approval.events)

    def save(self, approval: Approval, expected_version: int) -> Approval:
        saved = self.approvals.save_versioned(
            approval_to_doc(approval), expected_version, f"approval {approval.id}"
        )
        self.tx.record(*approval.events)
        return approval_from_doc(saved)

    def get(self, approval_id: str) -> Approval | None:
        doc = self.approvals.get(approval_id)
        return approval_from_doc(doc) if doc else None

    def page(self, query: Query, limit: int, after: Position) -> list[Approval]:
        return [
            approval_from_doc(d) for d in self.approvals.page(query, APPROVAL_SORT, limit, after)
        ]
