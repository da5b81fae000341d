"""Receipts between the domain and crm.payment.v1 (no I/O)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from crm.payment.v1 import payment_pb2 as pb
from crm_runtime.errors import FieldViolation, ValidationFailed

from payment.plans.proto import money_from_proto, money_to_proto, stamp
from payment.receipts.domain import Allocation, Receipt, ReceiptDraft, ReceiptSource
from payment.receipts.listing import ReceiptQuery


def allocation_to_proto(a: Allocation) -> pb.Allocation:
    return pb.Allocation(
        id=a.id,
        receivable_id=a.receivable_id,
        contract_id=a.contract_id,
        contract_number=a.contract_number,
        amount=money_to_proto(a.amount),
        method=pb.MatchMethod.Value(f"MATCH_METHOD_{a.method.upper()}"),
        matched_by=a.matched_by,
        matched_at=stamp(a.matched_at),
        evidence=a.evidence,
    )


def draft_from_proto(request: pb.RecordReceiptRequest) -> ReceiptDraft:
    problems = []
    if not request.HasField("amount"):
        problems.append(FieldViolation("amount", "is required"))
    if not request.HasField("received_at"):
        problems.append(FieldViolation("received_at", "is required"))
    if request.source == pb.RECEIPT_SOURCE_UNSPECIFIED:
        problems.append(FieldViolation("source", "is required"))
    if problems:
        raise ValidationFailed(problems)
    source = pb.ReceiptSource.Name(request.source).removeprefix("RECEIPT_SOURCE_").lower()
    return ReceiptDraft(
        external_reference=request.external_reference,
        source=ReceiptSource(source),
        amount=money_from_proto(request.amount, "amount"),
        payer_name=request.payer_name,
        payer_account=request.payer_account,
        received_at=request.received_at.ToDatetime(tzinfo=UTC),
        contract_number_hint=request.contract_number_hint,
        memo=request.memo,
    )


def receipt_to_proto(r: Receipt) -> pb.Receipt:
    d = r.draft
    return pb.Receipt(
        id=r.id,
        tenant_id=r.tenant_id,
        external_reference=d.external_reference,
        source=pb.ReceiptSource.Value(f"RECEIPT_SOURCE_{d.source.value.upper()}"),
        amount=money_to_proto(d.amount),
        payer_name=d.payer_name,
        payer_account=d.payer_account,
        received_at=stamp(d.received_at),
        contract_number_hint=d.contract_number_hint,
        memo=d.memo,
        status=pb.ReceiptStatus.Value(f"RECEIPT_STATUS_{r.status.value.upper()}"),
        allocations=[allocation_to_proto(a) for a in r.allocations],
        allocated_amount=money_to_proto(r.allocated),
        unallocated_amount=money_to_proto(r.unallocated),
        recorded_by=r.recorded_by,
        created_at=stamp(r.created_at),
        updated_at=stamp(r.updated_at),
        version=r.version,
    )


def _name(enum: Any, prefix: str, value: int) -> str:
    return str(enum.Name(value)).removeprefix(prefix).lower()


def query_from_proto(f: pb.ReceiptFilter) -> ReceiptQuery:
    if f.contract_id or f.text:
        field = "contract_id" if f.contract_id else "text"
        raise ValidationFailed([FieldViolation(field, "is not a receipt filter yet")])
    return ReceiptQuery(
        statuses=[_name(pb.ReceiptStatus, "RECEIPT_STATUS_", s) for s in f.statuses],
        sources=[_name(pb.ReceiptSource, "RECEIPT_SOURCE_", s) for s in f.sources],
        received_from=f.received_from.ToDatetime(tzinfo=UTC)
        if f.HasField("received_from")
        else None,
        received_to=f.received_to.ToDatetime(tzinfo=UTC) if f.HasField("received_to") else None,
        amount_min=money_from_proto(f.amount_min, "amount_min").amount
        if f.HasField("amount_min")
        else None,
        amount_max=money_from_proto(f.amount_max, "amount_max").amount
        if f.HasField("amount_max")
        else None,
    )
