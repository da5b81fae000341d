"""Lists of receipts: by received time, amount range, status (the unmatched queue is
`unmatched` + `partially_matched`) and source, as a store query and its index."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from crm_runtime.errors import FieldViolation, ValidationFailed
from crm_runtime.storage.repository import decimal128

from payment.receipts.domain import ReceiptSource, ReceiptStatus

LIST_KEYS = ("status", "source")


@dataclass(frozen=True)
class ReceiptQuery:
    statuses: Sequence[str] = ()
    sources: Sequence[str] = ()
    received_from: datetime | None = None
    received_to: datetime | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None


def _names(field: str, values: Sequence[str], known: set[str]) -> list[FieldViolation]:
    return [
        FieldViolation(field, f"{v!r} is not one of {sorted(known)}")
        for v in values
        if v not in known
    ]


def receipt_query(q: ReceiptQuery) -> dict[str, Any]:
    problems = _names("statuses", q.statuses, {s.value for s in ReceiptStatus})
    problems += _names("sources", q.sources, {s.value for s in ReceiptSource})
    if problems:
        raise ValidationFailed(problems)
    query: dict[str, Any] = {}
    if q.statuses:
        query["status"] = {"$in": sorted(set(q.statuses))}
    if q.sources:
        query["source"] = {"$in": sorted(set(q.sources))}
    received: dict[str, Any] = {}
    if q.received_from:
        received["$gte"] = q.received_from
    if q.received_to:
        received["$lte"] = q.received_to
    if received:
        query["received_at"] = received
    amount: dict[str, Any] = {}
    if q.amount_min is not None:
        amount["$gte"] = decimal128(q.amount_min)
    if q.amount_max is not None:
        amount["$lte"] = decimal128(q.amount_max)
    if amount:
        query["amount.amount"] = amount
    return query


def list_key(query: dict[str, Any]) -> str:
    return next((key for key in LIST_KEYS if key in query), "")
