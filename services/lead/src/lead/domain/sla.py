"""SLA and recycling: which warnings are due for a lead at `now`, and when it is neglected.

The clocks start when the current owner became owner, whatever the path (rule, hand,
claim, transfer): vendors that only start them on rule assignment let claimed leads rot.

- First follow-up: due one SLA period after ownership; the owner is warned at the
  deadline, the manager one escalation period later.
- Cadence: after a follow-up, the next is due every cadence period; the owner is
  reminded once per missed period (a reminder, never a block).
- Recycling: no follow-up for the recycle period sends the lead back to the pool.

Every alert has a key derived from its deadline, and the lead remembers the keys it
raised (`sla_sent`), so a timer that runs twice, or late, never raises one twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from lead.domain.lead import Lead, revise, rfc3339
from lead.domain.lifecycle import is_open, ownership_start
from lead.domain.pool import release_to_pool
from lead.domain.settings import LeadSettings

FIRST_FOLLOW_UP = "first_follow_up"
CADENCE = "cadence"
OWNER = "owner"
MANAGER = "manager"


@dataclass(frozen=True)
class SlaAlert:
    kind: str  # first_follow_up or cadence
    level: str  # owner or manager
    due_at: datetime

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.level}:{rfc3339(self.due_at)}"


def _followed_up_since_owned(lead: Lead) -> bool:
    start = ownership_start(lead)
    last = lead.last_follow_up_at
    return start is not None and last is not None and last >= start


def first_follow_up_due(lead: Lead, settings: LeadSettings) -> datetime | None:
    """The current owner's first-follow-up deadline; None once met or while unowned."""
    start = ownership_start(lead)
    if start is None or not is_open(lead) or _followed_up_since_owned(lead):
        return None
    return start + settings.first_follow_up_sla


def _alerts(lead: Lead, now: datetime, settings: LeadSettings) -> list[SlaAlert]:
    """Every alert whose deadline has passed, sent or not."""
    first = first_follow_up_due(lead, settings)
    if first is not None:
        escalate = first + settings.escalation
        return [
            SlaAlert(FIRST_FOLLOW_UP, level, due)
            for level, due in ((OWNER, first), (MANAGER, escalate))
            if due <= now
        ]
    last = lead.last_follow_up_at
    if last is None or not is_open(lead) or not _followed_up_since_owned(lead):
        return []
    missed = (now - last) // settings.cadence
    if missed < 1:
        return []
    # Only the latest missed period: after an outage, one reminder, not a burst.
    return [SlaAlert(CADENCE, OWNER, last + missed * settings.cadence)]


def due_alerts(lead: Lead, now: datetime, settings: LeadSettings) -> tuple[SlaAlert, ...]:
    """The alerts to raise now: deadline passed and not raised before for this owner."""
    return tuple(a for a in _alerts(lead, now, settings) if a.key not in lead.sla_sent)


def _event(lead: Lead, alert: SlaAlert, manager_id: str) -> tuple[str, dict[str, object]]:
    if alert.kind == CADENCE:
        payload: dict[str, object] = {
            "lead_id": lead.id,
            "owner_id": lead.owner_id,
            "due_at": rfc3339(alert.due_at),
        }
        if lead.last_follow_up_at is not None:  # always, for a cadence alert
            payload["last_follow_up_at"] = rfc3339(lead.last_follow_up_at)
        return "LeadFollowUpDue", payload
    return "LeadSlaBreached", {
        "lead_id": lead.id,
        "owner_id": lead.owner_id,
        "manager_id": manager_id,
        "level": alert.level,
        "due_at": rfc3339(alert.due_at),
    }


def record_alerts(
    lead: Lead, alerts: Sequence[SlaAlert], *, manager_id: str, now: datetime
) -> Lead:
    """The lead remembering `alerts` as raised, with one event each: LeadSlaBreached for
    a missed first follow-up, LeadFollowUpDue for a missed cadence period.

    Alerts already raised are ignored, so recording twice raises nothing twice. The
    store looks up the owner's manager; an empty `manager_id` leaves routing to
    notification (e.g. to the tenant admin).
    """
    fresh = [a for a in dict.fromkeys(alerts) if a.key not in lead.sla_sent]
    if not fresh:
        return lead
    events = [_event(lead, alert, manager_id) for alert in fresh]
    return revise(lead, now, events, sla_sent=(*lead.sla_sent, *(a.key for a in fresh)))


def recycle_due_at(lead: Lead, settings: LeadSettings) -> datetime | None:
    """When the lead counts as neglected: the recycle period after ownership or the last
    follow-up, whichever is later; None while it is unowned or finished."""
    start = ownership_start(lead)
    if start is None or not is_open(lead):
        return None
    last = lead.last_follow_up_at
    return max(start, last if last is not None else start) + settings.recycle_after


def recycle_if_neglected(lead: Lead, now: datetime, settings: LeadSettings) -> Lead:
    """The lead back in the pool with the reason recorded if neglected; else unchanged."""
    due = recycle_due_at(lead, settings)
    if due is None or now < due:
        return lead
    since = rfc3339(due - settings.recycle_after)
    days = settings.recycle_after_days
    if _followed_up_since_owned(lead):
        reason = f"no follow-up for {days} days (last follow-up at {since})"
    else:
        reason = f"no follow-up for {days} days since {lead.owner_id} became owner at {since}"
    return release_to_pool(lead, reason=reason, now=now, settings=settings)


def next_check_at(lead: Lead, settings: LeadSettings) -> datetime | None:
    """The earliest moment an alert not yet raised, or recycling, can fall due: what the
    store indexes so that the timer loads only the leads that need a look."""
    recycle = recycle_due_at(lead, settings)
    if recycle is None:
        return None
    moments = [recycle]
    first = first_follow_up_due(lead, settings)
    last = lead.last_follow_up_at
    if first is not None:
        moments += [
            due
            for level, due in ((OWNER, first), (MANAGER, first + settings.escalation))
            if SlaAlert(FIRST_FOLLOW_UP, level, due).key not in lead.sla_sent
        ][:1]
    elif last is not None:
        # The period after the latest reminder raised (periods skipped in an outage
        # are never raised, so they must not hold the next check in the past).
        periods = range(1, settings.recycle_after // settings.cadence + 1)
        raised = [
            k
            for k in periods
            if SlaAlert(CADENCE, OWNER, last + k * settings.cadence).key in lead.sla_sent
        ]
        moments.append(last + (max(raised, default=0) + 1) * settings.cadence)
    return min(moments)
