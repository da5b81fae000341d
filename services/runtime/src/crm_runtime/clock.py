"""The platform's clock: timezone-aware UTC, at the millisecond precision MongoDB keeps,
so a value read back equals the value written."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond - now.microsecond % 1000)
