"""The caller's in-app notifications and their page."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class NotificationOut(BaseModel):
    id: str
    kind: str
    title: str
    body: str
    subject_type: str
    subject_id: str
    read: bool
    created_at: datetime


class NotificationPage(BaseModel):
    items: list[NotificationOut]
    next_cursor: str
    unread_count: int
