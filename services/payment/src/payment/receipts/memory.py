"""Receipts in memory (payment.ports), the same documents as on the store."""

from __future__ import annotations

from typing import Any

from crm_runtime.storage.memory import MemoryTransaction, TenantTable

from payment.indexes import LATEST_RECEIVED_FIRST, RECEIPTS
from payment.receipts.documents import receipt_from_doc, receipt_to_doc
from payment.receipts.domain import Receipt
from payment.receipts.store import already_recorded


class MemoryReceipts:
    def __init__(self, tx: MemoryTransaction, tenant_id: str) -> None:
        self.tx = tx
        self.docs = TenantTable(tx, RECEIPTS, tenant_id)

    def add(self, receipt: Receipt) -> None:
        reference = receipt.draft.external_reference
        if self.docs.find({"external_reference": reference}):
            raise already_recorded(reference)
        self.docs.insert(receipt_to_doc(receipt))
        self.tx.record(*receipt.events)

    def get(self, receipt_id: str) -> Receipt | None:
        doc = self.docs.get(receipt_id)
        return receipt_from_doc(doc) if doc else None

    def by_reference(self, reference: str) -> Receipt | None:
        found = self.docs.find({"external_reference": reference}, limit=1)
        return receipt_from_doc(found[0]) if found else None

    def save(self, receipt: Receipt, expected_version: int) -> None:
        doc = receipt_to_doc(receipt)
        self.docs.save_versioned(doc, expected_version, f"receipt {receipt.id}")
        self.tx.record(*receipt.events)

    def page(
        self, query: dict[str, Any], key: str, limit: int, after: tuple[Any, str] | None
    ) -> list[Receipt]:
        docs = self.docs.page(query, LATEST_RECEIVED_FIRST, limit, after)
        return [receipt_from_doc(d) for d in docs]
