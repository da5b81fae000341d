"""Receipts (回款 / 到账) on the REST side: money as decimal strings to the fen."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from crm.payment.v1 import payment_pb2 as pb
from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from gateway.conventions.bodies import RequestBody
from gateway.schemas.mapping import from_proto
from gateway.schemas.payment_plans import (
    PaymentAmount,
    ReceivableOut,
    amount_to_proto,
    receivable_out,
)
from gateway.schemas.values import Money, enum_number, proto_enum


def _instant(value: object) -> object:
    """An instant as JSON carries it: an RFC 3339 string with an offset, nothing else."""
    if isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, datetime):
        return value
    raise ValueError("must be a date-time with an offset, e.g. 2026-12-04T09:30:00+08:00")


Instant = Annotated[AwareDatetime, BeforeValidator(_instant)]


class ReceiptIn(RequestBody):
    """Money received, recorded once per `external_reference`: the same reference again
    is 409 naming the receipt it was recorded as (with other facts too)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "external_reference": "CMB-20261204-000123",
                    "source": "finance_system",
                    "amount": {"amount": "300000.00", "currency": "CNY"},
                    "payer_name": "上海云图科技有限公司",
                    "payer_account": "6222 0210 0100 1234",
                    "received_at": "2026-12-04T09:30:00+08:00",
                    "contract_number_hint": "HT-2026-0001",
                    "memo": "HT-2026-0001-1 首付款",
                }
            ]
        }
    )
    external_reference: str = Field(
        min_length=1,
        max_length=128,
        pattern=r"\S",
        description="the payer's bank reference or the finance system's id, unique",
    )
    source: Literal["finance_system", "bank_statement", "manual"]
    amount: PaymentAmount
    payer_name: str = Field(min_length=1, max_length=200, pattern=r"\S")
    payer_account: str = Field("", max_length=64)
    received_at: Instant = Field(description="with an offset; not in the future")
    contract_number_hint: str = Field("", max_length=64)
    memo: str = Field("", max_length=500, description="the remittance note as received")


def receipt_request(body: ReceiptIn) -> pb.RecordReceiptRequest:
    received = Timestamp()
    received.FromDatetime(body.received_at)
    return pb.RecordReceiptRequest(
        external_reference=body.external_reference,
        source=enum_number(pb.ReceiptSource, "RECEIPT_SOURCE_", body.source),
        amount=amount_to_proto(body.amount),
        payer_name=body.payer_name,
        payer_account=body.payer_account,
        received_at=received,
        contract_number_hint=body.contract_number_hint,
        memo=body.memo,
    )


class AllocationIn(RequestBody):
    receivable_id: str = Field(min_length=1, max_length=64)
    amount: PaymentAmount


class ReceiptAllocationsIn(RequestBody):
    """Parts of the receipt applied to receivables, with the amounts finance chooses.
    Refused (422, never clipped) when they add up to more than the receipt's unallocated
    amount, or one is more than its receivable's outstanding amount. What stays
    unallocated is the customer's credit."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "allocations": [
                        {
                            "receivable_id": "9b2c6a4e-1f5d-4c8e-9a7b-2d3e4f5a6b7c",
                            "amount": {"amount": "200000.00", "currency": "CNY"},
                        },
                        {
                            "receivable_id": "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
                            "amount": {"amount": "100000.00", "currency": "CNY"},
                        },
                    ],
                    "note": "客户来电确认分两笔核销",
                }
            ]
        }
    )
    allocations: list[AllocationIn] = Field(min_length=1, max_length=50)
    note: str = Field("", max_length=200)


def allocations_request(
    receipt_id: str, body: ReceiptAllocationsIn, expected_version: int
) -> pb.MatchReceiptRequest:
    return pb.MatchReceiptRequest(
        receipt_id=receipt_id,
        allocations=[
            pb.AllocationInput(receivable_id=a.receivable_id, amount=amount_to_proto(a.amount))
            for a in body.allocations
        ],
        note=body.note,
        expected_version=expected_version,
    )


class AllocationOut(BaseModel):
    id: str
    receivable_id: str
    contract_id: str
    contract_number: str
    amount: Money
    method: str = proto_enum(pb.MatchMethod)
    evidence: str = Field(description="why: the rule's finding, or who allocated it")
    matched_by: str
    matched_at: datetime


class ReceiptOut(BaseModel):
    id: str
    external_reference: str
    source: str = proto_enum(pb.ReceiptSource)
    amount: Money
    payer_name: str
    payer_account: str
    received_at: datetime
    contract_number_hint: str
    memo: str
    status: str = proto_enum(pb.ReceiptStatus)
    allocations: list[AllocationOut]
    allocated_amount: Money
    unallocated_amount: Money
    recorded_by: str
    created_at: datetime
    updated_at: datetime
    version: int


def receipt_out(receipt: pb.Receipt) -> ReceiptOut:
    return from_proto(ReceiptOut, receipt)


class ReceiptMatchOut(BaseModel):
    receipt: ReceiptOut
    receivables: list[ReceivableOut] = Field(description="the receivables as allocated to")


def match_out(reply: pb.MatchReceiptResponse) -> ReceiptMatchOut:
    return ReceiptMatchOut(
        receipt=receipt_out(reply.receipt),
        receivables=[receivable_out(r) for r in reply.receivables],
    )


class ReceiptPage(BaseModel):
    items: list[ReceiptOut]
    next_cursor: str


class ReceiptAutoMatchOut(BaseModel):
    matched: bool
    rule: str = proto_enum(pb.MatchMethod, 'the rule that matched; "" for none')
    evidence: str = Field(description="what the rule found")
    reason: str = Field(description="why no rule matched")
    allocations: list[AllocationOut] = Field(description="made by this match")
    receipt: ReceiptOut


def auto_match_out(result: pb.AutoMatchResult) -> ReceiptAutoMatchOut:
    return from_proto(
        ReceiptAutoMatchOut,
        result,
        allocations=[from_proto(AllocationOut, a) for a in result.allocations],
        receipt=receipt_out(result.receipt),
    )
