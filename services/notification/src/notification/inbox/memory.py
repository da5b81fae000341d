"""The inbox in memory (the fake the use-case tests run on)."""

from __future__ import annotations

from datetime import datetime

from crm_runtime.storage.memory import MemoryTransaction, TenantTable, matches

from notification.domain.inbox import Notification
from notification.inbox.documents import PAGE_ORDER, from_doc, page_query, to_doc
from notification.indexes import NOTIFICATIONS


class MemoryNotifications:
    def __init__(self, tx: MemoryTransaction, tenant_id: str) -> None:
        self.items = TenantTable(tx, NOTIFICATIONS, tenant_id)

    def add(self, notification: Notification) -> None:
        self.items.insert(to_doc(notification))

    def page(
        self, recipient_id: str, unread_only: bool, limit: int, after: tuple[datetime, str] | None
    ) -> list[Notification]:
        docs = self.items.find(page_query(recipient_id, unread_only, after), PAGE_ORDER, limit)
        return [from_doc(d) for d in docs]

    def unread_count(self, recipient_id: str) -> int:
        return len(self.items.find({"recipient_id": recipient_id, "read": False}))

    def mark_read(self, recipient_id: str, ids: list[str]) -> int:
        wanted = {"recipient_id": recipient_id, "_id": {"$in": ids}, "read": False}
        found = [d for d in self.items.find({}) if matches(d, wanted)]
        for doc in found:
            self.items.update(doc["_id"], {"read": True})
        return len(found)
