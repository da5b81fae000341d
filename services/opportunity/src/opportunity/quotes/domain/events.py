"""The quote facts the lifecycle module leaves to the app: a quote created, revised,
expired (crm.events.v1 QuoteCreated, QuoteRevised, QuoteExpired). Pure Python."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from crm_runtime.messaging.events import DomainEvent

from opportunity.domain.money import Money, money_payload
from opportunity.quotes.domain.numbers import percent_text
from opportunity.quotes.domain.quote import Quote, QuoteStatus, Revision


def with_event(quote: Quote, now: datetime, event_type: str, payload: dict[str, Any]) -> Quote:
    event = DomainEvent(
        event_type=event_type,
        tenant_id=quote.tenant_id,
        aggregate_type="quote",
        aggregate_id=quote.id,
        aggregate_version=quote.version,
        occurred_at=now,
        payload=payload,
    )
    return replace(quote, events=(*quote.events, event))


def _about(quote: Quote) -> dict[str, Any]:
    return {
        "quote_id": quote.id,
        "quote_version": quote.version,
        "number": quote.number,
        "opportunity_id": quote.parties.opportunity_id,
        "account_id": quote.parties.account_id,
        "owner_id": quote.parties.owner_id,
    }


def _amounts(quote: Quote) -> dict[str, Any]:
    return {
        "total": money_payload(Money(quote.totals.total, quote.content.currency)),
        "discount_percent": percent_text(quote.totals.discount_percent),
        "valid_until": quote.content.valid_until.isoformat(),
    }


def created(quote: Quote) -> Quote:
    payload = {**_about(quote), **_amounts(quote), "created_by": quote.created_by}
    return with_event(quote, quote.created_at, "QuoteCreated", payload)


def revised(revision: Revision) -> Revision:
    current = revision.current
    payload = {
        **_about(current),
        **_amounts(current),
        "previous_version": revision.previous.version,
        "revised_by": current.created_by,
        "cancelled_approval_id": revision.cancelled_approval_id,
    }
    return replace(
        revision, current=with_event(current, current.created_at, "QuoteRevised", payload)
    )


def expired(before: Quote, after: Quote, now: datetime) -> Quote:
    cancelled = before.approval_id if before.status is QuoteStatus.PENDING_APPROVAL else ""
    payload = {
        **_about(after),
        "previous_status": before.status.value,
        "valid_until": after.content.valid_until.isoformat(),
        "cancelled_approval_id": cancelled,
    }
    return with_event(after, now, "QuoteExpired", payload)
