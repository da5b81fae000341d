"""Round-robin turns and rep slots are taken outside the capture's transaction (ADR 20):
concurrent captures share leads out evenly, a capture that fails gives its slot back,
and the worker settles slots a crashed capture left reserved."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from crm.lead.v1 import lead_pb2 as pb
from crm_runtime.principal import Principal
from crm_runtime.storage.mongo import Transaction, UnitOfWork
from lead.app import LeadApp
from lead.checks import LeadChecks
from lead.config_store import Reservations
from lead.domain.lead import LeadDraft
from lead.mongo_storage import MongoLeadStorage
from pymongo.errors import DuplicateKeyError

from conftest import ADMIN, configure, create

OWNER = Principal("t1", "admin", ("sales_rep",), "all", "")


def _reps(db):
    return {d["rep_id"]: d for d in db.reps.find({"tenant_id": "t1"})}


def _owned(db):
    found: dict[str, int] = {}
    for lead in db.leads.find({"tenant_id": "t1", "owner_id": {"$ne": ""}}):
        found[lead["owner_id"]] = found.get(lead["owner_id"], 0) + 1
    return found


class AbortsFirstAttempt(UnitOfWork):
    """Runs the work once in a transaction it aborts, then for real: what pymongo's
    `with_transaction` does when a write conflict aborts the first attempt."""

    def run(self, work):  # type: ignore[no-untyped-def]
        with self.client.start_session() as session:
            session.start_transaction()
            work(Transaction(self.db, session))
            session.abort_transaction()
        return super().run(work)


def test_a_transaction_run_again_gives_back_the_slot_of_its_first_attempt(
    lead_stub, mongo_client, database_name
):
    configure(lead_stub, reps=[{"id": "a"}, {"id": "b"}], rules=[{"name": "all"}])
    app = LeadApp(MongoLeadStorage(AbortsFirstAttempt(mongo_client, database_name)))
    captured = app.create(OWNER, LeadDraft(name="重试", source="web"))
    assert captured.lead.owner_id == "b"  # the first attempt drew turn 1 (a), then gave it back
    reps = _reps(mongo_client[database_name])
    assert (reps["a"]["open_leads"], reps["b"]["open_leads"]) == (0, 1)
    assert not reps["a"].get("pending") and not reps["b"].get("pending")


def test_concurrent_captures_take_turns_evenly_and_counts_match_the_leads(
    lead_stub, mongo_client, database_name
):
    configure(
        lead_stub,
        reps=[{"id": rep} for rep in ("a", "b", "c", "d")],
        rules=[{"name": "all"}],
        duplicate_policy="flag",
    )
    # One shared phone: the captures also serialise on its identifier key.
    with ThreadPoolExecutor(max_workers=8) as pool:
        leads = list(
            pool.map(
                lambda i: create(lead_stub, name=f"客户 {i}", phone="13700137000").lead, range(16)
            )
        )
    owners = [lead.owner_id for lead in leads]
    assert {rep: owners.count(rep) for rep in "abcd"} == {"a": 4, "b": 4, "c": 4, "d": 4}
    db = mongo_client[database_name]
    reps = _reps(db)
    assert {rep: doc["open_leads"] for rep, doc in reps.items()} == _owned(db)
    assert all(not doc.get("pending") for doc in reps.values())
    turns = db.assignment_cursors.find_one({"tenant_id": "t1", "group": ""})
    assert turns is not None and turns["turn"] >= 16


def test_a_capture_that_fails_after_routing_gives_its_slot_back(
    lead_stub, mongo_client, database_name
):
    configure(lead_stub, reps=[{"id": "a"}], rules=[{"name": "all"}])
    app = LeadApp(
        MongoLeadStorage(UnitOfWork(mongo_client, database_name)), new_id=lambda: "same-id"
    )
    app.create(OWNER, LeadDraft(name="第一个", source="web"))
    with pytest.raises(DuplicateKeyError):
        app.create(OWNER, LeadDraft(name="第二个", source="web"))  # its insert collides
    db = mongo_client[database_name]
    rep = _reps(db)["a"]
    assert rep["open_leads"] == 1 and not rep.get("pending")


def test_assigning_by_the_rules_counts_the_lead_once(lead_stub, mongo_client, database_name):
    lead = create(lead_stub).lead  # no rules yet: into the pool
    configure(lead_stub, reps=[{"id": "a"}], rules=[{"name": "all"}])
    routed = lead_stub.AssignLead(pb.AssignLeadRequest(id=lead.id), metadata=ADMIN).lead
    assert routed.owner_id == "a" and routed.assignment_rule == "all"
    assert _reps(mongo_client[database_name])["a"]["open_leads"] == 1


def test_the_worker_settles_slots_a_crashed_capture_left(lead_stub, mongo_client, database_name):
    configure(lead_stub, reps=[{"id": "a"}], rules=[{"name": "all"}])
    stored = create(lead_stub).lead  # counted, its note confirmed
    db = mongo_client[database_name]
    long_ago = datetime.now(UTC) - timedelta(minutes=10)
    slots = Reservations(db, "t1")
    assert slots.reserve("a", 100, "never-stored", long_ago)  # died before its commit
    assert slots.reserve("a", 100, stored.id, long_ago)  # died after it: keep the count
    db.reps.update_one({"tenant_id": "t1", "rep_id": "a"}, {"$inc": {"open_leads": -1}})
    assert slots.reserve("a", 100, "still-running", datetime.now(UTC))  # too young to judge
    assert _reps(db)["a"]["open_leads"] == 3

    checks = LeadChecks(MongoLeadStorage(UnitOfWork(mongo_client, database_name)))
    assert checks.settle_slots() == 1
    assert checks.settle_slots() == 0  # another replica, or the next tick: nothing twice
    rep = _reps(db)["a"]
    assert rep["open_leads"] == 2
    assert [p["lead_id"] for p in rep["pending"]] == ["still-running"]
