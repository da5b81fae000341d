"""Quotes (报价单): validated line items, exact totals, versions, and the way a version
is issued, possibly after a discount approval. Pure Python; the store keeps one document
per version (they share the quote id) and the app commits them with their events.

Lifecycle of one version (any other move is refused with FailedPrecondition, 409):

    draft ──issue──> issued                      (no discount above the threshold)
    draft ──issue──> pending_approval ──approve──> issued
                                      ──reject───> rejected
    draft / pending_approval / issued / rejected / expired ──revise──> superseded
    pending_approval / issued ──valid_until passed──> expired

Revising makes version n+1 a draft with the full new content; version n becomes
superseded (an issued version is frozen: never edited, only superseded), and a pending
discount approval of version n is cancelled with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from crm_runtime.errors import (
    Conflict,
    FailedPrecondition,
    FieldViolation,
    check_version,
    require,
)
from crm_runtime.messaging.events import DomainEvent

from opportunity.quotes.domain.content import (
    QuoteContent,
    QuoteDraft,
    QuotePolicy,
    discount_breaches,
    validate_quote,
)
from opportunity.quotes.domain.numbers import QuoteTotals, percent_text
from opportunity.quotes.domain.payloads import (
    approval_decided_event,
    approval_requested_event,
    quote_issued_event,
)

MAX_NOTE = 500  # the requester's note to the approver, and a rejection reason


class QuoteStatus(StrEnum):
    DRAFT = "draft"
    PENDING_APPROVAL = "pending_approval"
    ISSUED = "issued"
    SUPERSEDED = "superseded"
    REJECTED = "rejected"
    EXPIRED = "expired"


S = QuoteStatus
TRANSITIONS: dict[QuoteStatus, frozenset[QuoteStatus]] = {
    S.DRAFT: frozenset({S.PENDING_APPROVAL, S.ISSUED, S.SUPERSEDED}),
    S.PENDING_APPROVAL: frozenset({S.ISSUED, S.REJECTED, S.SUPERSEDED, S.EXPIRED}),
    S.ISSUED: frozenset({S.SUPERSEDED, S.EXPIRED}),
    S.REJECTED: frozenset({S.SUPERSEDED}),
    S.EXPIRED: frozenset({S.SUPERSEDED}),
    S.SUPERSEDED: frozenset(),
}


@dataclass(frozen=True)
class QuoteParties:
    """What a quote belongs to, taken from its opportunity by the app."""

    opportunity_id: str
    account_id: str
    owner_id: str


@dataclass(frozen=True)
class Quote:
    """One version of a quote. `version` counts the content versions (1, 2, ...);
    `revision` counts the store's writes of this version document (its optimistic lock;
    the store bumps it, the domain never does)."""

    id: str
    tenant_id: str
    number: str
    version: int
    status: QuoteStatus
    parties: QuoteParties
    content: QuoteContent
    created_by: str
    created_at: datetime
    updated_at: datetime
    approval_id: str = ""
    issue_requested_by: str = ""  # who asked to issue it, before any approval
    issued_by: str = ""
    issued_at: datetime | None = None
    rejection_reason: str = ""
    revision: int = 1
    events: tuple[DomainEvent, ...] = field(default=(), compare=False, repr=False)

    @property
    def totals(self) -> QuoteTotals:
        return self.content.totals

    @property
    def label(self) -> str:
        return f"quote {self.number} v{self.version}"


@dataclass(frozen=True)
class DiscountApproval:
    """What the approvals module needs to open an APPROVAL_KIND_QUOTE_DISCOUNT approval
    for `quote` (its id, version, number, parties and total are the quote's)."""

    approval_id: str
    quote: Quote
    discount_percent: Decimal  # overall
    lines_above: tuple[int, ...]  # line numbers whose own discount is above the threshold
    threshold_percent: Decimal
    approver_role: str
    requested_by: str
    note: str
    description: str


@dataclass(frozen=True)
class IssueResult:
    quote: Quote
    approval: DiscountApproval | None  # set when this call opened an approval

    @property
    def approval_pending(self) -> bool:
        return self.quote.status is S.PENDING_APPROVAL


@dataclass(frozen=True)
class Revision:
    previous: Quote  # now superseded
    current: Quote  # the new draft version
    cancelled_approval_id: str  # the previous version's pending approval, or ""


def create_quote(
    draft: QuoteDraft,
    *,
    quote_id: str,
    tenant_id: str,
    number: str,
    parties: QuoteParties,
    created_by: str,
    now: datetime,
    today: date,
    policy: QuotePolicy,
) -> Quote:
    """Version 1 of a new quote, a draft. `number` comes from `format_quote_number`."""
    content = validate_quote(draft, today=today, policy=policy)
    return Quote(quote_id, tenant_id, number, 1, S.DRAFT, parties, content, created_by, now, now)


def ensure_transition(quote: Quote, to_status: QuoteStatus) -> None:
    if to_status not in TRANSITIONS[quote.status]:
        raise FailedPrecondition(f"cannot change {quote.label} from {quote.status} to {to_status}")


def _move(quote: Quote, to_status: QuoteStatus, now: datetime, **changes: Any) -> Quote:
    ensure_transition(quote, to_status)
    return replace(quote, status=to_status, updated_at=now, **changes)


def _record(quote: Quote, now: datetime, *events: tuple[str, dict[str, Any]]) -> Quote:
    recorded = tuple(
        DomainEvent(
            event_type=event_type,
            tenant_id=quote.tenant_id,
            aggregate_type="quote",
            aggregate_id=quote.id,
            aggregate_version=quote.version,
            occurred_at=now,
            payload=payload,
        )
        for event_type, payload in events
    )
    return replace(quote, events=quote.events + recorded)


def ensure_version(quote: Quote, expected_version: int) -> None:
    """Conflict (retry after reloading) for a superseded version; StaleVersion unless the
    caller saw this, the latest, version (0: whichever is the latest)."""
    if quote.status is S.SUPERSEDED:
        raise Conflict(f"{quote.label} is superseded by a later version: reload the quote")
    check_version(f"quote {quote.number}", quote.version, expected_version)


def revise_quote(
    latest: Quote,
    draft: QuoteDraft,
    *,
    expected_version: int,
    revised_by: str,
    now: datetime,
    today: date,
    policy: QuotePolicy,
) -> Revision:
    """Version n+1 as a draft with the draft's full content; version n superseded.

    `latest` is the quote's latest version as the store holds it; `expected_version` is
    the version the caller saw (HTTP If-Match; 0: the latest), so two people revising at
    once with what they saw cannot both win.
    """
    ensure_version(latest, expected_version)
    content = validate_quote(draft, today=today, policy=policy)
    cancelled = latest.approval_id if latest.status is S.PENDING_APPROVAL else ""
    previous = _move(latest, S.SUPERSEDED, now)
    version = latest.version + 1
    current = Quote(
        latest.id,
        latest.tenant_id,
        latest.number,
        version,
        S.DRAFT,
        latest.parties,
        content,
        revised_by,
        now,
        now,
    )
    return Revision(previous=previous, current=current, cancelled_approval_id=cancelled)


def needs_discount_approval(quote: Quote, policy: QuotePolicy) -> bool:
    overall, lines = discount_breaches(quote.content, policy)
    return overall or bool(lines)


def issue_quote(
    quote: Quote,
    *,
    version: int,
    issued_by: str,
    approval_id: str,
    now: datetime,
    today: date,
    policy: QuotePolicy,
    note: str = "",
) -> IssueResult:
    """Issue a draft version, or put it up for a discount approval first.

    `approval_id` is the id the approval gets if one is needed (the app makes it). Asking
    again for a version already issued or waiting changes nothing, so a retry is harmless.
    """
    ensure_version(quote, version)
    if quote.status in (S.ISSUED, S.PENDING_APPROVAL):
        return IssueResult(quote, None)
    if len(note.strip()) > MAX_NOTE:
        require([FieldViolation("note", f"must be at most {MAX_NOTE} characters")])
    if quote.status is S.DRAFT and quote.content.valid_until < today:
        raise FailedPrecondition(
            f"cannot issue {quote.label}: it was valid until {quote.content.valid_until}; "
            "revise it with a new valid_until"
        )
    if not needs_discount_approval(quote, policy):
        issued = _move(
            quote, S.ISSUED, now, issued_by=issued_by, issued_at=now, issue_requested_by=issued_by
        )
        return IssueResult(_record(issued, now, quote_issued_event(issued)), None)
    waiting = _move(
        quote, S.PENDING_APPROVAL, now, approval_id=approval_id, issue_requested_by=issued_by
    )
    approval = discount_approval(
        waiting, policy, approval_id=approval_id, requested_by=issued_by, note=note.strip()
    )
    return IssueResult(_record(waiting, now, approval_requested_event(waiting, approval)), approval)


def discount_approval(
    quote: Quote, policy: QuotePolicy, *, approval_id: str, requested_by: str, note: str
) -> DiscountApproval:
    overall, lines = discount_breaches(quote.content, policy)
    threshold = percent_text(policy.discount_threshold_percent)
    reasons = []
    if overall:
        reasons.append(f"overall discount {percent_text(quote.totals.discount_percent)} %")
    if lines:
        reasons.append("discount of line " + ", ".join(map(str, lines)))
    return DiscountApproval(
        approval_id=approval_id,
        quote=quote,
        discount_percent=quote.totals.discount_percent,
        lines_above=lines,
        threshold_percent=policy.discount_threshold_percent,
        approver_role=policy.approver_role,
        requested_by=requested_by,
        note=note,
        description=(
            f"{quote.label}: {' and '.join(reasons)} above the {threshold} % threshold "
            f"needs the approval of a {policy.approver_role}"
        ),
    )


def decide_discount(
    quote: Quote,
    *,
    approval_id: str,
    approve: bool,
    decided_by: str,
    reason: str,
    now: datetime,
    today: date,
) -> Quote:
    """The approver's decision: approved issues the version, rejected closes it.

    A version whose valid_until has passed cannot be approved into an issued quote: the
    decision is refused and the expiry sweep closes the version and its approval."""
    reason = reason.strip()
    violations = []
    if not approve and not reason:
        violations.append(FieldViolation("reason", "is required to reject"))
    if len(reason) > MAX_NOTE:
        violations.append(FieldViolation("reason", f"must be at most {MAX_NOTE} characters"))
    require(violations)
    if quote.status is not S.PENDING_APPROVAL or quote.approval_id != approval_id:
        target = S.ISSUED if approve else S.REJECTED
        raise FailedPrecondition(
            f"cannot change {quote.label} from {quote.status} to {target}: "
            f"it is not waiting for approval {approval_id}"
        )
    if approve and quote.content.valid_until < today:
        raise FailedPrecondition(
            f"cannot change {quote.label} from {quote.status} to {S.ISSUED}: it was valid "
            f"until {quote.content.valid_until}"
        )
    decided = approval_decided_event(quote, approve=approve, decided_by=decided_by, reason=reason)
    if not approve:
        rejected = _move(quote, S.REJECTED, now, rejection_reason=reason)
        return _record(rejected, now, decided)
    issued = _move(quote, S.ISSUED, now, issued_by=quote.issue_requested_by, issued_at=now)
    return _record(issued, now, decided, quote_issued_event(issued))


def is_due_to_expire(quote: Quote, today: date) -> bool:
    """Issued or waiting, and `today` (the tenant's date) is after its last valid day."""
    return quote.status in (S.ISSUED, S.PENDING_APPROVAL) and quote.content.valid_until < today


def expire_quote(quote: Quote, *, today: date, now: datetime) -> Quote | None:
    """The expired version, or None when it is not due. A pending approval of an expired
    version is moot: the app cancels `quote.approval_id` when the previous status was
    pending_approval."""
    if not is_due_to_expire(quote, today):
        return None
    return _move(quote, S.EXPIRED, now)
