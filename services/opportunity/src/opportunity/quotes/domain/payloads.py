"""The payloads of the facts a quote's lifecycle records (crm.events.v1 QuoteIssued,
QuoteApprovalRequested, QuoteApprovalDecided). Pure Python."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from opportunity.domain.money import Money, money_payload
from opportunity.quotes.domain.numbers import percent_text

if TYPE_CHECKING:  # the lifecycle module imports these builders; types only here
    from opportunity.quotes.domain.quote import DiscountApproval, Quote


def quote_issued_event(quote: Quote) -> tuple[str, dict[str, Any]]:
    return "QuoteIssued", {
        "quote_id": quote.id,
        "quote_version": quote.version,
        "number": quote.number,
        "opportunity_id": quote.parties.opportunity_id,
        "account_id": quote.parties.account_id,
        "owner_id": quote.parties.owner_id,
        "total": money_payload(Money(quote.totals.total, quote.content.currency)),
        "discount_percent": percent_text(quote.totals.discount_percent),
        "valid_until": quote.content.valid_until.isoformat(),
        "issued_by": quote.issued_by,
        "approval_id": quote.approval_id,
    }


def approval_requested_event(
    quote: Quote, approval: DiscountApproval
) -> tuple[str, dict[str, Any]]:
    return "QuoteApprovalRequested", {
        "approval_id": approval.approval_id,
        "quote_id": quote.id,
        "quote_version": quote.version,
        "number": quote.number,
        "opportunity_id": quote.parties.opportunity_id,
        "account_id": quote.parties.account_id,
        "owner_id": quote.parties.owner_id,
        "total": money_payload(Money(quote.totals.total, quote.content.currency)),
        "discount_percent": percent_text(approval.discount_percent),
        "threshold_percent": percent_text(approval.threshold_percent),
        "approver_role": approval.approver_role,
        "requested_by": approval.requested_by,
    }


def approval_decided_event(
    quote: Quote, *, approve: bool, decided_by: str, reason: str
) -> tuple[str, dict[str, Any]]:
    return "QuoteApprovalDecided", {
        "approval_id": quote.approval_id,
        "quote_id": quote.id,
        "quote_version": quote.version,
        "opportunity_id": quote.parties.opportunity_id,
        "owner_id": quote.parties.owner_id,
        "decision": "approved" if approve else "rejected",
        "decided_by": decided_by,
        "reason": reason,
        "requested_by": quote.issue_requested_by,
    }
