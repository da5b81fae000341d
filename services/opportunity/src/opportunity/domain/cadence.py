"""Timers the worker keeps: the follow-up cadence of open deals and the dormancy of
accounts. Both are reminders and flags, never blocks.

- Cadence: an open deal expects a follow-up every `cadence_days` (default 2) after its
  last activity; each missed period raises one OpportunityCadenceOverdue, and after an
  outage only the latest missed period is raised, not a burst. The deal remembers the
  due instant of the last reminder, so a timer that runs twice, or on two replicas,
  raises nothing twice.
- Dormancy: an account with no activity for `dormant_after_days` (default 30) becomes
  dormant, remembering its tier; its next activity restores that tier. Strategic
  accounts are set by hand and never changed by a job.

Each aggregate also says when it next needs a look (`*_check_at`): the store indexes
that, so the timer loads only what is due."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from opportunity.domain import account as accounts
from opportunity.domain.account import Account, Tier
from opportunity.domain.aggregate import revise, rfc3339
from opportunity.domain.money import money_payload
from opportunity.domain.opportunity import AGGREGATE, Opportunity

SYSTEM = "system"


def _base(opp: Opportunity) -> datetime:
    return opp.last_activity_at or opp.created_at


def follow_up_due(opp: Opportunity, cadence_days: int) -> datetime | None:
    """When the next follow-up is expected; None for a closed deal."""
    if not opp.is_open:
        return None
    return _base(opp) + timedelta(days=cadence_days)


def cadence_check_at(opp: Opportunity, cadence_days: int) -> datetime | None:
    """The end of the first period whose reminder is not yet raised."""
    due = follow_up_due(opp, cadence_days)
    if due is None:
        return None
    reminded = opp.cadence_reminded_at
    if reminded is not None and reminded >= due:
        return reminded + timedelta(days=cadence_days)
    return due


def remind_if_overdue(opp: Opportunity, cadence_days: int, now: datetime) -> Opportunity:
    """The deal with one reminder for the latest missed period, if not raised yet."""
    if not opp.is_open:
        return opp
    period = timedelta(days=cadence_days)
    missed = (now - _base(opp)) // period
    if missed < 1:
        return opp
    due_at = _base(opp) + missed * period
    if opp.cadence_reminded_at is not None and opp.cadence_reminded_at >= due_at:
        return opp
    payload = {
        "opportunity_id": opp.id,
        "name": opp.name,
        "account_id": opp.account_id,
        "owner_id": opp.owner_id,
        "team_id": opp.team_id,
        "manager_id": "",
        "stage": opp.stage,
        "amount": money_payload(opp.amount),
        "cadence_days": cadence_days,
        "last_activity_at": rfc3339(_base(opp)),
        "due_at": rfc3339(due_at),
    }
    return revise(
        opp, AGGREGATE, now, [("OpportunityCadenceOverdue", payload)], cadence_reminded_at=due_at
    )


def with_schedule(opp: Opportunity, cadence_days: int) -> Opportunity:
    """`next_follow_up_due_at` in step with the deal's activity and status."""
    due = follow_up_due(opp, cadence_days)
    if due == opp.next_follow_up_due_at:
        return opp
    return replace(opp, next_follow_up_due_at=due)  # derived, not a fact: no event


def dormant_due(account: Account, dormant_after_days: int) -> datetime | None:
    if account.tier in (Tier.DORMANT, Tier.STRATEGIC):
        return None
    return (account.last_activity_at or account.created_at) + timedelta(days=dormant_after_days)


def mark_dormant_if_idle(account: Account, dormant_after_days: int, now: datetime) -> Account:
    due = dormant_due(account, dormant_after_days)
    if due is None or now < due:
        return account
    since = account.last_activity_at or account.created_at
    reason = f"no activity for {dormant_after_days} days (last at {rfc3339(since)})"
    dormant = {
        "account_id": account.id,
        "name": account.name,
        "owner_id": account.owner_id,
        "team_id": account.team_id,
        "previous_tier": account.tier,
        "inactive_days": (now - since).days,
        "last_activity_at": rfc3339(since),
        "returned_to_pool": False,
    }
    events = [
        ("AccountDormant", dormant),
        accounts.tier_changed(account, Tier.DORMANT, reason, SYSTEM),
    ]
    return revise(
        account,
        accounts.AGGREGATE,
        now,
        events,
        tier=Tier.DORMANT.value,
        tier_reason=reason,
        dormant_from_tier=account.tier,
    )


def record_activity(account: Account, at: datetime) -> Account:
    """The account active at `at`; a dormant one back at the tier it had."""
    if account.tier != Tier.DORMANT:
        return revise(account, accounts.AGGREGATE, at, last_activity_at=at)
    back = account.dormant_from_tier
    event = accounts.tier_changed(account, back, "activity resumed", SYSTEM)
    return revise(
        account,
        accounts.AGGREGATE,
        at,
        [event],
        last_activity_at=at,
        tier=back,
        tier_reason="activity resumed" if back else "",
        dormant_from_tier="",
    )
