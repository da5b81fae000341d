"""The notification worker on the real RabbitMQ (nameko's container and waiters)."""

import json

import pytest
from crm_runtime.testing.fixtures import settings_for
from crm_runtime.testing.servers import worker_amqp_uri
from crm_runtime.testing.workers import (
    dead_letters,
    lead_created,
    publish,
    purge_worker,
    wait_for,
    worker_config,
)
from nameko.testing.services import entrypoint_waiter
from notification.worker import NotificationWorker

QUEUE = "evt-lead-LeadCreated--notification.on_lead_event"


@pytest.fixture
def worker(container_factory, mongo_uri, database_name):
    amqp = worker_amqp_uri()
    settings = settings_for("notification", "worker", mongo_uri, database_name, CRM_AMQP_URI=amqp)
    purge_worker(amqp, NotificationWorker)  # durable queues keep what earlier runs left
    with worker_config(settings):
        container = container_factory(NotificationWorker)
        container.start()
        yield container, amqp
        container.stop()  # while nameko's config still holds the settings


def test_lead_created_puts_one_item_in_the_owners_inbox(worker, mongo_client, database_name):
    container, amqp = worker
    event = lead_created(owner="rep-42")
    with entrypoint_waiter(container, "on_lead_event") as waited:
        publish(amqp, "lead", event)
    assert waited.get() is True
    assert wait_for(lambda: mongo_client[database_name].notifications.count_documents({}) == 1)
    [item] = mongo_client[database_name].notifications.find()
    assert (item["tenant_id"], item["recipient_id"]) == ("t1", "rep-42")
    assert item["source_event_id"] == event["event_id"]

    with entrypoint_waiter(container, "on_lead_event") as waited:
        publish(amqp, "lead", event)  # at-least-once: the same event again
    assert waited.get() is False
    assert mongo_client[database_name].notifications.count_documents({}) == 1


def test_a_handler_failure_dead_letters_the_event(worker, mongo_client, database_name):
    container, amqp = worker
    broken = lead_created()
    del broken["payload"]
    with entrypoint_waiter(container, "on_lead_event"):
        publish(amqp, "lead", broken)
    [body] = dead_letters(amqp, QUEUE)
    assert json.loads(body)["event_id"] == broken["event_id"]
    assert mongo_client[database_name].notifications.count_documents({}) == 0
    handled = f"notification.on_LeadCreated:{broken['event_id']}"
    assert mongo_client[database_name].inbox.count_documents({"_id": handled}) == 0
