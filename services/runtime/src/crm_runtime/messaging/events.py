"""Domain events as plain data, recorded by aggregates and written to the outbox.

Pure Python: domain code builds `DomainEvent`s; the outbox turns them into envelopes
(crm.events.v1.EventEnvelope) and checks each payload against its proto message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class DomainEvent:
    event_type: str  # the crm.events.v1 message name, e.g. "LeadCreated"
    tenant_id: str
    aggregate_type: str
    aggregate_id: str
    aggregate_version: int
    occurred_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)
    schema_version: int = 1
