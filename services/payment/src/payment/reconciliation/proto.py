"""Allocation requests from crm.payment.v1 (no I/O)."""

from __future__ import annotations

from collections.abc import Iterable

from crm.payment.v1 import payment_pb2 as pb

from payment.plans.proto import money_from_proto
from payment.reconciliation.domain import AllocationRequest


def requests_from_proto(items: Iterable[pb.AllocationInput]) -> list[AllocationRequest]:
    return [
        AllocationRequest(a.receivable_id, money_from_proto(a.amount, f"allocations[{i}].amount"))
        for i, a in enumerate(items)
    ]
