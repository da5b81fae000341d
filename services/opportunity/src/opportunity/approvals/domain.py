"""Approvals: a change that waits for someone with the approver role to decide.

One record for every kind (a stage change of a big deal now; a quote's discount later),
so that approvers have one queue and an OA system one API. What an approval does once
decided depends on its kind and is not decided here: the app dispatches a decided
approval to the handler registered for its kind.

A decision is final. Deciding again with the same `decision_key` (an OA system retrying
its callback) changes nothing and returns the first result; any other second decision
is refused."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from crm_runtime.errors import FailedPrecondition, FieldViolation, PermissionDenied, require
from crm_runtime.messaging.events import DomainEvent

from opportunity.domain.aggregate import rfc3339
from opportunity.domain.money import Money
from opportunity.domain.text import clean_text

MAX_REASON, MAX_KEY = 1000, 128


class ApprovalKind(StrEnum):
    STAGE_CHANGE = "stage_change"
    QUOTE_DISCOUNT = "quote_discount"


class ApprovalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"  # superseded, e.g. the deal was closed meanwhile


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


@dataclass
class Approval:
    id: str
    tenant_id: str
    kind: ApprovalKind
    opportunity_id: str
    approver_role: str
    requested_by: str
    requested_at: datetime
    status: ApprovalStatus = ApprovalStatus.PENDING
    opportunity_name: str = ""
    account_id: str = ""
    owner_id: str = ""  # the deal's owner and team: who else sees the approval
    team_id: str = ""
    from_stage: str = ""  # stage change
    to_stage: str = ""
    quote_id: str = ""  # quote discount
    quote_version: int = 0
    discount_percent: str = ""
    threshold_percent: str = ""  # quote discount: the threshold it is above
    amount: Money | None = None
    threshold: Money | None = None
    note: str = ""  # the requester's
    decided_by: str = ""
    decided_at: datetime | None = None
    reason: str = ""  # the decider's; required to reject
    decision_key: str = ""
    version: int = 1
    updated_at: datetime | None = None
    events: list[DomainEvent] = field(default_factory=list, repr=False, compare=False)

    @property
    def decided(self) -> bool:
        return self.status is not ApprovalStatus.PENDING


def may_decide(approval: Approval, roles: Iterable[str]) -> bool:
    return approval.approver_role in set(roles)


def is_replay(approval: Approval, decision_key: str) -> bool:
    """A repeated decision (same key) of an approval already decided with that key."""
    return bool(decision_key) and approval.decided and approval.decision_key == decision_key


def decide(
    approval: Approval,
    decision: str,
    *,
    reason: str,
    by: str,
    roles: Iterable[str],
    decision_key: str,
    now: datetime,
) -> Approval:
    """The approval approved or rejected by `by`. Callers check `is_replay` first; a
    pending approval is decided once, by a holder of its approver role other than the
    requester, and a rejection says why."""
    violations = []
    if decision not in [d.value for d in Decision]:
        violations.append(FieldViolation("decision", f"must be one of {', '.join(Decision)}"))
    reason = clean_text(reason)
    if decision == Decision.REJECT and not reason:
        violations.append(FieldViolation("reason", "is required to reject: say why"))
    if len(reason) > MAX_REASON:
        violations.append(FieldViolation("reason", f"must be at most {MAX_REASON} characters"))
    if len(decision_key) > MAX_KEY:
        violations.append(FieldViolation("decision_key", f"must be at most {MAX_KEY} characters"))
    require(violations)
    if not may_decide(approval, roles):
        raise PermissionDenied(
            f"approval {approval.id} is decided by the {approval.approver_role} role"
        )
    if approval.decided:
        when = rfc3339(approval.decided_at) if approval.decided_at else "earlier"
        raise FailedPrecondition(
            f"approval {approval.id} is already {approval.status.value} (by {approval.decided_by or 'the system'} at {when})"
        )
    if by == approval.requested_by:
        raise PermissionDenied("an approval is decided by someone other than its requester")
    status = ApprovalStatus.APPROVED if decision == Decision.APPROVE else ApprovalStatus.REJECTED
    return replace(
        approval,
        status=status,
        decided_by=by,
        decided_at=now,
        reason=reason,
        decision_key=decision_key,
        updated_at=now,
    )


def cancel(approval: Approval, *, reason: str, by: str, now: datetime) -> Approval:
    """Superseded: what it would have approved no longer applies."""
    if approval.decided:
        return approval
    return replace(
        approval,
        status=ApprovalStatus.CANCELLED,
        decided_by=by,
        decided_at=now,
        reason=reason,
        updated_at=now,
    )
