"""Retries never double a row: a worker dying before a batch's checkpoint, a worker
killed with SIGKILL in the middle of an import, a worker that lost its lease, two
workers sharing the queue, and single captures racing the import on the same phones."""

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta

import grpc
import pytest
from crm.lead.v1 import lead_pb2 as pb
from crm_runtime.clock import utcnow
from crm_runtime.testing.fixtures import settings_for
from crm_runtime.testing.servers import embedded_mongo
from crm_runtime.wiring import unit_of_work
from lead.imports.domain.rows import lead_id_for
from lead.imports.runner import ImportRunner
from lead.imports.store import ImportRepository
from lead.imports.use_cases import ImportApp, StartImport
from lead.indexes import ensure_indexes
from lead.mongo_storage import MongoLeadStorage
from lead_import_support import IMPORTER, MD, TENANT, get, run_all, runner, start, synthetic
from pymongo import MongoClient
from pymongo.errors import OperationFailure

from conftest import configure, create

pytest_plugins = ["lead_import_support"]  # fixtures: uow, db

LATER = timedelta(minutes=5)  # past any lease a test's first worker took


def _later():
    return utcnow() + LATER


class Died(BaseException):
    """The process ends here: nothing after this line of the worker runs."""


def _exactly_once(db, job_id: str, rows: int) -> None:
    """Every row became one lead with its own id, and one LeadCreated; nothing more."""
    job = db.lead_imports.find_one({"_id": job_id})
    assert (job["status"], job["processed_rows"], job["created"]) == ("done", rows, rows)
    ids = {lead["_id"] for lead in db.leads.find({}, projection={"_id": 1})}
    assert ids == {lead_id_for(TENANT, job_id, row) for row in range(2, rows + 2)}
    created = Counter(
        e["envelope"]["aggregate_id"] for e in db.outbox.find({"event_type": "LeadCreated"})
    )
    assert len(created) == rows and set(created.values()) == {1}
    assert db.outbox.count_documents({"event_type": "LeadImportFinished"}) == 1
    assert db.lead_import_errors.count_documents({}) == 0


def test_a_worker_dying_before_the_checkpoint_leaves_nothing_of_that_batch(
    lead_stub, uow, db, monkeypatch
):
    job = start(lead_stub, synthetic(250))
    real = ImportRepository.checkpoint
    calls = []

    def checkpoint_then_die(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 3:  # the third batch's leads are written, then the worker dies
            assert db.leads.count_documents({}) == 100  # outside: only what committed
            raise Died()
        return real(self, *args, **kwargs)

    monkeypatch.setattr(ImportRepository, "checkpoint", checkpoint_then_die)
    with pytest.raises(Died):
        run_all(runner(uow, batch_size=50))
    assert db.leads.count_documents({}) == 100
    assert get(lead_stub, job.id).processed_rows == 100
    assert db.outbox.count_documents({"event_type": "LeadCreated"}) == 100
    monkeypatch.setattr(ImportRepository, "checkpoint", real)
    run_all(runner(uow, batch_size=50, clock=_later))  # another worker, once the lease ran out
    _exactly_once(db, job.id, 250)


CHILD = """
import sys, time
from datetime import timedelta
from crm_runtime.testing.fixtures import settings_for
from crm_runtime.storage.mongo import connect
from crm_runtime.wiring import unit_of_work
from lead.imports.runner import ImportRunner
from lead.mongo_storage import MongoLeadStorage
settings = settings_for("lead", "worker", sys.argv[1], sys.argv[2])
uow = unit_of_work(settings, connect(settings))
runner = ImportRunner(MongoLeadStorage(uow), batch_size=10, budget=0.0, max_backlog=0)
print("ready", flush=True)
while True:
    runner.tick()
"""


@pytest.mark.timeout(240)  # up to 60 s of it waiting for the dead transaction
def test_a_worker_killed_mid_import_is_taken_over_with_every_row_imported_once():
    # A server of its own: a worker killed inside a transaction leaves it open until the
    # server reaps it (60 s, as MongoDB's transactionLifetimeLimitSeconds), and until
    # then it holds what it wrote; the takeover waits for it, and no other test should.
    rows = 300
    with embedded_mongo() as uri:
        client: MongoClient = MongoClient(uri, tz_aware=True)
        settings = settings_for("lead", "worker", uri, "killed")
        ensure_indexes(client["killed"])
        uow = unit_of_work(settings, client)
        job = ImportApp(MongoLeadStorage(uow)).start(IMPORTER, StartImport(csv=synthetic(rows)))
        jobs = client["killed"].lead_imports
        child = subprocess.Popen([sys.executable, "-c", CHILD, uri, "killed"])
        try:
            deadline = time.monotonic() + 60
            while jobs.find_one({"_id": job.id})["processed_rows"] < 60:
                assert time.monotonic() < deadline and child.poll() is None, "no progress"
                time.sleep(0.02)
        finally:
            os.kill(child.pid, signal.SIGKILL)
            child.wait()
        at_kill = jobs.find_one({"_id": job.id})["processed_rows"]
        assert 60 <= at_kill < rows and at_kill % 10 == 0
        run_all(runner(uow, batch_size=64, clock=_later))
        _exactly_once(client["killed"], job.id, rows)
        client.close()


def test_a_worker_that_lost_its_lease_cannot_write(lead_stub, uow, db):
    job = start(lead_stub, synthetic(150))
    slow = runner(uow, batch_size=50, budget=0.0)
    assert slow.tick() == 50  # one batch, then the worker stalls past its lease
    takeover = runner(uow, batch_size=50, budget=0.0, clock=_later)
    assert takeover.tick() == 50
    assert slow.tick() == 0  # its batch would start where it left off: refused
    assert get(lead_stub, job.id).processed_rows == 100
    run_all(takeover)
    _exactly_once(db, job.id, 150)


def test_two_workers_share_the_queue_and_each_job_is_imported_once(lead_stub, uow, db):
    jobs = [start(lead_stub, synthetic(120, start_at=i * 1000)) for i in range(3)]
    workers = [runner(uow, batch_size=20, budget=0.0) for _ in range(2)]
    threads = [threading.Thread(target=run_all, args=(w, 200)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    done = [get(lead_stub, j.id) for j in jobs]
    assert [(j.status, j.created, j.failed) for j in done] == [("done", 120, 0)] * 3
    assert db.leads.count_documents({}) == 360
    assert db.outbox.count_documents({"event_type": "LeadCreated"}) == 360


def test_captures_racing_the_import_on_the_same_phones_never_double_one(lead_stub, uow, db):
    configure(lead_stub, MD, duplicate_policy="reject")
    rows = 150
    job = start(lead_stub, synthetic(rows))
    refused = []

    def capture_them():
        for i in range(rows - 1, -1, -3):  # from the end, while the import starts at the top
            try:
                create(lead_stub, MD, name=f"抢先{i}", phone=f"139{i:08d}")
            except grpc.RpcError as exc:
                assert exc.code() is grpc.StatusCode.ALREADY_EXISTS
                refused.append(i)

    racer = threading.Thread(target=capture_them)
    racer.start()
    run_all(runner(uow, batch_size=10))
    racer.join(60)
    job = get(lead_stub, job.id)
    phones = Counter(lead["phone"] for lead in db.leads.find())
    assert len(phones) == rows and set(phones.values()) == {1}
    assert job.created + job.rejected_duplicates == rows
    assert job.rejected_duplicates + len(refused) == len(range(rows - 1, -1, -3))
    assert job.created + job.failed == rows
    leads = lead_stub.ListLeads(pb.ListLeadsRequest(page={"limit": 200}), metadata=MD).leads
    assert len(leads) == rows


def test_an_import_waits_while_its_events_wait_for_the_relay(lead_stub, uow, db):
    job = start(lead_stub, synthetic(200))  # two events a row: LeadCreated, LeadScored
    slowed = runner(uow, batch_size=50, max_backlog=150, budget=0.0)
    assert slowed.tick() == 50  # 101 events wait for the relay then
    assert slowed.tick() == 50  # 201
    assert slowed.tick() == 0 and get(lead_stub, job.id).processed_rows == 100
    db.outbox.update_many({}, {"$set": {"status": "sent"}})  # the relay catches up
    assert slowed.tick() == 50
    slowed.max_backlog = 0
    run_all(slowed)
    _exactly_once(db, job.id, 200)


def test_a_commit_reported_as_failed_that_went_through_is_not_imported_again(
    lead_stub, uow, db, monkeypatch
):
    job = start(lead_stub, synthetic(150))
    real = ImportRunner._batch
    calls = []

    def committed_then_failed(self, *args):
        done = real(self, *args)
        calls.append(1)
        if len(calls) == 2:  # the server committed, the answer said it did not
            raise OperationFailure("internal server error", code=1)
        return done

    monkeypatch.setattr(ImportRunner, "_batch", committed_then_failed)
    run_all(runner(uow, batch_size=50))
    _exactly_once(db, job.id, 150)
