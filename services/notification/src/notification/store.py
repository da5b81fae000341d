"""Notification persistence on MongoDB (the only module here that knows Mongo)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crm_runtime.messaging.outbox import ensure_outbox_indexes
from crm_runtime.storage.mongo import Doc, TenantCollection, Transaction
from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database

from notification.domain.inbox import Notification

NOTIFICATIONS = "notifications"
PAGE_ORDER = [("created_at", DESCENDING), ("_id", DESCENDING)]


def ensure_indexes(db: Database[Doc]) -> None:
    db[NOTIFICATIONS].create_index(
        [("tenant_id", ASCENDING), ("recipient_id", ASCENDING), *PAGE_ORDER]
    )
    db[NOTIFICATIONS].create_index(
        [("tenant_id", ASCENDING), ("recipient_id", ASCENDING), ("read", ASCENDING), *PAGE_ORDER]
    )
    ensure_outbox_indexes(db)


def to_doc(n: Notification) -> Doc:
    return {
        "_id": n.id,
        "recipient_id": n.recipient_id,
        "kind": n.kind,
        "title": n.title,
        "body": n.body,
        "subject_type": n.subject_type,
        "subject_id": n.subject_id,
        "source_event_id": n.source_event_id,
        "created_at": n.created_at,
        "read": n.read,
    }


def from_doc(doc: dict[str, Any]) -> Notification:
    return Notification(
        id=doc["_id"],
        tenant_id=doc["tenant_id"],
        recipient_id=doc["recipient_id"],
        kind=doc["kind"],
        title=doc["title"],
        body=doc["body"],
        subject_type=doc["subject_type"],
        subject_id=doc["subject_id"],
        source_event_id=doc["source_event_id"],
        created_at=doc["created_at"],
        read=doc["read"],
    )


class NotificationRepository:
    def __init__(self, tx: Transaction, tenant_id: str) -> None:
        self.items: TenantCollection = tx.collection(NOTIFICATIONS, tenant_id)

    def add(self, notification: Notification) -> None:
        self.items.insert_one(to_doc(notification))

    def page(
        self, recipient_id: str, unread_only: bool, limit: int, after: tuple[datetime, str] | None
    ) -> list[Notification]:
        query: Doc = {"recipient_id": recipient_id}
        if unread_only:
            query["read"] = False
        if after is not None:
            created_at, last_id = after
            query["$or"] = [
                {"created_at": {"$lt": created_at}},
                {"created_at": created_at, "_id": {"$lt": last_id}},
            ]
        docs = self.items.find(query, sort=PAGE_ORDER, limit=limit)
        return [from_doc(d) for d in docs]

    def unread_count(self, recipient_id: str) -> int:
        return self.items.count({"recipient_id": recipient_id, "read": False})

    def mark_read(self, recipient_id: str, ids: list[str]) -> int:
        return self.items.update_many(
            {"recipient_id": recipient_id, "_id": {"$in": ids}, "read": False},
            {"$set": {"read": True}},
        )
