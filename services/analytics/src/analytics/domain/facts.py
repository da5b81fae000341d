"""Reading event payloads: money, instants and dates as the events carry them. Pure Python.

Payloads are the crm.events.v1 messages as JSON (protojson): Money is
{"currency", "units" (a string), "nanos"}, zero fields may be left out, instants are
RFC 3339 strings."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

NANOS = Decimal(1_000_000_000)


def money(value: Any) -> tuple[Decimal, str]:
    """(amount, currency) of a Money payload; (0, "") when absent."""
    if not isinstance(value, dict):
        return Decimal(0), ""
    units = Decimal(str(value.get("units") or 0))
    nanos = Decimal(int(value.get("nanos") or 0)) / NANOS
    return units + nanos, str(value.get("currency") or "")


def instant(value: Any) -> datetime | None:
    """A tz-aware UTC datetime from an RFC 3339 string; None when absent."""
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC)


def day(value: Any) -> date | None:
    """A "YYYY-MM-DD" date; None when absent or not a date."""
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
