"""What analytics knows of one opportunity, folded from the opportunity's events.

`apply` is a pure fold and does not depend on the order events arrive in: the current
state (stage, status, amount, owner, team) comes from the event with the highest
aggregate version seen, what only accumulates (stages entered, dwell times) is kept as
sorted multisets, and what never changes (creation time, pipeline, source) is taken
from whichever event carries it first. So a stage change that reaches analytics before
the deal's creation is kept, not dropped, and folding the event log in any order gives
the same deal (ADR 0033). Events of one save share a version and are ranked by
PRECEDENCE."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from analytics.domain.facts import day, instant, money

OPEN, WON, LOST = "open", "won", "lost"

DEAL_EVENTS = (
    "OpportunityCreated",
    "OpportunityUpdated",
    "OpportunityStageChanged",
    "OpportunityWon",
    "OpportunityLost",
    "OpportunityReopened",
    "OpportunityCadenceOverdue",
)


# One save of a deal can record several events with the same aggregate version (a close
# records OpportunityStageChanged into the closing stage, then OpportunityWon/Lost): the
# later one in the save states the deal, whichever reaches analytics first.
PRECEDENCE = {
    "OpportunityCreated": 0,
    "OpportunityUpdated": 1,
    "OpportunityStageChanged": 2,
    "OpportunityWon": 3,
    "OpportunityLost": 3,
    "OpportunityReopened": 3,
}
REMINDERS = ("OpportunityCadenceOverdue",)  # accumulate only: they state nothing


@dataclass(frozen=True)
class Dwell:
    stage: str
    seconds: int
    event_id: str  # the stage change that ended the stay; keeps equal stays apart


@dataclass(frozen=True)
class Deal:
    opportunity_id: str
    pipeline_id: str = ""
    owner_id: str = ""
    team_id: str = ""
    stage: str = ""  # the open stage it is in, or the stage it was closed from
    status: str = OPEN
    amount: Decimal = Decimal(0)
    currency: str = ""
    created_at: datetime | None = None
    closed_on: date | None = None
    loss_reason: str = ""
    competitor: str = ""
    source: str = ""
    source_lead_id: str = ""
    version: int = 0  # aggregate version of the event the current state comes from
    precedence: int = 0  # of that event among the events of one save (PRECEDENCE)
    entered: tuple[str, ...] = ()  # stages entered, sorted, each once
    dwells: tuple[Dwell, ...] = ()  # sorted
    overdue: tuple[tuple[datetime, str], ...] = ()  # missed cadences: (due at, owner), sorted

    @property
    def created_on(self) -> date | None:
        return self.created_at.date() if self.created_at else None


def _first(current: Any, new: Any) -> Any:
    return current or new


def _state(payload: dict[str, Any], event_type: str) -> dict[str, Any]:
    """The current-state fields an event sets."""
    amount, currency = money(payload.get("amount"))
    state: dict[str, Any] = {"amount": amount, "currency": currency}
    for name in ("owner_id", "team_id"):
        if payload.get(name):
            state[name] = payload[name]
    if event_type == "OpportunityCreated":
        state.update(stage=payload.get("stage", ""), status=OPEN)
    elif event_type == "OpportunityStageChanged":
        state.update(stage=payload.get("to_stage", ""), status=OPEN)
    elif event_type in ("OpportunityWon", "OpportunityLost"):
        state.update(
            stage=payload.get("from_stage", ""),
            status=WON if event_type == "OpportunityWon" else LOST,
            closed_on=day(payload.get("closed_date")),
            loss_reason=payload.get("loss_reason", ""),
            competitor=payload.get("competitor", ""),
        )
    elif event_type == "OpportunityReopened":
        state.update(
            stage=payload.get("to_stage", ""),
            status=OPEN,
            closed_on=None,
            loss_reason="",
            competitor="",
        )
    if not currency:
        del state["amount"], state["currency"]  # OpportunityUpdated without an amount
    return state


def _entered(payload: dict[str, Any], event_type: str) -> set[str]:
    keys = {
        "OpportunityCreated": ("stage",),
        "OpportunityStageChanged": ("from_stage", "to_stage"),
        "OpportunityWon": ("from_stage",),
        "OpportunityLost": ("from_stage",),
        "OpportunityReopened": ("to_stage",),
    }.get(event_type, ())
    return {payload[k] for k in keys if payload.get(k)}


def apply(deal: Deal | None, envelope: dict[str, Any]) -> Deal:
    """`deal` with one opportunity event folded in (a new deal when None)."""
    payload: dict[str, Any] = envelope.get("payload") or {}
    event_type = envelope["event_type"]
    deal = deal or Deal(opportunity_id=payload["opportunity_id"])
    created_at = (
        instant(envelope.get("occurred_at"))
        if event_type == "OpportunityCreated"
        else instant(payload.get("opportunity_created_at"))
    )
    deal = replace(
        deal,
        pipeline_id=_first(deal.pipeline_id, payload.get("pipeline_id", "")),
        created_at=_first(deal.created_at, created_at),
        source=_first(deal.source, payload.get("source", "")),
        source_lead_id=_first(deal.source_lead_id, payload.get("source_lead_id", "")),
        entered=tuple(sorted(set(deal.entered) | _entered(payload, event_type))),
    )
    if event_type == "OpportunityStageChanged" and payload.get("from_stage"):
        stay = Dwell(
            payload["from_stage"], int(payload.get("dwell_seconds") or 0), envelope["event_id"]
        )
        dwells = sorted((*deal.dwells, stay), key=lambda d: (d.stage, d.seconds, d.event_id))
        deal = replace(deal, dwells=tuple(dwells))
    if event_type in REMINDERS:
        due = instant(payload.get("due_at"))
        if due is None:
            return deal
        overdue = sorted({*deal.overdue, (due, payload.get("owner_id", ""))})
        return replace(deal, overdue=tuple(overdue))
    rank = (int(envelope.get("aggregate_version") or 0), PRECEDENCE[event_type])
    if rank >= (deal.version, deal.precedence):
        deal = replace(deal, version=rank[0], precedence=rank[1], **_state(payload, event_type))
    return deal
