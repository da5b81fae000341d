"""Lead counts by source and UTC day, built from LeadCreated events. Pure Python."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from analytics.domain.filters import period


@dataclass(frozen=True)
class LeadCount:
    day: str
    source: str
    count: int


@dataclass(frozen=True)
class DayRange:
    first: date
    last: date


def bucket_of(envelope: dict[str, Any]) -> tuple[str, str]:
    """(UTC day, source) the event counts towards."""
    occurred = datetime.fromisoformat(envelope["occurred_at"].replace("Z", "+00:00"))
    return occurred.astimezone(UTC).date().isoformat(), envelope["payload"].get("source", "")


def day_range(from_day: str, to_day: str, today: date) -> DayRange:
    """Validate a requested range; empty ends default to the last 30 days."""
    days = period(from_day, to_day, today, ("from", "to"))
    return DayRange(days.first, days.last)


def total(counts: list[LeadCount]) -> int:
    return sum(c.count for c in counts)
