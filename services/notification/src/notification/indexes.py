"""Every collection and index of the notification service, declared once."""

from __future__ import annotations

from typing import Any

from crm_runtime.messaging.outbox import ensure_outbox_indexes
from crm_runtime.storage.mongo import Doc
from crm_runtime.storage.repository import IndexSpec, SortKey, create_indexes, tenant_index
from pymongo.database import Database

NOTIFICATIONS = "notifications"
WEBHOOK_ENDPOINTS = "webhook_endpoints"
WEBHOOK_DELIVERIES = "webhook_deliveries"
EMAIL_SETTINGS = "email_settings"  # one per tenant (_id "tenant")
EMAIL_ADDRESSES = "email_addresses"  # one per person (_id the user id)
EMAIL_MESSAGES = "email_messages"
ROBOTS = "chat_robots"
ROBOT_MESSAGES = "chat_robot_messages"

NEWEST = (("created_at", -1), ("_id", -1))
NEWEST_FIRST = SortKey("created_at", descending=True)


def after(position: tuple[Any, str] | None) -> Doc:
    """Strictly after a page position (created_at, id), newest first; {} for the start."""
    return {} if position is None else NEWEST_FIRST.after(position)


INDEXES = (
    tenant_index(NOTIFICATIONS, ("recipient_id", 1), *NEWEST),
    tenant_index(NOTIFICATIONS, ("recipient_id", 1), ("read", 1), *NEWEST),
    tenant_index(WEBHOOK_ENDPOINTS, *NEWEST),
    tenant_index(WEBHOOK_DELIVERIES, ("endpoint_id", 1), *NEWEST),
    tenant_index(WEBHOOK_DELIVERIES, ("endpoint_id", 1), ("message_id", 1), unique=False),
    # the worker's queue across tenants: only pending deliveries carry the field
    IndexSpec(WEBHOOK_DELIVERIES, (("next_attempt_at", 1),), sparse=True),
    tenant_index(EMAIL_MESSAGES, *NEWEST),
    IndexSpec(EMAIL_MESSAGES, (("next_attempt_at", 1),), sparse=True),
    tenant_index(ROBOTS, *NEWEST),
    tenant_index(ROBOT_MESSAGES, ("robot_id", 1), *NEWEST),
    IndexSpec(ROBOT_MESSAGES, (("next_attempt_at", 1),), sparse=True),
)


def ensure_indexes(db: Database[Doc]) -> None:
    create_indexes(db, INDEXES)
    ensure_outbox_indexes(db)
