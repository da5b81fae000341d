"""Webhook endpoints and deliveries on MongoDB, and the worker's queue of due
deliveries across tenants."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from crm_runtime.errors import Conflict
from crm_runtime.storage.mongo import Doc, TenantCollection, Transaction
from crm_runtime.storage.mongo import claim_due as claim_due_docs
from crm_runtime.storage.repository import save_versioned
from pymongo.database import Database

from notification.indexes import WEBHOOK_DELIVERIES, WEBHOOK_ENDPOINTS, after
from notification.webhooks.documents import (
    PAGE_ORDER,
    delivery_doc,
    delivery_of,
    endpoint_doc,
    endpoint_of,
)
from notification.webhooks.domain import Delivery, Endpoint


class EndpointRepository:
    def __init__(self, tx: Transaction, tenant_id: str) -> None:
        self.items: TenantCollection = tx.collection(WEBHOOK_ENDPOINTS, tenant_id)

    def add(self, endpoint: Endpoint) -> None:
        self.items.insert_one(endpoint_doc(endpoint))

    def get(self, endpoint_id: str) -> Endpoint | None:
        doc = self.items.find_one({"_id": endpoint_id})
        return endpoint_of(doc) if doc else None

    def save(self, endpoint: Endpoint, expected_version: int) -> Endpoint:
        doc = endpoint_doc(endpoint)
        doc.pop("version")
        saved = save_versioned(self.items, doc, expected_version, f"webhook endpoint {endpoint.id}")
        return endpoint_of(saved)

    def page(self, limit: int, position: tuple[Any, str] | None) -> list[Endpoint]:
        docs = self.items.find(after(position), sort=PAGE_ORDER, limit=limit)
        return [endpoint_of(d) for d in docs]

    def delete(self, endpoint_id: str) -> None:
        self.items.delete_one({"_id": endpoint_id})

    def subscribed(self, event_type: str) -> list[Endpoint]:
        docs = self.items.find({"enabled": True, "event_types": event_type})
        return [endpoint_of(d) for d in docs]


class DeliveryRepository:
    def __init__(self, tx: Transaction, tenant_id: str) -> None:
        self.items: TenantCollection = tx.collection(WEBHOOK_DELIVERIES, tenant_id)

    def add(self, delivery: Delivery) -> None:
        self.items.insert_one(delivery_doc(delivery))

    def get(self, delivery_id: str) -> Delivery | None:
        doc = self.items.find_one({"_id": delivery_id})
        return delivery_of(doc) if doc else None

    def save(self, delivery: Delivery, claimed_until: datetime) -> None:
        """Write the outcome of an attempt, if this worker still holds the claim."""
        doc = delivery_doc(delivery)
        doc.pop("_id")
        update: Doc = {"$set": doc}
        if delivery.next_attempt_at is None:
            update["$unset"] = {"next_attempt_at": ""}
        if not self.items.update_one({"_id": delivery.id, "claimed_until": claimed_until}, update):
            raise Conflict(f"webhook delivery {delivery.id} was claimed by another worker")

    def page(
        self, endpoint_id: str, limit: int, position: tuple[Any, str] | None
    ) -> list[Delivery]:
        docs = self.items.find(
            {"endpoint_id": endpoint_id, **after(position)}, sort=PAGE_ORDER, limit=limit
        )
        return [delivery_of(d) for d in docs]


def claim_due(
    db: Database[Doc], now: datetime, limit: int, lease: timedelta
) -> list[tuple[Delivery, datetime]]:
    """Due deliveries of any tenant, each held for `lease` (crm_runtime's work queue)."""
    return [
        (delivery_of(d), until)
        for d, until in claim_due_docs(db[WEBHOOK_DELIVERIES], now, limit, lease)
    ]
