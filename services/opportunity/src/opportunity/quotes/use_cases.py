"""Quote use cases: create on an open deal the caller sees (numbered from the tenant's
yearly counter in the same transaction), revise into a new version, read, list, issue
(or put up for a discount approval), the approver's decision (a handler of the
approvals module) and expiry (the worker). The domain decides (domain/quote.py); every
write is one transaction with its events, and a version is written only at the
revision it was read at."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from crm_runtime.errors import FailedPrecondition, FieldViolation, NotFound, require
from crm_runtime.paging import page_limit
from crm_runtime.principal import Principal

from opportunity.approvals.domain import Approval, ApprovalKind, ApprovalStatus, cancel
from opportunity.domain.money import Money
from opportunity.domain.opportunity import Opportunity
from opportunity.domain.stages import ensure_open
from opportunity.indexes import QUOTE_SORT
from opportunity.listing import check_values, next_cursor
from opportunity.ports import Stores
from opportunity.quotes.documents import quote_to_doc
from opportunity.quotes.domain import events as quote_events
from opportunity.quotes.domain.content import QuoteDraft, QuotePolicy
from opportunity.quotes.domain.numbers import percent_text
from opportunity.quotes.domain.quote import (
    DiscountApproval,
    Quote,
    QuoteParties,
    QuoteStatus,
    create_quote,
    decide_discount,
    expire_quote,
    issue_quote,
    revise_quote,
)
from opportunity.session import ServiceApp, Session, check_request_key

# The calendar a quote's valid_until is a day of (the tenants are in mainland China).
TENANT_ZONE = ZoneInfo("Asia/Shanghai")
_WAITING = (QuoteStatus.ISSUED, QuoteStatus.PENDING_APPROVAL)


def tenant_today(now: datetime) -> date:
    return now.astimezone(TENANT_ZONE).date()


def expiry_check_at(quote: Quote) -> datetime | None:
    """When an issued or waiting version expires: the start of the day after its last
    valid day; None for a version that cannot expire."""
    if quote.status not in _WAITING:
        return None
    day = quote.content.valid_until + timedelta(days=1)
    return datetime.combine(day, time(), TENANT_ZONE).astimezone(UTC)


def policy_of(s: Session, opp: Opportunity) -> QuotePolicy:
    """The deal's pipeline's discount threshold and approver role, or the defaults."""
    pipeline = s.pipeline_of(opp)
    return QuotePolicy.from_settings(
        pipeline.quote_discount_threshold_percent, pipeline.approver(s.settings)
    )


def visible_quote(s: Session, principal: Principal, quote_id: str, version: int = 0) -> Quote:
    """A version (0: the latest) of a quote on a deal the caller sees."""
    quotes = s.quotes
    quote = quotes.get(quote_id, version) if version else quotes.latest(quote_id)
    if quote is not None:
        try:
            s.visible_deal(principal, quote.parties.opportunity_id)
            return quote
        except NotFound:
            pass
    at = f" version {version}" if version else ""
    raise NotFound(f"quote {quote_id}{at} not found")


def approval_for(opp: Opportunity, request: DiscountApproval, now: datetime) -> Approval:
    quote = request.quote
    return Approval(
        id=request.approval_id,
        tenant_id=quote.tenant_id,
        kind=ApprovalKind.QUOTE_DISCOUNT,
        opportunity_id=opp.id,
        approver_role=request.approver_role,
        requested_by=request.requested_by,
        requested_at=now,
        opportunity_name=opp.name,
        account_id=opp.account_id,
        owner_id=opp.owner_id,
        team_id=opp.team_id,
        quote_id=quote.id,
        quote_version=quote.version,
        discount_percent=percent_text(request.discount_percent),
        threshold_percent=percent_text(request.threshold_percent),
        amount=Money(quote.totals.total, quote.content.currency),
        note=request.note or request.description,
        updated_at=now,
    )


def cancel_approval(s: Session, approval_id: str, reason: str, by: str, now: datetime) -> None:
    approval = s.approvals.get(approval_id) if approval_id else None
    if approval is not None and not approval.decided:
        s.approvals.save(cancel(approval, reason=reason, by=by, now=now), approval.version)


@dataclass(frozen=True)
class Issued:
    quote: Quote
    approval_id: str  # set while the version waits for its discount approval

    @property
    def pending(self) -> bool:
        return self.quote.status is QuoteStatus.PENDING_APPROVAL


@dataclass(frozen=True)
class QuoteQuery:
    opportunity_id: str
    statuses: Sequence[str] = ()
    all_versions: bool = False
    limit: int = 0
    cursor: str = ""

    def plan(self) -> tuple[dict[str, Any], int, tuple[Any, str] | None]:
        violations = check_values("statuses", self.statuses, [s.value for s in QuoteStatus])
        if not self.opportunity_id:
            violations.append(FieldViolation("opportunity_id", "is required"))
        require(violations)
        query: dict[str, Any] = {"opportunity_id": self.opportunity_id}
        if not self.all_versions:
            query["latest"] = True
        if self.statuses:
            query["status"] = {"$in": list(self.statuses)}
        return query, page_limit(self.limit), QUOTE_SORT.decode(self.cursor)


class QuoteApp(ServiceApp):
    def create(
        self,
        principal: Principal,
        opportunity_id: str,
        draft: QuoteDraft,
        idempotency_key: str = "",
    ) -> Quote:
        """Version 1, a draft. With an idempotency key, a repeat returns the first quote."""
        quote_id, now = self.new_id(), self.clock()
        check_request_key(idempotency_key)

        def work(s: Session) -> Quote:
            made = s.request_keys.created("quote", idempotency_key) if idempotency_key else ""
            if made:
                return visible_quote(s, principal, made)
            opp = s.visible_deal(principal, opportunity_id)
            ensure_open(opp, "quote")
            policy = policy_of(s, opp)
            quotes = s.quotes
            today = tenant_today(now)
            quote = create_quote(
                draft,
                quote_id=quote_id,
                tenant_id=principal.tenant_id,
                number=quotes.next_number(today.year),
                parties=QuoteParties(opp.id, opp.account_id, opp.owner_id),
                created_by=principal.user_id,
                now=now,
                today=today,
                policy=policy,
            )
            if idempotency_key:
                s.request_keys.remember("quote", idempotency_key, quote_id, now)
            quote = quote_events.created(quote)
            quotes.add(quote, None)
            return quote

        return self._run(principal, work)

    def revise(
        self, principal: Principal, quote_id: str, draft: QuoteDraft, expected_version: int
    ) -> Quote:
        """Version n+1, a draft with the full new content; version n superseded and its
        pending discount approval cancelled."""
        now = self.clock()

        def work(s: Session) -> Quote:
            latest = visible_quote(s, principal, quote_id)
            opp = s.visible_deal(principal, latest.parties.opportunity_id)
            ensure_open(opp, "revise a quote of")
            revised = revise_quote(
                latest,
                draft,
                expected_version=expected_version,
                revised_by=principal.user_id,
                now=now,
                today=tenant_today(now),
                policy=policy_of(s, opp),
            )
            revision = quote_events.revised(revised)
            reason = f"{latest.label} was revised into version {revision.current.version}"
            cancel_approval(s, revision.cancelled_approval_id, reason, principal.user_id, now)
            quotes = s.quotes
            quotes.save(revision.previous, latest=False, next_check_at=None)
            quotes.add(revision.current, None)
            return revision.current

        return self._run(principal, work)

    def get(self, principal: Principal, quote_id: str, version: int = 0) -> Quote:
        if version < 0:
            require([FieldViolation("version", "must be 0 (the latest) or a version number")])
        return self._run(principal, lambda s: visible_quote(s, principal, quote_id, version))

    def page(self, principal: Principal, query: QuoteQuery) -> tuple[list[Quote], str]:
        mongo, limit, after = query.plan()

        def work(s: Session) -> tuple[list[Quote], str]:
            s.visible_deal(principal, query.opportunity_id)
            found = s.quotes.page(mongo, limit + 1, after)
            return found[:limit], next_cursor(
                QUOTE_SORT, found, limit, lambda q: quote_to_doc(q, latest=True)
            )

        return self._run(principal, work)

    def issue(self, principal: Principal, quote_id: str, version: int, note: str = "") -> Issued:
        """Issued, or waiting for the approver role when a discount is above the
        pipeline's threshold. Asking again for a version issued or waiting changes nothing."""
        if version < 0:
            require([FieldViolation("version", "must be 0 (the latest) or a version number")])
        now, approval_id = self.clock(), self.new_id()

        def work(s: Session) -> Issued:
            quote = visible_quote(s, principal, quote_id)
            opp = s.visible_deal(principal, quote.parties.opportunity_id)
            ensure_open(opp, "issue a quote of")
            result = issue_quote(
                quote,
                version=version,
                issued_by=principal.user_id,
                approval_id=approval_id,
                now=now,
                today=tenant_today(now),
                policy=policy_of(s, opp),
                note=note,
            )
            saved = result.quote
            if result.quote is not quote:
                if result.approval is not None:
                    s.approvals.add(approval_for(opp, result.approval, now))
                saved = s.quotes.save(
                    result.quote, latest=True, next_check_at=expiry_check_at(result.quote)
                )
            waiting = saved.status is QuoteStatus.PENDING_APPROVAL
            return Issued(saved, saved.approval_id if waiting else "")

        return self._run(principal, work)


def decide_quote_discount(
    s: Session, approval: Approval, principal: Principal, now: datetime
) -> Opportunity | None:
    """The approvals module's handler of APPROVAL_KIND_QUOTE_DISCOUNT, inside the deciding
    transaction: approved issues the waiting version, rejected closes it with the reason."""
    quotes = s.quotes
    quote = quotes.get(approval.quote_id, approval.quote_version)
    if quote is None:
        raise FailedPrecondition(f"the quote of approval {approval.id} no longer exists")
    decided = decide_discount(
        quote,
        approval_id=approval.id,
        approve=approval.status is ApprovalStatus.APPROVED,
        decided_by=approval.decided_by,
        reason=approval.reason,
        now=now,
        today=tenant_today(now),
    )
    quotes.save(decided, latest=True, next_check_at=expiry_check_at(decided))
    return s.deals.get(quote.parties.opportunity_id)


def expire_due_quote(
    stores: Stores, tenant_id: str, quote_id: str, version: int, now: datetime
) -> int:
    """The worker's check of one version whose expiry is due: expired (its pending
    approval cancelled) or, when not due after all, its check moved on."""
    s = Session(stores, tenant_id, lambda: now)
    quotes = s.quotes
    quote = quotes.get(quote_id, version)
    if quote is None:
        return 0
    after = expire_quote(quote, today=tenant_today(now), now=now)
    if after is None:
        quotes.reschedule(quote, expiry_check_at(quote))
        return 0
    reason = f"{quote.label} expired before the decision"
    if quote.status is QuoteStatus.PENDING_APPROVAL:
        cancel_approval(s, quote.approval_id, reason, "", now)
    quotes.save(quote_events.expired(quote, after, now), latest=True, next_check_at=None)
    return 1
