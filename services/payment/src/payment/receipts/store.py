"""Receipts on MongoDB; a unique index on the external reference is what records a
receipt once when two reports race."""

from __future__ import annotations

from typing import Any

from crm_runtime.errors import AlreadyExists
from crm_runtime.storage.mongo import Transaction
from crm_runtime.storage.repository import page_docs, save_versioned
from pymongo.errors import DuplicateKeyError

from payment.indexes import (
    LATEST_RECEIVED_FIRST,
    RECEIPT_BY_REFERENCE,
    RECEIPT_LISTS,
    RECEIPTS,
)
from payment.receipts.documents import receipt_from_doc, receipt_to_doc
from payment.receipts.domain import Receipt


def already_recorded(reference: str) -> AlreadyExists:
    return AlreadyExists(f"external reference {reference} is recorded already")


class ReceiptRepository:
    def __init__(self, tx: Transaction, tenant_id: str) -> None:
        self.tx = tx
        self.docs = tx.collection(RECEIPTS, tenant_id)

    def add(self, receipt: Receipt) -> None:
        try:
            self.docs.insert_one(receipt_to_doc(receipt))
        except DuplicateKeyError as exc:
            raise already_recorded(receipt.draft.external_reference) from exc
        self.tx.record(*receipt.events)

    def get(self, receipt_id: str) -> Receipt | None:
        doc = self.docs.find_one({"_id": receipt_id})
        return receipt_from_doc(doc) if doc else None

    def by_reference(self, reference: str) -> Receipt | None:
        doc = self.docs.find_one({"external_reference": reference}, hint=RECEIPT_BY_REFERENCE.name)
        return receipt_from_doc(doc) if doc else None

    def save(self, receipt: Receipt, expected_version: int) -> None:
        doc = receipt_to_doc(receipt)
        save_versioned(self.docs, doc, expected_version, f"receipt {receipt.id}")
        self.tx.record(*receipt.events)

    def page(
        self, query: dict[str, Any], key: str, limit: int, after: tuple[Any, str] | None
    ) -> list[Receipt]:
        hint = RECEIPT_LISTS[key].name
        docs = page_docs(self.docs, query, LATEST_RECEIVED_FIRST, limit, after, hint)
        return [receipt_from_doc(d) for d in docs]
