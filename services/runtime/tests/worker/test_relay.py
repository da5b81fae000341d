"""The outbox relay as a nameko service, publishing to the real RabbitMQ."""

import time
import uuid
from datetime import UTC, datetime

import pytest
from crm_runtime.messaging.events import DomainEvent
from crm_runtime.messaging.outbox import OUTBOX, SENT, UNROUTED, OutboxWriter
from crm_runtime.storage.mongo import UnitOfWork
from crm_runtime.testing.fixtures import settings_for
from crm_runtime.testing.servers import worker_amqp_uri
from crm_runtime.testing.workers import worker_config
from crm_runtime.worker import relay_service
from kombu import Connection, Queue
from nameko.standalone.events import get_event_exchange


def _wait_for(predicate, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def relay(container_factory, mongo_uri, database_name):
    amqp = worker_amqp_uri()
    settings = settings_for("lead", "worker", mongo_uri, database_name, CRM_AMQP_URI=amqp)
    with worker_config(settings):
        container = container_factory(relay_service("lead", 0.05))
        yield container, amqp
        container.stop()  # while nameko's config still holds the settings


def _commit(mongo_client, database_name, event_type, payload):
    uow = UnitOfWork(mongo_client, database_name, OutboxWriter("lead"))
    event = DomainEvent(event_type, "t1", "lead", "l1", 1, datetime.now(UTC), payload)
    uow.run(lambda tx: tx.record(event))


def test_committed_events_reach_a_bound_queue_with_trace_context(
    relay, mongo_client, database_name
):
    container, amqp = relay
    with Connection(amqp) as conn:
        queue = Queue(
            f"test-relay-{uuid.uuid4().hex}",
            exchange=get_event_exchange("lead"),
            routing_key="LeadCreated",
            exclusive=True,
        )
        queue(conn.channel()).declare()
        _commit(mongo_client, database_name, "LeadCreated", {"lead_id": "l1"})
        container.start()
        outbox = mongo_client[database_name][OUTBOX]
        assert _wait_for(lambda: outbox.count_documents({"status": SENT}) == 1)
        message = conn.channel().basic_get(queue.name, no_ack=True)
    assert message is not None
    assert message.properties["message_id"] == outbox.find_one()["_id"]
    assert "traceparent" in message.headers


def test_events_nobody_subscribes_to_are_kept_as_unrouted(relay, mongo_client, database_name):
    container, _ = relay
    _commit(mongo_client, database_name, "LeadScored", {"lead_id": "l1"})  # no subscriber
    container.start()
    outbox = mongo_client[database_name][OUTBOX]
    assert _wait_for(lambda: outbox.count_documents({"status": UNROUTED}) == 1)
