"""What analytics knows of one lead, folded from the lead's events, order-free as the
deal fold is (ADR 0033): the owner and team come from the ownership event with the
highest aggregate version; creation time and source from LeadCreated; the first
follow-up deadline is the earliest one set (the first assignment's); follow-ups are
a sorted set; the opportunity it converted into is set once. Pure Python."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from analytics.domain.facts import instant

LEAD_FACT_EVENTS = (
    "LeadCreated",
    "LeadAssigned",
    "LeadClaimed",
    "LeadRecycled",
    "LeadFollowUpLogged",
    "LeadConverted",
    "LeadFollowUpDue",
)
OWNERSHIP = ("LeadAssigned", "LeadClaimed", "LeadRecycled")


@dataclass(frozen=True)
class FollowUp:
    at: datetime
    follow_up_id: str
    kind: str
    owner_id: str


@dataclass(frozen=True)
class LeadFact:
    lead_id: str
    source: str = ""
    created_at: datetime | None = None
    owner_id: str = ""
    team_id: str = ""
    owner_version: int = 0
    first_due_at: datetime | None = None
    opportunity_id: str = ""
    follow_ups: tuple[FollowUp, ...] = ()  # by time
    overdue: tuple[tuple[datetime, str], ...] = ()  # missed cadences: (due at, owner), sorted

    @property
    def first_follow_up_at(self) -> datetime | None:
        return self.follow_ups[0].at if self.follow_ups else None


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return min((x for x in (a, b) if x is not None), default=None)


def apply(lead: LeadFact | None, envelope: dict[str, Any]) -> LeadFact:
    payload: dict[str, Any] = envelope.get("payload") or {}
    event_type = envelope["event_type"]
    lead = lead or LeadFact(lead_id=payload["lead_id"])
    at = instant(envelope.get("occurred_at"))
    if event_type == "LeadCreated":
        lead = replace(lead, source=lead.source or payload.get("source", ""), created_at=at)
    elif event_type in OWNERSHIP:
        version = int(envelope.get("aggregate_version") or 0)
        if version >= lead.owner_version:
            lead = replace(
                lead,
                owner_id=payload.get("owner_id", ""),
                team_id=payload.get("team_id", ""),
                owner_version=version,
            )
        if event_type == "LeadAssigned":
            due = instant(payload.get("first_follow_up_due_at"))
            lead = replace(lead, first_due_at=_earliest(lead.first_due_at, due))
    elif event_type == "LeadFollowUpLogged" and at is not None:
        done = FollowUp(
            at,
            payload.get("follow_up_id", ""),
            payload.get("kind", ""),
            payload.get("owner_id", ""),
        )
        follow_ups = sorted({*lead.follow_ups, done}, key=lambda f: (f.at, f.follow_up_id))
        lead = replace(lead, follow_ups=tuple(follow_ups))
    elif event_type == "LeadFollowUpDue":
        due = instant(payload.get("due_at"))
        if due is not None:
            overdue = sorted({*lead.overdue, (due, payload.get("owner_id", ""))})
            lead = replace(lead, overdue=tuple(overdue))
    elif event_type == "LeadConverted":
        lead = replace(
            lead, opportunity_id=lead.opportunity_id or payload.get("opportunity_id", "")
        )
    return lead
