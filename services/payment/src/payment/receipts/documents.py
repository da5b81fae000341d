"""Receipts as MongoDB documents and back (no I/O)."""

from __future__ import annotations

from crm_runtime.storage.mongo import Doc

from payment.documents import money_from_doc, money_to_doc
from payment.receipts.domain import Allocation, Receipt, ReceiptDraft, ReceiptSource


def allocation_to_doc(a: Allocation) -> Doc:
    return {
        "id": a.id,
        "receivable_id": a.receivable_id,
        "contract_id": a.contract_id,
        "contract_number": a.contract_number,
        "owner_id": a.owner_id,
        "amount": money_to_doc(a.amount),
        "method": a.method,
        "evidence": a.evidence,
        "matched_by": a.matched_by,
        "matched_at": a.matched_at,
    }


def allocation_from_doc(doc: Doc) -> Allocation:
    return Allocation(**{**doc, "amount": money_from_doc(doc["amount"])})


def receipt_to_doc(r: Receipt) -> Doc:
    d = r.draft
    return {
        "_id": r.id,
        "external_reference": d.external_reference,
        "source": d.source.value,
        "amount": money_to_doc(d.amount),
        "payer_name": d.payer_name,
        "payer_account": d.payer_account,
        "received_at": d.received_at,
        "contract_number_hint": d.contract_number_hint,
        "memo": d.memo,
        "allocated": money_to_doc(r.allocated),
        "unallocated": money_to_doc(r.unallocated),
        "status": r.status.value,
        "allocations": [allocation_to_doc(a) for a in r.allocations],
        "recorded_by": r.recorded_by,
        "created_at": r.created_at,
        "updated_at": r.updated_at,
        "version": r.version,
    }


def receipt_from_doc(doc: Doc) -> Receipt:
    return Receipt(
        id=doc["_id"],
        tenant_id=doc["tenant_id"],
        draft=ReceiptDraft(
            external_reference=doc["external_reference"],
            source=ReceiptSource(doc["source"]),
            amount=money_from_doc(doc["amount"]),
            payer_name=doc["payer_name"],
            payer_account=doc["payer_account"],
            received_at=doc["received_at"],
            contract_number_hint=doc["contract_number_hint"],
            memo=doc["memo"],
        ),
        allocated=money_from_doc(doc["allocated"]),
        recorded_by=doc["recorded_by"],
        created_at=doc["created_at"],
        updated_at=doc["updated_at"],
        version=doc["version"],
        allocations=tuple(allocation_from_doc(a) for a in doc.get("allocations", [])),
    )
