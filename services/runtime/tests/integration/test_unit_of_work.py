"""The unit of work on the embedded MongoDB: state and outbox commit together or not at all."""

from datetime import UTC, datetime

import pytest
from crm_runtime.messaging.events import DomainEvent
from crm_runtime.messaging.outbox import OUTBOX, OutboxWriter
from crm_runtime.storage.mongo import TenantCollection, UnitOfWork


def _event(lead_id: str) -> DomainEvent:
    return DomainEvent(
        "LeadCreated", "t1", "lead", lead_id, 1, datetime.now(UTC), {"lead_id": lead_id}
    )


@pytest.fixture
def uow(mongo_client, database_name):
    return UnitOfWork(mongo_client, database_name, OutboxWriter("lead"))


def test_state_and_events_commit_in_one_transaction(uow, mongo_client, database_name):
    def work(tx):
        tx.collection("leads", "t1").insert_one({"_id": "l1", "name": "a"})
        tx.record(_event("l1"))

    uow.run(work)
    db = mongo_client[database_name]
    assert db.leads.find_one({"_id": "l1"})["tenant_id"] == "t1"
    [row] = db[OUTBOX].find()
    assert row["status"] == "pending"
    assert row["envelope"]["aggregate_id"] == "l1"


def test_a_failure_leaves_neither_state_nor_event(uow, mongo_client, database_name):
    def work(tx):
        tx.collection("leads", "t1").insert_one({"_id": "l2"})
        tx.record(_event("l2"))
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        uow.run(work)
    db = mongo_client[database_name]
    assert db.leads.count_documents({}) == 0
    assert db[OUTBOX].count_documents({}) == 0


def test_an_event_that_breaks_its_schema_aborts_the_write(uow, mongo_client, database_name):
    def work(tx):
        tx.collection("leads", "t1").insert_one({"_id": "l3"})
        tx.record(
            DomainEvent("LeadCreated", "t1", "lead", "l3", 1, datetime.now(UTC), {"bogus": 1})
        )

    with pytest.raises(ValueError):
        uow.run(work)
    assert mongo_client[database_name].leads.count_documents({}) == 0


def test_tenant_collections_scope_every_query(mongo_client, database_name):
    raw = mongo_client[database_name].things
    a, b = TenantCollection(raw, "tenant-a"), TenantCollection(raw, "tenant-b")
    a.insert_one({"_id": "x", "v": 1})
    assert b.find_one({"_id": "x"}) is None
    assert b.update_one({"_id": "x"}, {"$set": {"v": 2}}) == 0
    assert a.find_one({"_id": "x"})["v"] == 1
    with pytest.raises(ValueError):
        b.find_one({"tenant_id": "tenant-a"})
