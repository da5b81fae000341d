"""Transactional outbox: events are written in the same Mongo transaction as the state
change that caused them, then published by a relay in the worker with publisher confirms.

Relay guarantees: at-least-once (a crash between publish and mark re-publishes; consumers
deduplicate by event id), and one active relay per service among worker replicas (a
lease in Mongo), which also keeps events in commit order.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from crm_runtime import metrics
from crm_runtime.messaging.events import DomainEvent
from crm_runtime.messaging.schema import canonical_payload
from crm_runtime.storage.mongo import Doc, Transaction
from crm_runtime.telemetry import current_trace_headers

log = logging.getLogger(__name__)

OUTBOX = "outbox"
LOCKS = "locks"
PENDING, SENT, UNROUTED = "pending", "sent", "unrouted"


def exchange_for(service: str) -> str:
    """nameko's event exchange name for a service's events."""
    return f"{service}.events"


def envelope(event: DomainEvent, producer: str, trace: dict[str, str]) -> Doc:
    """The crm.events.v1.EventEnvelope of one event, as its JSON form."""
    return {
        "event_id": str(uuid.uuid4()),
        "event_type": event.event_type,
        "schema_version": event.schema_version,
        "tenant_id": event.tenant_id,
        "aggregate_type": event.aggregate_type,
        "aggregate_id": event.aggregate_id,
        "aggregate_version": event.aggregate_version,
        "occurred_at": event.occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "producer": producer,
        "traceparent": trace.get("traceparent", ""),
        "tracestate": trace.get("tracestate", ""),
        "payload": canonical_payload(event.event_type, event.payload),
    }


class OutboxWriter:
    """Unit-of-work hook: writes the transaction's events into the outbox collection."""

    def __init__(self, service: str) -> None:
        self.service = service

    def __call__(self, tx: Transaction) -> None:
        if not tx.events:
            return
        trace = current_trace_headers()
        now = datetime.now(UTC)
        docs = []
        for seq, event in enumerate(tx.events):
            env = envelope(event, self.service, trace)
            docs.append(
                {
                    "_id": env["event_id"],
                    "seq": seq,  # commit order inside one transaction
                    "tenant_id": event.tenant_id,
                    "event_type": event.event_type,
                    "envelope": env,
                    "status": PENDING,
                    "created_at": now,
                }
            )
        tx.db[OUTBOX].insert_many(docs, session=tx.session)
        for event in tx.events:
            metrics.BUSINESS_EVENTS.labels(self.service, event.event_type).inc()


def ensure_outbox_indexes(db: Database[Doc]) -> None:
    db[OUTBOX].create_index([("status", ASCENDING), ("created_at", ASCENDING), ("seq", ASCENDING)])


Publish = Callable[[str, str, dict[str, Any], dict[str, str]], None]
"""publish(exchange, routing_key, body, headers); raises on failure."""


class Unroutable(Exception):
    """The broker confirmed that no queue is bound for this event."""


class OutboxRelay:
    """Publishes pending outbox events in commit order; call `tick()` periodically."""

    def __init__(
        self,
        db: Database[Doc],
        service: str,
        publish: Publish,
        owner: str | None = None,
        batch_size: int = 200,
        lease: timedelta = timedelta(seconds=15),
    ) -> None:
        self.db = db
        self.service = service
        self.publish = publish
        self.owner = owner or uuid.uuid4().hex
        self.batch_size = batch_size
        self.lease = lease
        self._lease_until: datetime | None = None
        self._observed_at: datetime | None = None
        self._failures = 0
        self._retry_at: datetime | None = None

    def holds_lease(self, now: datetime) -> bool:
        # Renew only when half the lease is gone: an idle relay costs one query a tick.
        if self._lease_until is not None and now < self._lease_until - self.lease / 2:
            return True
        self._lease_until = None
        try:
            self.db[LOCKS].find_one_and_update(
                {
                    "_id": "outbox-relay",
                    "$or": [{"expires_at": {"$lt": now}}, {"owner": self.owner}],
                },
                {"$set": {"owner": self.owner, "expires_at": now + self.lease}},
                upsert=True,
            )
        except DuplicateKeyError:
            return False  # another replica holds an unexpired lease
        self._lease_until = now + self.lease
        return True

    def release(self) -> None:
        """Give the lease up (on shutdown) so another replica takes over at once."""
        self.db[LOCKS].delete_one({"_id": "outbox-relay", "owner": self.owner})
        self._lease_until = None

    def tick(self, now: datetime | None = None) -> int:
        """Publish one batch; returns how many events went out."""
        now = now or datetime.now(UTC)
        if self._retry_at is not None and now < self._retry_at:
            return 0  # backing off after a failed publish
        if not self.holds_lease(now):
            return 0
        batch = list(
            self.db[OUTBOX]
            .find({"status": PENDING})
            .sort([("created_at", ASCENDING), ("seq", ASCENDING)])
            .limit(self.batch_size)
        )
        sent: list[str] = []
        try:
            for doc in batch:
                env = doc["envelope"]
                headers = {"traceparent": env["traceparent"], "tracestate": env["tracestate"]}
                try:
                    self.publish(exchange_for(self.service), doc["event_type"], env, headers)
                except Unroutable:
                    # Kept for replay; no subscriber had bound a queue for this type.
                    log.warning("no queue bound for %s", doc["event_type"])
                    self.db[OUTBOX].update_one({"_id": doc["_id"]}, {"$set": {"status": UNROUTED}})
                    continue
                sent.append(doc["_id"])
                metrics.OUTBOX_PUBLISHED.labels(self.service, doc["event_type"]).inc()
            self._failures, self._retry_at = 0, None
        except Exception:
            metrics.OUTBOX_PUBLISH_FAILURES.labels(self.service).inc()
            self._failures += 1
            delay = min(0.5 * 2 ** (self._failures - 1), 30.0)
            self._retry_at = now + timedelta(seconds=delay)
            log.exception("outbox publish failed; retrying in %.1f s", delay)
        finally:
            if sent:
                self.db[OUTBOX].update_many(
                    {"_id": {"$in": sent}}, {"$set": {"status": SENT, "sent_at": now}}
                )
        if batch or self._observed_at is None or now - self._observed_at > timedelta(seconds=2):
            self.observe(now)
        return len(sent)

    def observe(self, now: datetime) -> None:
        self._observed_at = now
        pending = self.db[OUTBOX].count_documents({"status": PENDING})
        metrics.OUTBOX_PENDING.labels(self.service).set(pending)
        oldest = self.db[OUTBOX].find_one(
            {"status": PENDING}, sort=[("created_at", ASCENDING)], projection={"created_at": 1}
        )
        lag = (now - oldest["created_at"]).total_seconds() if oldest else 0.0
        metrics.OUTBOX_LAG.labels(self.service).set(max(lag, 0.0))
