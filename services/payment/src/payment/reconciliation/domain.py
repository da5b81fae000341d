"""Allocating a receipt to receivables by hand: split across several with the amounts
finance chooses; what is left on the receipt (an over-payment) stays unallocated, the
customer's credit. Refused, never clipped, when the allocations add up to more than the
receipt's unallocated amount or one is more than its receivable's outstanding amount.
Pure: no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from crm_runtime.errors import FieldViolation, ValidationFailed
from crm_runtime.messaging.events import DomainEvent

from payment.domain.money import Money, money_payload, money_problems
from payment.plans.domain.model import Receivable, ReceivableStatus, receivable_event, tenant_today
from payment.plans.domain.plans import status_on
from payment.receipts.domain import Allocation, Receipt

MAX_ALLOCATIONS = 50
PAYABLE = frozenset(
    {
        ReceivableStatus.UPCOMING,
        ReceivableStatus.DUE,
        ReceivableStatus.OVERDUE,
        ReceivableStatus.PARTIALLY_PAID,
        ReceivableStatus.DISPUTED,
    }
)


@dataclass(frozen=True)
class AllocationRequest:
    receivable_id: str
    amount: Money


@dataclass(frozen=True)
class Match:
    receipt: Receipt
    receivables: tuple[Receivable, ...]  # as changed, in the order asked


def _problems(
    receipt: Receipt, found: Mapping[str, Receivable], asked: Sequence[AllocationRequest]
) -> list[FieldViolation]:
    problems = []
    if not asked:
        problems.append(FieldViolation("allocations", "at least one allocation"))
    if len(asked) > MAX_ALLOCATIONS:
        problems.append(FieldViolation("allocations", f"at most {MAX_ALLOCATIONS}"))
    seen: set[str] = set()
    currency = receipt.draft.amount.currency
    for i, a in enumerate(asked):
        at = f"allocations[{i}]"
        problems += money_problems(f"{at}.amount", a.amount)
        if a.amount.currency != currency:
            problems.append(
                FieldViolation(f"{at}.amount.currency", f"must be the receipt's {currency}")
            )
        if a.receivable_id in seen:
            problems.append(FieldViolation(f"{at}.receivable_id", "is named twice"))
        seen.add(a.receivable_id)
        r = found.get(a.receivable_id)
        if r is None:
            problems.append(FieldViolation(f"{at}.receivable_id", "names no receivable"))
        elif r.status not in PAYABLE:
            problems.append(FieldViolation(f"{at}.receivable_id", f"is {r.status.value}"))
        elif a.amount.amount > r.outstanding.amount:
            problems.append(
                FieldViolation(
                    f"{at}.amount",
                    f"{a.amount.amount:f} is more than the receivable's outstanding "
                    f"{r.outstanding.amount:f}",
                )
            )
    total = sum((a.amount.amount for a in asked), Decimal(0))
    if total > receipt.unallocated.amount:
        problems.append(
            FieldViolation(
                "allocations",
                f"add up to {total:f}, more than the receipt's unallocated "
                f"{receipt.unallocated.amount:f}",
            )
        )
    return problems


def _paid(r: Receivable, amount: Money, now: datetime) -> Receivable:
    paid = r.paid.plus(amount)
    if paid.amount >= r.amount.amount:
        status = ReceivableStatus.PAID
    else:
        status = status_on(r.due_date, r.amount, paid, r.status, tenant_today(now))
    return replace(r, paid=paid, status=status, updated_at=now, version=r.version + 1)


def allocate(
    receipt: Receipt,
    found: Mapping[str, Receivable],
    asked: Sequence[AllocationRequest],
    *,
    method: str,
    evidence: str,
    by: str,
    now: datetime,
    new_ids: Sequence[str],
) -> Match:
    """The receipt and its receivables after the allocations, with ReceiptMatched (and
    ReceivableSettled for each receivable now paid)."""
    problems = _problems(receipt, found, asked)
    if problems:
        raise ValidationFailed(problems)
    allocations, changed, settled = [], [], []
    for a, allocation_id in zip(asked, new_ids, strict=False):
        before = found[a.receivable_id]
        after = _paid(before, a.amount, now)
        changed.append(after)
        c = before.contract
        allocations.append(
            Allocation(
                id=allocation_id,
                receivable_id=before.id,
                contract_id=c.contract_id,
                contract_number=c.contract_number,
                owner_id=c.owner_id,
                amount=a.amount,
                method=method,
                evidence=evidence,
                matched_by=by,
                matched_at=now,
            )
        )
        if after.status is ReceivableStatus.PAID:
            settled.append(after)
    allocated = receipt.allocated.plus(
        Money(sum((a.amount.amount for a in asked), Decimal(0)), receipt.allocated.currency)
    )
    after_receipt = replace(
        receipt,
        allocated=allocated,
        allocations=(*receipt.allocations, *allocations),
        updated_at=now,
        version=receipt.version + 1,
    )
    event = _matched(after_receipt, allocations, changed, method, by, now)
    return Match(
        replace(after_receipt, events=(event,)),
        tuple(replace(r, events=(settled_event(r, now),)) if r in settled else r for r in changed),
    )


def _matched(
    receipt: Receipt,
    made: Sequence[Allocation],
    receivables: Sequence[Receivable],
    method: str,
    by: str,
    now: datetime,
) -> DomainEvent:
    outstanding = {r.id: r.outstanding for r in receivables}
    return DomainEvent(
        event_type="ReceiptMatched",
        tenant_id=receipt.tenant_id,
        aggregate_type="receipt",
        aggregate_id=receipt.id,
        aggregate_version=receipt.version,
        occurred_at=now,
        payload={
            "receipt_id": receipt.id,
            "external_reference": receipt.draft.external_reference,
            "receipt_amount": money_payload(receipt.draft.amount),
            "allocations": [
                {
                    "allocation_id": a.id,
                    "receivable_id": a.receivable_id,
                    "contract_id": a.contract_id,
                    "contract_number": a.contract_number,
                    "owner_id": a.owner_id,
                    "amount": money_payload(a.amount),
                    "receivable_outstanding": money_payload(outstanding[a.receivable_id]),
                }
                for a in made
            ],
            "unallocated_amount": money_payload(receipt.unallocated),
            "method": method,
            "matched_by": by,
            "received_at": receipt.draft.received_at.isoformat(),
        },
    )


def settled_event(r: Receivable, now: datetime, plan_settled: bool = False) -> DomainEvent:
    today = tenant_today(now)
    late = (today - r.due_date).days if r.due_date and r.due_date < today else 0
    return receivable_event(
        r,
        "ReceivableSettled",
        now,
        amount=money_payload(r.amount),
        paid_amount=money_payload(r.paid),
        due_date=r.due_date.isoformat() if r.due_date else "",
        settled_at=now.isoformat(),
        days_late=late,
        plan_settled=plan_settled,
    )
