"""Webhook endpoints and deliveries in memory (the fake the use-case tests run on)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from crm_runtime.errors import Conflict
from crm_runtime.storage.memory import MemoryTransaction, MemoryUnitOfWork, TenantTable
from crm_runtime.storage.memory import claim_due as claim_due_docs

from notification.indexes import WEBHOOK_DELIVERIES, WEBHOOK_ENDPOINTS, after
from notification.webhooks.documents import (
    PAGE_ORDER,
    delivery_doc,
    delivery_of,
    endpoint_doc,
    endpoint_of,
)
from notification.webhooks.domain import Delivery, Endpoint


class MemoryEndpoints:
    def __init__(self, tx: MemoryTransaction, tenant_id: str) -> None:
        self.items = TenantTable(tx, WEBHOOK_ENDPOINTS, tenant_id)

    def add(self, endpoint: Endpoint) -> None:
        self.items.insert(endpoint_doc(endpoint))

    def get(self, endpoint_id: str) -> Endpoint | None:
        doc = self.items.get(endpoint_id)
        return endpoint_of(doc) if doc else None

    def save(self, endpoint: Endpoint, expected_version: int) -> Endpoint:
        doc = endpoint_doc(endpoint)
        doc.pop("version")
        saved = self.items.save_versioned(doc, expected_version, f"webhook endpoint {endpoint.id}")
        return endpoint_of(saved)

    def page(self, limit: int, position: tuple[Any, str] | None) -> list[Endpoint]:
        return [endpoint_of(d) for d in self.items.find(after(position), PAGE_ORDER, limit)]

    def delete(self, endpoint_id: str) -> None:
        self.items.delete(endpoint_id)

    def subscribed(self, event_type: str) -> list[Endpoint]:
        docs = self.items.find({"enabled": True, "event_types": event_type})
        return [endpoint_of(d) for d in docs]


class MemoryDeliveries:
    def __init__(self, tx: MemoryTransaction, tenant_id: str) -> None:
        self.items = TenantTable(tx, WEBHOOK_DELIVERIES, tenant_id)

    def add(self, delivery: Delivery) -> None:
        self.items.insert(delivery_doc(delivery))

    def get(self, delivery_id: str) -> Delivery | None:
        doc = self.items.get(delivery_id)
        return delivery_of(doc) if doc else None

    def save(self, delivery: Delivery, claimed_until: datetime) -> None:
        stored = self.items.get(delivery.id)
        if stored is None or stored.get("claimed_until") != claimed_until:
            raise Conflict(f"webhook delivery {delivery.id} was claimed by another worker")
        self.items.put({**delivery_doc(delivery), "claimed_until": claimed_until})

    def page(
        self, endpoint_id: str, limit: int, position: tuple[Any, str] | None
    ) -> list[Delivery]:
        query = {"endpoint_id": endpoint_id, **after(position)}
        return [delivery_of(d) for d in self.items.find(query, PAGE_ORDER, limit)]


def claim_due(
    uow: MemoryUnitOfWork, now: datetime, limit: int, lease: timedelta
) -> list[tuple[Delivery, datetime]]:
    return [
        (delivery_of(d), until)
        for d, until in claim_due_docs(uow, WEBHOOK_DELIVERIES, now, limit, lease)
    ]
