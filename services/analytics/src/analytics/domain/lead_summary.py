"""Lead counts by source and UTC day, built from LeadCreated events. Pure Python."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from crm_runtime.errors import FieldViolation, require

MAX_RANGE_DAYS = 366


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
    violations: list[FieldViolation] = []
    parsed: dict[str, date] = {}
    for name, raw, default in (
        ("from", from_day, today - timedelta(days=29)),
        ("to", to_day, today),
    ):
        if not raw:
            parsed[name] = default
            continue
        try:
            parsed[name] = date.fromisoformat(raw)
        except ValueError:
            violations.append(FieldViolation(name, "must be a date YYYY-MM-DD"))
    require(violations)
    first, last = parsed["from"], parsed["to"]
    if first > last:
        violations.append(FieldViolation("from", "must not be after 'to'"))
    elif (last - first).days >= MAX_RANGE_DAYS:
        violations.append(FieldViolation("to", f"range must be at most {MAX_RANGE_DAYS} days"))
    require(violations)
    return DayRange(first, last)


def total(counts: list[LeadCount]) -> int:
    return sum(c.count for c in counts)
