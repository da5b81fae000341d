"""Inbox documents as both stores keep them, and the page query."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from notification.domain.inbox import Notification
from notification.indexes import NEWEST

Doc = dict[str, Any]
PAGE_ORDER = list(NEWEST)


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


def page_query(recipient_id: str, unread_only: bool, after: tuple[datetime, str] | None) -> Doc:
    query: Doc = {"recipient_id": recipient_id}
    if unread_only:
        query["read"] = False
    if after is not None:
        created_at, last_id = after
        query["$or"] = [
            {"created_at": {"$lt": created_at}},
            {"created_at": created_at, "_id": {"$lt": last_id}},
        ]
    return query
