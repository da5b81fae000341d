"""A receivable over time: the calendar moving it upcoming -> due -> overdue, and
finance's and the customer's say (written off, disputed). Pure: no I/O."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from crm_runtime.errors import FailedPrecondition, FieldViolation, ValidationFailed
from crm_runtime.messaging.events import DomainEvent

from payment.domain.money import money_payload
from payment.plans.domain.model import (
    SETTLED_BY_HAND,
    TENANT_ZONE,
    Receivable,
    ReceivableStatus,
    receivable_event,
    tenant_today,
)
from payment.plans.domain.plans import status_on

# The calendar moving receivables ------------------------------------------------------


def _midnight(day: date) -> datetime:
    """The first instant of `day` in the tenant's zone."""
    return datetime.combine(day, datetime.min.time(), TENANT_ZONE)


def next_check_at(r: Receivable) -> datetime | None:
    """When the calendar next changes the receivable's status: the start of its due day
    (upcoming -> due), the start of the day after (-> overdue); None once it is overdue,
    settled, or while it waits for its milestone."""
    if r.due_date is None or r.status in SETTLED_BY_HAND or r.status is ReceivableStatus.OVERDUE:
        return None
    if r.status is ReceivableStatus.UPCOMING and r.paid.amount == 0:
        return _midnight(r.due_date)
    return _midnight(r.due_date + timedelta(days=1))


def _calendar_event(r: Receivable, now: datetime) -> DomainEvent:
    today = tenant_today(now)
    assert r.due_date is not None
    payload: dict[str, Any] = {
        "account_name": r.contract.account_name,
        "amount": money_payload(r.amount),
        "outstanding": money_payload(r.outstanding),
        "due_date": r.due_date.isoformat(),
        "dunning_step": 0,  # the calendar's move, not a dunning level (those come later)
    }
    if r.status is ReceivableStatus.OVERDUE:
        payload["paid_amount"] = money_payload(r.paid)
        payload["days_overdue"] = (today - r.due_date).days
        return receivable_event(r, "ReceivableOverdue", now, **payload)
    payload["days_until_due"] = (r.due_date - today).days
    return receivable_event(r, "ReceivableDue", now, **payload)


def refresh_status(r: Receivable, now: datetime) -> Receivable:
    """The receivable as the calendar has it at `now`: the same object when nothing
    changed; else the next version with ReceivableDue or ReceivableOverdue."""
    status = status_on(r.due_date, r.amount, r.paid, r.status, tenant_today(now))
    if status is r.status:
        return r
    after = replace(r, status=status, updated_at=now, version=r.version + 1)
    if status in (ReceivableStatus.DUE, ReceivableStatus.OVERDUE):
        return replace(after, events=(_calendar_event(after, now),))
    return after


# Finance's and the customer's say ------------------------------------------------------

MAX_REASON = 500
OPEN = frozenset(
    {
        ReceivableStatus.UPCOMING,
        ReceivableStatus.DUE,
        ReceivableStatus.OVERDUE,
        ReceivableStatus.PARTIALLY_PAID,
    }
)


def _reason(reason: str) -> str:
    text = reason.strip()
    if not text or len(text) > MAX_REASON:
        raise ValidationFailed(
            [FieldViolation("reason", f"is required, at most {MAX_REASON} characters")]
        )
    return text


def write_off(r: Receivable, reason: str, by: str, now: datetime) -> Receivable:
    """What is left of an open or disputed receivable is written off, with a reason."""
    text = _reason(reason)
    if r.status not in OPEN and r.status is not ReceivableStatus.DISPUTED:
        raise FailedPrecondition(f"receivable {r.id} is {r.status.value}: nothing to write off")
    after = replace(
        r,
        status=ReceivableStatus.WRITTEN_OFF,
        write_off_reason=text,
        written_off_by=by,
        dispute_reason="",
        updated_at=now,
        version=r.version + 1,
    )
    event = receivable_event(
        after,
        "ReceivableWrittenOff",
        now,
        amount=money_payload(r.amount),
        written_off=money_payload(r.outstanding),
        reason=text,
        written_off_by=by,
    )
    return replace(after, events=(event,))


def dispute(r: Receivable, reason: str, by: str, now: datetime) -> Receivable:
    """The customer contests an open receivable: the calendar leaves it alone (and
    dunning will pause) until the dispute is resolved."""
    text = _reason(reason)
    if r.status not in OPEN:
        raise FailedPrecondition(f"receivable {r.id} is {r.status.value}: it cannot be disputed")
    after = replace(
        r,
        status=ReceivableStatus.DISPUTED,
        dispute_reason=text,
        updated_at=now,
        version=r.version + 1,
    )
    return replace(after, events=(_dispute_event(after, True, text, by, now),))


def resolve_dispute(r: Receivable, by: str, now: datetime) -> Receivable:
    """The dispute is over: the receivable's status is the calendar's again."""
    if r.status is not ReceivableStatus.DISPUTED:
        raise FailedPrecondition(f"receivable {r.id} is not disputed")
    status = status_on(r.due_date, r.amount, r.paid, ReceivableStatus.UPCOMING, tenant_today(now))
    after = replace(r, status=status, dispute_reason="", updated_at=now, version=r.version + 1)
    return replace(after, events=(_dispute_event(after, False, "", by, now),))


def _dispute_event(
    r: Receivable, disputed: bool, reason: str, by: str, now: datetime
) -> DomainEvent:
    return receivable_event(
        r,
        "ReceivableDisputeChanged",
        now,
        outstanding=money_payload(r.outstanding),
        disputed=disputed,
        reason=reason,
        status=r.status.value,
        changed_by=by,
    )
