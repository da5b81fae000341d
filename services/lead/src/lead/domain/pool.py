"""The public pool (公海): leads nobody owns, and the rules for taking one.

Pool practice in Chinese sales teams, each figure a tenant setting: a rep may claim only
so many leads per window; a rep who let a lead fall back waits out a cool-down before
claiming it again (else releasing and reclaiming would reset the neglect clock); a
claimed lead is held for its claimant for a holding period; and contact details stay
masked until someone owns the lead, so the pool cannot be harvested for phone numbers.

The store counts a rep's recent claims and open leads, and makes the claim itself a
conditional update on "still unowned", so two reps claiming at once cannot both win.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from crm_runtime.errors import FailedPrecondition, FieldViolation, require

from lead.domain.lead import Lead, PoolRelease, revise, rfc3339
from lead.domain.lifecycle import (
    MAX_REASON,
    POOL,
    drop_ownership,
    ensure_open,
    is_open,
    take_ownership,
)
from lead.domain.settings import LeadSettings

CLAIM = "claim"


def in_pool(lead: Lead) -> bool:
    return not lead.owner_id and is_open(lead)


def release_to_pool(lead: Lead, *, reason: str, now: datetime, settings: LeadSettings) -> Lead:
    """The lead back in the pool with the reason recorded (LeadRecycled).

    The previous owner starts a cool-down on it, whatever made them let it go: by hand,
    or neglect found by the recycler.
    """
    reason = reason.strip()
    if not reason:
        require([FieldViolation("reason", "is required to return a lead to the pool")])
    if len(reason) > MAX_REASON:
        require([FieldViolation("reason", f"must be at most {MAX_REASON} characters")])
    ensure_open(lead, "return to the pool")
    if not lead.owner_id:
        raise FailedPrecondition(f"lead {lead.id} is already in the public pool")
    recent = tuple(r for r in lead.pool_releases if r.at + settings.cooldown > now)
    return revise(
        drop_ownership(lead, reason=reason, now=now),
        now,
        [
            (
                "LeadRecycled",
                {"lead_id": lead.id, "previous_owner_id": lead.owner_id, "reason": reason},
            )
        ],
        pool_releases=(*recent, PoolRelease(lead.owner_id, now)),
    )


def note_unassigned(lead: Lead, reason: str, *, now: datetime) -> Lead:
    """A new lead no rule could place: it starts in the pool, saying why."""
    return revise(lead, now, assignment_rule=POOL, assignment_reason=reason)


def cooldown_until(lead: Lead, rep_id: str, settings: LeadSettings) -> datetime | None:
    """When `rep_id` may claim the lead again after letting it fall back, if ever they did."""
    last = max((r.at for r in lead.pool_releases if r.rep_id == rep_id), default=None)
    return None if last is None else last + settings.cooldown


def claim_window_start(now: datetime, settings: LeadSettings) -> datetime:
    """The store counts a rep's claims made since this moment against the claim limit."""
    return now - settings.claim_window


def claim(
    lead: Lead,
    *,
    rep_id: str,
    team_id: str,
    claims_in_window: int,
    open_leads: int,
    now: datetime,
    settings: LeadSettings,
    capacity: int | None = None,
) -> Lead:
    """The lead owned by the claiming rep (LeadClaimed), or FailedPrecondition saying why not.

    Claiming a lead one already holds changes nothing, so a retried claim is harmless.
    """
    if lead.owner_id == rep_id and is_open(lead):
        return lead
    ensure_open(lead, "claim")
    if lead.owner_id:
        raise FailedPrecondition(f"lead {lead.id} is not in the public pool: it has an owner")
    until = cooldown_until(lead, rep_id, settings)
    if until is not None and now < until:
        raise FailedPrecondition(
            f"lead {lead.id} fell back to the pool from you; you may claim it again from "
            f"{rfc3339(until)}"
        )
    if claims_in_window >= settings.claim_limit:
        raise FailedPrecondition(
            f"claim limit reached: {claims_in_window} of {settings.claim_limit} claims in "
            f"the last {settings.claim_window_hours} hours"
        )
    limit = capacity if capacity is not None else settings.rep_capacity
    if open_leads >= limit:
        raise FailedPrecondition(f"you already hold {open_leads} open leads, the limit is {limit}")
    owned = take_ownership(
        lead,
        owner_id=rep_id,
        team_id=team_id,
        rule=CLAIM,
        reason="claimed from the public pool",
        now=now,
    )
    claimed = {"lead_id": lead.id, "owner_id": rep_id, "team_id": team_id}
    return revise(owned, now, [("LeadClaimed", claimed)])


def held_until(lead: Lead, settings: LeadSettings) -> datetime | None:
    """Until when a claimed lead is protected for its claimant; None if it is not held."""
    if lead.assignment_rule != CLAIM or not lead.owner_id or lead.owned_since is None:
        return None
    return lead.owned_since + settings.holding


def ensure_not_held(lead: Lead, taker_id: str, now: datetime, settings: LeadSettings) -> None:
    """Refuse to let anyone else take a lead its claimant still holds.

    Only protects against other reps and rule runs: a manager's hand assignment and the
    neglect recycler still apply, so a held lead can never escape its SLA.
    """
    until = held_until(lead, settings)
    if until is not None and now < until and taker_id != lead.owner_id:
        raise FailedPrecondition(
            f"lead {lead.id} is held by its claimant {lead.owner_id} until {rfc3339(until)}"
        )


def mask_phone(phone: str) -> str:
    """`+8613800138000` -> `+86138****8000`: enough to recognise, not enough to dial."""
    if len(phone) <= 8:
        return "*" * max(len(phone) - 2, 0) + phone[-2:]
    return phone[:-8] + "****" + phone[-4:]


def mask_email(email: str) -> str:
    """`zhang.wei@example.cn` -> `z***@example.cn`."""
    local, at, domain = email.partition("@")
    return f"{local[:1]}***{at}{domain}" if at else "***"


def pool_view(lead: Lead, settings: LeadSettings) -> Lead:
    """How the pool shows a lead: contact details masked until someone claims it."""
    if not settings.mask_pool_contacts or not in_pool(lead):
        return lead
    return replace(
        lead,
        phone=mask_phone(lead.phone) if lead.phone else "",
        email=mask_email(lead.email) if lead.email else "",
        events=[],
    )
