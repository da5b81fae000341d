"""The lead worker's import timer in a nameko container on the real broker: a queued
import is taken up and finished; a worker shutting down hands its job back and the
next one goes on from the checkpoint, every row imported once."""

import csv
import io

import pytest
from crm_runtime.principal import Principal
from crm_runtime.testing.fixtures import settings_for
from crm_runtime.testing.servers import worker_amqp_uri
from crm_runtime.testing.workers import wait_for, worker_config
from crm_runtime.wiring import unit_of_work
from lead.imports.runner import ImportRunner
from lead.imports.store import NEVER
from lead.imports.use_cases import ImportApp, StartImport
from lead.indexes import ensure_indexes
from lead.mongo_storage import MongoLeadStorage
from lead.worker import ImportRunnerProvider, LeadWorker

IMPORTER = Principal("t1", "importer", ("admin",), "all")


class ShortTicks(LeadWorker):
    """The lead worker with half-second ticks, so that a test can stop it mid-file, and
    no backpressure: no outbox relay runs here, so the default runner would wait for one
    once 2,000 events are pending."""

    imports = ImportRunnerProvider(
        ensure_indexes,
        lambda uow: ImportRunner(
            MongoLeadStorage(uow), batch_size=100, budget=0.5, max_backlog=0
        ),  # no relay here
    )


def _file(rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["姓名", "手机", "线索来源"])
    writer.writerows([f"客户{i}", f"139{i:08d}", "展会"] for i in range(rows))
    return out.getvalue().encode("gbk")


@pytest.fixture
def settings(mongo_uri, database_name, mongo_client):
    ensure_indexes(mongo_client[database_name])
    return settings_for("lead", "worker", mongo_uri, database_name, CRM_AMQP_URI=worker_amqp_uri())


@pytest.fixture
def imports(settings, mongo_client):
    return ImportApp(MongoLeadStorage(unit_of_work(settings, mongo_client)))


def test_a_queued_import_is_taken_up_and_finished(
    container_factory, settings, imports, mongo_client
):
    job = imports.start(IMPORTER, StartImport(csv=_file(120)))
    db = mongo_client[settings.database]
    with worker_config(settings):
        container = container_factory(LeadWorker)
        container.start()
        try:
            assert wait_for(lambda: imports.get(IMPORTER, job.id).status == "done", 60)
        finally:
            container.stop()
    done = imports.get(IMPORTER, job.id)
    assert (done.processed_rows, done.tally.created) == (120, 120)
    assert db.leads.count_documents({"source": "trade_show"}) == 120


def test_a_worker_stopping_hands_its_job_to_the_next(
    container_factory, settings, imports, mongo_client
):
    rows = 4000
    job = imports.start(IMPORTER, StartImport(csv=_file(rows)))
    db = mongo_client[settings.database]
    with worker_config(settings):
        first = container_factory(ShortTicks)
        first.start()
        assert wait_for(lambda: imports.get(IMPORTER, job.id).processed_rows > 0, 60)
        first.stop()  # waits for the tick under way, then releases the lease
        held = db.lead_imports.find_one({"_id": job.id})
        assert held["status"] == "running" and 0 < held["processed_rows"] < rows
        assert (held["lease_owner"], held["lease_until"]) == ("", NEVER)
        second = container_factory(ShortTicks)
        second.start()  # at once: no lease to wait out
        try:
            assert wait_for(lambda: imports.get(IMPORTER, job.id).status == "done", 120)
        finally:
            second.stop()
    done = imports.get(IMPORTER, job.id)
    assert (done.processed_rows, done.tally.created, done.tally.failed) == (rows, rows, 0)
    assert db.leads.count_documents({}) == rows
    assert db.outbox.count_documents({"event_type": "LeadCreated"}) == rows
