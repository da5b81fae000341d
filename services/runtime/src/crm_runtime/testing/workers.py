"""Helpers for nameko worker suites on the real broker (import only under eventlet)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kombu import Connection
from nameko import config as nameko_config

from crm_runtime.config import Settings
from crm_runtime.worker import SETTINGS_KEY, AmqpPublisher


@contextmanager
def worker_config(settings: Settings) -> Iterator[None]:
    """nameko's config for one test: the broker URI and the CRM settings."""
    with nameko_config.patch({"AMQP_URI": settings.amqp_uri, SETTINGS_KEY: settings}):
        yield


def lead_created(tenant: str = "t1", owner: str = "rep-1", **envelope: Any) -> dict[str, Any]:
    """A LeadCreated envelope as the lead service's relay publishes it."""
    lead_id = str(uuid.uuid4())
    return {
        "event_id": str(uuid.uuid4()),
        "event_type": "LeadCreated",
        "schema_version": 1,
        "tenant_id": tenant,
        "aggregate_type": "lead",
        "aggregate_id": lead_id,
        "aggregate_version": 1,
        "occurred_at": "2026-11-24T08:00:00Z",
        "producer": "lead",
        "traceparent": "",
        "tracestate": "",
        "payload": {
            "lead_id": lead_id,
            "name": "测试线索",
            "company": "",
            "source": "web",
            "owner_id": owner,
            "created_by": "admin",
            "score": 0,
            "region": "",
            "industry": "",
        },
        **envelope,
    }


def publish(amqp_uri: str, producer: str, envelope: dict[str, Any]) -> None:
    """Publish exactly as the outbox relay does (confirmed, mandatory)."""
    AmqpPublisher(amqp_uri, producer)(f"{producer}.events", envelope["event_type"], envelope, {})


def wait_for(predicate: Any, seconds: float = 5.0) -> bool:
    """Poll until `predicate()` is true: a handler's commit becomes visible to another
    connection a moment after the handler returns."""
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def purge(amqp_uri: str, *queues: str) -> None:
    """Empty durable queues left by an earlier run (and their dead-letter queues)."""
    with Connection(amqp_uri) as conn:
        for name in queues:
            for queue in (name, f"dlq.{name}"):
                channel = conn.channel()
                try:
                    channel.queue_purge(queue)
                except Exception:  # noqa: S110 (a queue that does not exist yet is empty)
                    pass
                finally:
                    if channel.is_open:
                        channel.close()


def event_queues(worker: type) -> list[str]:
    """The durable queues of every event handler of a nameko worker class (nameko's
    service-pool naming: evt-<source>-<event>--<service>.<method>)."""
    found = []
    for method_name in dir(worker):
        for entrypoint in getattr(getattr(worker, method_name), "nameko_entrypoints", ()):
            if hasattr(entrypoint, "source_service") and hasattr(entrypoint, "event_type"):
                found.append(
                    f"evt-{entrypoint.source_service}-{entrypoint.event_type}"
                    f"--{worker.name}.{method_name}"  # type: ignore[attr-defined]
                )
    return sorted(found)


def purge_worker(amqp_uri: str, worker: type) -> None:
    """Empty every queue a worker consumes: an earlier run (another suite, another
    clone on the same broker) may have left events in any of them, and a test waiting
    for its own event would otherwise get a stale one first."""
    purge(amqp_uri, *event_queues(worker))


def dead_letters(amqp_uri: str, queue: str) -> list[Any]:
    """Drain and return the bodies waiting in `dlq.<queue>`."""
    found = []
    with Connection(amqp_uri) as conn:
        channel = conn.channel()
        while (message := channel.basic_get(f"dlq.{queue}", no_ack=True)) is not None:
            found.append(message.body)
    return found
