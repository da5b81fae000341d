"""What every aggregate of the service shares: recording its events, stamped with the
version the store's next save will write, and the instant and date forms events carry.
Pure Python."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any, Protocol, TypeVar

from crm_runtime.messaging.events import DomainEvent


class Aggregate(Protocol):
    id: str
    tenant_id: str
    version: int
    events: list[DomainEvent]


A = TypeVar("A", bound=Aggregate)


def rfc3339(moment: datetime) -> str:
    """UTC with a trailing Z: the form event payloads carry proto Timestamps in."""
    if moment.tzinfo is None:
        raise ValueError("a naive datetime has no place in an event")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def event(
    aggregate: Aggregate,
    aggregate_type: str,
    event_type: str,
    payload: dict[str, Any],
    now: datetime,
    *,
    new: bool = False,
) -> DomainEvent:
    """One event about `aggregate`. A new aggregate's events carry its first version; a
    change's carry the version the next save writes (one more than loaded), so a use
    case may chain several decisions and their events still agree."""
    if new:
        stamp = aggregate.version
    else:
        stamp = (
            aggregate.events[-1].aggregate_version if aggregate.events else aggregate.version + 1
        )
    return DomainEvent(
        event_type=event_type,
        tenant_id=aggregate.tenant_id,
        aggregate_type=aggregate_type,
        aggregate_id=aggregate.id,
        aggregate_version=stamp,
        occurred_at=now,
        payload=payload,
    )


def revise(
    aggregate: A,
    aggregate_type: str,
    now: datetime,
    events: Iterable[tuple[str, dict[str, Any]]] = (),
    **changes: Any,
) -> A:
    """A copy of `aggregate` with `changes` applied and `events` recorded; the original
    is untouched. The version belongs to the store, which bumps it once per save."""
    recorded = list(aggregate.events)
    for event_type, payload in events:
        probe = replace(aggregate, events=recorded)  # type: ignore[type-var]
        recorded.append(event(probe, aggregate_type, event_type, payload, now))
    return replace(aggregate, updated_at=now, events=recorded, **changes)  # type: ignore[type-var]


def parse_date(raw: str) -> date | None:
    """A calendar date from "YYYY-MM-DD", or None when it is not one."""
    if len(raw) != 10:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None
