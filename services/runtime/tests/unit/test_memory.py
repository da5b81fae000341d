"""The in-memory unit of work: all of the work or none of it, events of committed work
only, writes outside the transaction kept unless undone; Mongo-style filters."""

from datetime import UTC, datetime

import pytest
from crm_runtime.messaging.events import DomainEvent
from crm_runtime.storage.memory import MemoryUnitOfWork, matches

AT = datetime(2026, 12, 1, tzinfo=UTC)


def _event(kind: str) -> DomainEvent:
    return DomainEvent(
        event_type=kind,
        tenant_id="t1",
        aggregate_type="lead",
        aggregate_id="l1",
        aggregate_version=1,
        occurred_at=AT,
        payload={},
    )


def test_committed_work_keeps_its_writes_and_events():
    uow = MemoryUnitOfWork()

    def work(tx):
        tx.table("leads")["l1"] = {"name": "李雷"}
        tx.record(_event("LeadCreated"))
        return "done"

    assert uow.run(work) == "done"
    assert uow.tables["leads"] == {"l1": {"name": "李雷"}}
    assert [e.event_type for e in uow.events] == ["LeadCreated"]


def test_failed_work_leaves_no_partial_write_and_no_event():
    uow = MemoryUnitOfWork()
    uow.run(lambda tx: tx.table("leads").update(l1={"version": 1}))
    counter = uow.outside("counters")
    counter["kept"] = 1

    def work(tx):
        tx.table("leads")["l1"]["version"] = 2
        tx.table("leads")["l2"] = {"version": 1}
        counter["undone"] = 1
        tx.on_rollback(lambda: counter.pop("undone"))
        counter["kept"] += 1  # written outside and not undone: stays, as on Mongo
        tx.record(_event("LeadUpdated"))
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        uow.run(work)
    assert uow.tables["leads"] == {"l1": {"version": 1}}
    assert counter == {"kept": 2}
    assert uow.events == []


def test_before_commit_sees_the_events_and_can_refuse_the_commit():
    seen = []

    def before_commit(tx):
        seen.extend(e.event_type for e in tx.events)
        raise RuntimeError("outbox full")

    uow = MemoryUnitOfWork(before_commit)
    with pytest.raises(RuntimeError):
        uow.run(lambda tx: (tx.table("x").update(a=1), tx.record(_event("LeadCreated"))))
    assert seen == ["LeadCreated"] and uow.tables.get("x", {}) == {} and uow.events == []


@pytest.mark.parametrize(
    ("filter_", "found"),
    [
        ({"status": "new"}, True),
        ({"status": "won"}, False),
        ({"tags": "展会"}, True),
        ({"tags": {"$in": ["x", "展会"]}}, True),
        ({"tags": {"$all": ["展会", "vip"]}}, True),
        ({"tags": {"$all": ["展会", "x"]}}, False),
        ({"at": {"$gte": AT, "$lt": AT.replace(year=2027)}}, True),
        ({"at": {"$lt": AT}}, False),
        ({"owner": {"$ne": ""}}, False),
        ({"$or": [{"status": "won"}, {"owner": ""}]}, True),
        ({"$and": [{"status": "new"}, {"owner": "x"}]}, False),
        ({"file.name": "a.csv"}, True),
        ({"missing": {"$gt": 1}}, False),
    ],
)
def test_filters_match_as_on_mongo(filter_, found):
    doc = {
        "status": "new",
        "tags": ["展会", "vip"],
        "at": AT,
        "owner": "",
        "file": {"name": "a.csv"},
    }
    assert matches(doc, filter_) is found
