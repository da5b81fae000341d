"""Every collection and index of the notification service, declared once."""

from __future__ import annotations

from crm_runtime.messaging.outbox import ensure_outbox_indexes
from crm_runtime.storage.mongo import Doc
from crm_runtime.storage.repository import IndexSpec, create_indexes, tenant_index
from pymongo.database import Database

NOTIFICATIONS = "notifications"
WEBHOOK_ENDPOINTS = "webhook_endpoints"
WEBHOOK_DELIVERIES = "webhook_deliveries"

NEWEST = (("created_at", -1), ("_id", -1))

INDEXES = (
    tenant_index(NOTIFICATIONS, ("recipient_id", 1), *NEWEST),
    tenant_index(NOTIFICATIONS, ("recipient_id", 1), ("read", 1), *NEWEST),
    tenant_index(WEBHOOK_ENDPOINTS, *NEWEST),
    tenant_index(WEBHOOK_DELIVERIES, ("endpoint_id", 1), *NEWEST),
    tenant_index(WEBHOOK_DELIVERIES, ("endpoint_id", 1), ("message_id", 1), unique=False),
    # the worker's queue across tenants: only pending deliveries carry the field
    IndexSpec(WEBHOOK_DELIVERIES, (("next_attempt_at", 1),), sparse=True),
)


def ensure_indexes(db: Database[Doc]) -> None:
    create_indexes(db, INDEXES)
    ensure_outbox_indexes(db)
