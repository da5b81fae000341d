from datetime import UTC, datetime, timedelta, timezone

import pytest
from crm_runtime.messaging.events import DomainEvent
from crm_runtime.messaging.outbox import envelope


def _event(**payload):
    return DomainEvent(
        event_type="LeadCreated",
        tenant_id="t1",
        aggregate_type="lead",
        aggregate_id="l1",
        aggregate_version=1,
        occurred_at=datetime(2026, 11, 24, 15, 0, tzinfo=timezone(timedelta(hours=8))),
        payload=payload,
    )


def test_envelope_carries_identity_time_trace_and_a_canonical_payload():
    env = envelope(_event(lead_id="l1", name="张三"), "lead", {"traceparent": "00-abc-def-01"})
    assert env["event_type"] == "LeadCreated"
    assert env["tenant_id"] == "t1"
    assert env["occurred_at"] == "2026-11-24T07:00:00Z"  # UTC, whatever the producer's zone
    assert env["traceparent"] == "00-abc-def-01"
    assert env["payload"]["name"] == "张三"
    assert env["payload"]["owner_id"] == ""  # every field of the message is present
    assert datetime.fromisoformat(env["occurred_at"].replace("Z", "+00:00")).tzinfo == UTC


def test_a_payload_that_breaks_its_schema_is_refused():
    with pytest.raises(ValueError, match="LeadCreated"):
        envelope(_event(lead_id="l1", no_such_field=1), "lead", {})


def test_unknown_event_types_are_refused():
    event = DomainEvent("NoSuchThing", "t1", "lead", "l1", 1, datetime.now(UTC), {})
    with pytest.raises(ValueError, match="NoSuchThing"):
        envelope(event, "lead", {})
