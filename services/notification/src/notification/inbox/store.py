"""The inbox on MongoDB."""

from __future__ import annotations

from datetime import datetime

from crm_runtime.storage.mongo import TenantCollection, Transaction

from notification.domain.inbox import Notification
from notification.inbox.documents import PAGE_ORDER, from_doc, page_query, to_doc
from notification.indexes import NOTIFICATIONS


class NotificationRepository:
    def __init__(self, tx: Transaction, tenant_id: str) -> None:
        self.items: TenantCollection = tx.collection(NOTIFICATIONS, tenant_id)

    def add(self, notification: Notification) -> None:
        self.items.insert_one(to_doc(notification))

    def page(
        self, recipient_id: str, unread_only: bool, limit: int, after: tuple[datetime, str] | None
    ) -> list[Notification]:
        docs = self.items.find(
            page_query(recipient_id, unread_only, after), sort=PAGE_ORDER, limit=limit
        )
        return [from_doc(d) for d in docs]

    def unread_count(self, recipient_id: str) -> int:
        return self.items.count({"recipient_id": recipient_id, "read": False})

    def mark_read(self, recipient_id: str, ids: list[str]) -> int:
        return self.items.update_many(
            {"recipient_id": recipient_id, "_id": {"$in": ids}, "read": False},
            {"$set": {"read": True}},
        )
