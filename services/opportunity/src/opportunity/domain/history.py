"""Stage history: every stage a deal entered, when, by whom, and how long it had spent
in the stage it left, so that dwell time per stage is exact rather than estimated from
snapshots. Written once, never changed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from opportunity.domain.money import Money


@dataclass(frozen=True)
class StageChange:
    opportunity_id: str
    seq: int  # the deal's version written with the change: strictly increasing per deal
    from_stage: str  # "" when the deal was created
    to_stage: str
    probability: int
    amount: Money | None
    actor_id: str
    at: datetime
    dwell_seconds: int  # time spent in from_stage
    approval_id: str = ""
    note: str = ""

    @property
    def id(self) -> str:
        return f"{self.opportunity_id}:{self.seq}"


def dwell_seconds(entered_at: datetime, left_at: datetime) -> int:
    return max(int((left_at - entered_at).total_seconds()), 0)


def dwell_by_stage(changes: Sequence[StageChange], now: datetime) -> dict[str, int]:
    """Seconds spent in each stage, oldest change first; the current stage counts to
    `now`. A stage entered twice (moved back, reopened) adds up."""
    totals: dict[str, int] = {}
    for change in changes[1:]:
        totals[change.from_stage] = totals.get(change.from_stage, 0) + change.dwell_seconds
    if changes:
        last = changes[-1]
        totals[last.to_stage] = totals.get(last.to_stage, 0) + dwell_seconds(last.at, now)
    return totals
