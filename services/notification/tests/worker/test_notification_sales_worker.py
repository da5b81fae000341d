"""The notification worker turns the opportunity service's events into inbox items."""

import uuid

import pytest
from crm_runtime.testing.fixtures import settings_for
from crm_runtime.testing.servers import worker_amqp_uri
from crm_runtime.testing.workers import publish, purge_worker, wait_for, worker_config
from nameko.testing.services import entrypoint_waiter
from notification.worker import NotificationWorker


@pytest.fixture
def worker(container_factory, mongo_uri, database_name):
    amqp = worker_amqp_uri()
    settings = settings_for("notification", "worker", mongo_uri, database_name, CRM_AMQP_URI=amqp)
    purge_worker(amqp, NotificationWorker)  # every queue: any may hold a stale event
    with worker_config(settings):
        container = container_factory(NotificationWorker)
        container.start()
        yield container, amqp
        container.stop()


def test_a_lapsed_cadence_reaches_the_owners_inbox_once(worker, mongo_client, database_name):
    container, amqp = worker
    opp_id = str(uuid.uuid4())
    event = {
        "event_id": str(uuid.uuid4()),
        "event_type": "OpportunityCadenceOverdue",
        "schema_version": 1,
        "tenant_id": "t1",
        "aggregate_type": "opportunity",
        "aggregate_id": opp_id,
        "aggregate_version": 3,
        "occurred_at": "2026-11-24T08:00:00Z",
        "producer": "opportunity",
        "traceparent": "",
        "tracestate": "",
        "payload": {
            "opportunity_id": opp_id,
            "name": "云平台",
            "owner_id": "rep-7",
            "stage": "solution",
            "cadence_days": 2,
        },
    }
    for expected in (True, False):  # at-least-once: the second delivery does nothing
        with entrypoint_waiter(container, "on_opportunity_event") as waited:
            publish(amqp, "opportunity", event)
        assert waited.get() is expected
    notifications = mongo_client[database_name].notifications
    assert wait_for(lambda: notifications.count_documents({}) == 1)
    item = notifications.find_one()
    assert (item["recipient_id"], item["subject_type"], item["subject_id"]) == (
        "rep-7",
        "opportunity",
        opp_id,
    )
