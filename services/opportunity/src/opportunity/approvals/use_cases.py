"""Approvals: one queue for every kind, decided by the approver role, once.

Deciding is the same for every kind (who may, once, idempotent by decision key, a
reason to reject); what a decision does depends on the kind and lives in a handler
registered for it. Stage changes register theirs here; another kind (a quote's
discount) registers its own handler without touching this module."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from crm_runtime.clock import utcnow
from crm_runtime.errors import FailedPrecondition, NotFound, require
from crm_runtime.paging import page_limit
from crm_runtime.principal import Principal
from crm_runtime.storage.repository import SortKey

from opportunity.approvals import domain as rules
from opportunity.approvals.documents import approval_to_doc
from opportunity.approvals.domain import Approval, ApprovalKind, ApprovalStatus
from opportunity.domain import stages
from opportunity.domain.opportunity import Opportunity
from opportunity.domain.visibility import can_see, scope_filter
from opportunity.listing import check_values, next_cursor
from opportunity.ports import OpportunityStorage
from opportunity.session import ServiceApp, Session, new_id


class ApprovalHandler(Protocol):
    """What a decided approval of one kind does, inside the deciding transaction.
    Returns the opportunity it concerns, as saved (or None)."""

    def __call__(
        self, s: Session, approval: Approval, principal: Principal, now: datetime
    ) -> Opportunity | None: ...


def decide_stage_change(
    s: Session, approval: Approval, principal: Principal, now: datetime
) -> Opportunity:
    """Approved: the deal enters the stage (its gates checked again). Rejected: it stays
    where it was, no longer waiting, with the reason in StageApprovalDecided."""
    opp = s.deals.get(approval.opportunity_id)
    if opp is None:
        raise FailedPrecondition(f"the opportunity of approval {approval.id} no longer exists")
    after = stages.apply_decision(opp, s.pipeline_of(opp), approval, now=now)
    return s.save_deal(opp, after)


@dataclass(frozen=True)
class Decided:
    approval: Approval
    opportunity: Opportunity | None


@dataclass(frozen=True)
class ApprovalQuery:
    statuses: Sequence[str] = ()
    kinds: Sequence[str] = ()
    opportunity_id: str = ""
    assigned_to_me: bool = False
    limit: int = 0
    cursor: str = ""

    def plan(self, principal: Principal) -> tuple[dict[str, Any], int, tuple[Any, str] | None]:
        violations = check_values("statuses", self.statuses, [s.value for s in ApprovalStatus])
        violations += check_values("kinds", self.kinds, [k.value for k in ApprovalKind])
        violations += check_values(
            "opportunity_id", [self.opportunity_id] if self.opportunity_id else []
        )
        require(violations)
        query: dict[str, Any] = {}
        if self.assigned_to_me:
            query["approver_role"] = {"$in": list(principal.roles)}
        else:
            query.update(scope_filter(principal))
        for key, values in (("status", self.statuses), ("kind", self.kinds)):
            if values:
                query[key] = {"$in": list(values)}
        if self.opportunity_id:
            query["opportunity_id"] = self.opportunity_id
        sort = SortKey("requested_at", descending=True)
        return query, page_limit(self.limit), sort.decode(self.cursor)


class ApprovalApp(ServiceApp):
    def __init__(
        self,
        storage: OpportunityStorage,
        clock: Callable[[], datetime] = utcnow,
        make_id: Callable[[], str] = new_id,
    ) -> None:
        super().__init__(storage, clock, make_id)
        self.handlers: dict[ApprovalKind, ApprovalHandler] = {}
        self.register(ApprovalKind.STAGE_CHANGE, decide_stage_change)

    def register(self, kind: ApprovalKind, handler: ApprovalHandler) -> None:
        self.handlers[kind] = handler

    def decide(
        self, principal: Principal, approval_id: str, decision: str, reason: str, decision_key: str
    ) -> Decided:
        """Once: a repeat with the same decision key returns the first result."""
        now = self.clock()

        def work(s: Session) -> Decided:
            approval = s.approvals.get(approval_id)
            if approval is None or not (
                rules.may_decide(approval, principal.roles)
                or can_see(principal, approval, approval.requested_by)
            ):
                raise NotFound(f"approval {approval_id} not found")
            if rules.is_replay(approval, decision_key):
                return Decided(approval, s.deals.get(approval.opportunity_id))
            decided = rules.decide(
                approval,
                decision,
                reason=reason,
                by=principal.user_id,
                roles=principal.roles,
                decision_key=decision_key,
                now=now,
            )
            handler = self.handlers.get(approval.kind)
            if handler is None:
                raise FailedPrecondition(
                    f"approvals of kind {approval.kind.value} cannot be decided here"
                )
            opp = handler(s, decided, principal, now)
            return Decided(s.approvals.save(decided, approval.version), opp)

        return self._run(principal, work)

    def get(self, principal: Principal, approval_id: str) -> Approval:
        def work(s: Session) -> Approval:
            approval = s.approvals.get(approval_id)
            if approval is None or not (
                rules.may_decide(approval, principal.roles)
                or can_see(principal, approval, approval.requested_by)
            ):
                raise NotFound(f"approval {approval_id} not found")
            return approval

        return self._run(principal, work)

    def page(self, principal: Principal, query: ApprovalQuery) -> tuple[list[Approval], str]:
        mongo, limit, after = query.plan(principal)
        sort = SortKey("requested_at", descending=True)

        def work(s: Session) -> tuple[list[Approval], str]:
            found = s.approvals.page(mongo, limit + 1, after)
            return found[:limit], next_cursor(sort, found, limit, approval_to_doc)

        return self._run(principal, work)
