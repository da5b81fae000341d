"""The lead lifecycle: which status changes are legal, and what each one records.

new -> assigned -> contacted -> qualified / disqualified -> converted. The table below is
the whole rule; everything else (assignment, claims, follow-ups, conversion) moves a
lead only through `ensure_transition`, so an illegal move is refused the same way
whoever asks. Status only moves forward, except that an assigned lead nobody contacted
goes back to new when it returns to the pool, so the funnel never counts a lead as
worked that was not.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crm_runtime.errors import FailedPrecondition, FieldViolation, require

from lead.domain.lead import Lead, LeadStatus, revise

S = LeadStatus
TRANSITIONS: dict[LeadStatus, frozenset[LeadStatus]] = {
    S.NEW: frozenset({S.ASSIGNED, S.CONTACTED, S.DISQUALIFIED}),
    S.ASSIGNED: frozenset({S.NEW, S.CONTACTED, S.DISQUALIFIED}),
    S.CONTACTED: frozenset({S.QUALIFIED, S.DISQUALIFIED}),
    S.QUALIFIED: frozenset({S.CONVERTED, S.DISQUALIFIED}),
    S.DISQUALIFIED: frozenset(),
    S.CONVERTED: frozenset(),
}
TERMINAL = frozenset(status for status, targets in TRANSITIONS.items() if not targets)

# Statuses a person sets directly; the others follow from what happens to the lead.
_SET_BY = {
    S.NEW: "returning it to the public pool",
    S.ASSIGNED: "assignment or a claim from the public pool",
    S.CONVERTED: "conversion into an account, contact and opportunity",
}
MAX_REASON = 500
POOL = "pool"


def is_open(lead: Lead) -> bool:
    """Still worked: neither finished (disqualified, converted) nor merged away."""
    return lead.status not in TERMINAL and not lead.merged_into


def ensure_open(lead: Lead, action: str) -> None:
    if lead.merged_into:
        raise FailedPrecondition(
            f"cannot {action} lead {lead.id}: it was merged into {lead.merged_into}"
        )
    if lead.status in TERMINAL:
        raise FailedPrecondition(f"cannot {action} lead {lead.id}: it is {lead.status}")


def can_transition(from_status: LeadStatus, to_status: LeadStatus) -> bool:
    return to_status in TRANSITIONS[from_status]


def ensure_transition(lead: Lead, to_status: LeadStatus) -> None:
    if lead.merged_into or not can_transition(lead.status, to_status):
        why = f": it was merged into {lead.merged_into}" if lead.merged_into else ""
        raise FailedPrecondition(
            f"cannot change lead {lead.id} from {lead.status} to {to_status}{why}"
        )


def status_event(lead: Lead, to_status: LeadStatus, reason: str) -> tuple[str, dict[str, Any]]:
    return (
        "LeadStatusChanged",
        {
            "lead_id": lead.id,
            "from_status": lead.status.value,
            "to_status": to_status.value,
            "reason": reason,
        },
    )


def move(lead: Lead, to_status: LeadStatus, *, reason: str, now: datetime) -> Lead:
    """The lead in `to_status`, recording LeadStatusChanged; FailedPrecondition if illegal."""
    ensure_transition(lead, to_status)
    return revise(lead, now, [status_event(lead, to_status, reason)], status=to_status)


def change_status(lead: Lead, to_status: LeadStatus, *, reason: str, now: datetime) -> Lead:
    """A person's status change: contacted, qualified or disqualified (with a reason).

    Asking for the status the lead already has changes nothing, so a retried request
    is harmless.
    """
    reason = reason.strip()
    if to_status == lead.status and not lead.merged_into:
        return lead
    if to_status in _SET_BY:
        raise FailedPrecondition(
            f"cannot change lead {lead.id} from {lead.status} to {to_status} by a status "
            f"change: a lead becomes {to_status} by {_SET_BY[to_status]}"
        )
    ensure_transition(lead, to_status)
    if to_status is not S.DISQUALIFIED and not lead.owner_id:
        raise FailedPrecondition(
            f"cannot change lead {lead.id} from {lead.status} to {to_status}: it has no "
            "owner; claim or assign it first"
        )
    violations = []
    if to_status is S.DISQUALIFIED and not reason:
        violations.append(FieldViolation("reason", "is required to disqualify a lead"))
    if len(reason) > MAX_REASON:
        violations.append(FieldViolation("reason", f"must be at most {MAX_REASON} characters"))
    require(violations)
    moved = move(lead, to_status, reason=reason, now=now)
    if to_status is S.DISQUALIFIED:
        return revise(moved, now, disqualify_reason=reason)
    return moved


def convert(
    lead: Lead, *, account_id: str, contact_id: str, opportunity_id: str, now: datetime
) -> Lead:
    """A qualified lead linked to what was made from it, recording LeadConverted.

    Converting again into the same records changes nothing (the opportunity service
    retries); into different ones is refused, since one lead makes one customer.
    """
    links = {"account_id": account_id, "contact_id": contact_id, "opportunity_id": opportunity_id}
    require([FieldViolation(name, "is required") for name, value in links.items() if not value])
    if lead.status is S.CONVERTED:
        if (lead.account_id, lead.contact_id, lead.opportunity_id) == tuple(links.values()):
            return lead
        raise FailedPrecondition(
            f"lead {lead.id} was already converted into account {lead.account_id}"
        )
    moved = move(lead, S.CONVERTED, reason=f"converted into account {account_id}", now=now)
    return revise(moved, now, [("LeadConverted", {"lead_id": lead.id, **links})], **links)


def ownership_start(lead: Lead) -> datetime | None:
    """When the current owner became owner, whatever the path; None while in the pool.

    A lead its creator owns from the start has no `owned_since`; its creation counts.
    """
    if not lead.owner_id:
        return None
    return lead.owned_since or lead.created_at


def take_ownership(
    lead: Lead, *, owner_id: str, team_id: str, rule: str, reason: str, now: datetime
) -> Lead:
    """The lead with a new owner, whose SLA clock starts now; a new lead becomes assigned."""
    owned = revise(
        lead,
        now,
        owner_id=owner_id,
        owner_team_id=team_id,
        owned_since=now,
        assignment_rule=rule,
        assignment_reason=reason,
        sla_sent=(),
    )
    if lead.status is S.NEW:
        return move(owned, S.ASSIGNED, reason=reason, now=now)
    return owned


def drop_ownership(lead: Lead, *, reason: str, now: datetime) -> Lead:
    """The lead without an owner; one nobody contacted goes back to new."""
    dropped = revise(
        lead,
        now,
        owner_id="",
        owner_team_id="",
        owned_since=None,
        assignment_rule=POOL,
        assignment_reason=reason,
        sla_sent=(),
    )
    if lead.status is S.ASSIGNED:
        return move(dropped, S.NEW, reason=reason, now=now)
    return dropped
