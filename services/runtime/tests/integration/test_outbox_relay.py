"""The relay's bookkeeping on the embedded MongoDB: order, marking, lease, retry.
(Publishing to the real broker is covered in the worker suite.)"""

from datetime import UTC, datetime, timedelta

import pytest
from crm_runtime.messaging.events import DomainEvent
from crm_runtime.messaging.outbox import (
    OUTBOX,
    SENT,
    UNROUTED,
    OutboxRelay,
    OutboxWriter,
    Unroutable,
)
from crm_runtime.storage.mongo import UnitOfWork


@pytest.fixture
def db(mongo_client, database_name):
    uow = UnitOfWork(mongo_client, database_name, OutboxWriter("lead"))
    for i in range(5):
        event = DomainEvent(
            "LeadCreated", "t1", "lead", f"l{i}", 1, datetime.now(UTC), {"lead_id": f"l{i}"}
        )
        uow.run(lambda tx, e=event: tx.record(e))
    return mongo_client[database_name]


def test_publishes_in_commit_order_and_marks_sent(db):
    seen = []
    relay = OutboxRelay(
        db, "lead", lambda ex, key, body, headers: seen.append((ex, key, body["aggregate_id"]))
    )
    assert relay.tick() == 5
    assert seen == [("lead.events", "LeadCreated", f"l{i}") for i in range(5)]
    assert db[OUTBOX].count_documents({"status": SENT}) == 5
    assert relay.tick() == 0


def test_a_failed_publish_is_retried_later_without_losing_events(db):
    calls = []

    def flaky(ex, key, body, headers):
        calls.append(body["aggregate_id"])
        if len(calls) == 3:
            raise ConnectionError("broker went away")

    relay = OutboxRelay(db, "lead", flaky)
    now = datetime.now(UTC)
    assert relay.tick(now) == 2
    assert relay.tick(now) == 0  # backing off
    assert relay.tick(now + timedelta(seconds=1)) == 3
    assert db[OUTBOX].count_documents({"status": SENT}) == 5


def test_unroutable_events_are_kept_for_replay(db):
    def nobody_listens(ex, key, body, headers):
        raise Unroutable(key)

    OutboxRelay(db, "lead", nobody_listens).tick()
    assert db[OUTBOX].count_documents({"status": UNROUTED}) == 5


def test_only_one_replica_relays_at_a_time(db):
    now = datetime.now(UTC)
    first = OutboxRelay(db, "lead", lambda *a: None, owner="a")
    second = OutboxRelay(db, "lead", lambda *a: None, owner="b")
    assert first.holds_lease(now)
    assert not second.holds_lease(now)
    assert second.tick(now) == 0
    first.release()
    assert second.holds_lease(now)


def test_an_expired_lease_is_taken_over(db):
    now = datetime.now(UTC)
    first = OutboxRelay(db, "lead", lambda *a: None, owner="a", lease=timedelta(seconds=5))
    second = OutboxRelay(db, "lead", lambda *a: None, owner="b", lease=timedelta(seconds=5))
    assert first.holds_lease(now)
    assert second.holds_lease(now + timedelta(seconds=6))
