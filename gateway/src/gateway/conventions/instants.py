"""Instants in query parameters (`created_at_from`, `at_to`, ...): RFC 3339 with a
zone, checked here rather than by pydantic, which also reads `0.5` as a time."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from crm_runtime.errors import FieldViolation, ValidationFailed
from fastapi import Query

RFC_3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$"
)
# The range ObjectId-keyed stores can express (32 bits of seconds since 1970), which is
# also every date a CRM record can sensibly carry.
EARLIEST, LATEST = datetime(1970, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)


def instant_query(description: str) -> Any:
    """`Query(...)` for an optional instant, documented as a date-time string."""
    return Query(max_length=40, description=description, json_schema_extra={"format": "date-time"})


def parse_instant(field: str, value: str | None) -> datetime | None:
    """The instant `value` names (`2026-11-24T08:00:00Z`, `...+08:00`), None when absent;
    422 naming `field` otherwise."""
    if value is None:
        return None
    try:
        found = (
            datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
            if RFC_3339.match(value)
            else None
        )
    except ValueError:
        found = None
    if found is None or not EARLIEST <= found < LATEST:
        raise ValidationFailed(
            [FieldViolation(field, "must be an RFC 3339 instant with a zone, 1970 to 2100")]
        )
    return found
