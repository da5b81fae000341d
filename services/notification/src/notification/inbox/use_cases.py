"""Inbox use cases: react to events once, read and mark the inbox."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crm_runtime.clock import utcnow
from crm_runtime.paging import decode_position, encode_position, page_limit
from crm_runtime.principal import Principal

from notification.domain.inbox import BY_EVENT, Notification
from notification.domain.sales import SALES_BY_EVENT
from notification.email.domain import mail_for
from notification.ports import NotificationStorage, Stores
from notification.robots.domain import message_for


@dataclass(frozen=True)
class InboxPage:
    items: list[Notification]
    next_cursor: str
    unread_count: int


class Inbox:
    def __init__(
        self, storage: NotificationStorage, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.storage = storage
        self.clock = clock

    def on_event(self, envelope: dict[str, Any]) -> bool:
        """An inbox item for whoever the event concerns, once per event (the lead
        service's events and the opportunity service's alike)."""
        build = {**BY_EVENT, **SALES_BY_EVENT}[envelope["event_type"]]
        notification = build(envelope, str(uuid.uuid4()), self.clock())

        def effect(stores: Stores) -> None:
            if notification is None:
                return
            tenant = notification.tenant_id
            stores.notifications(tenant).add(notification)
            directory = stores.email(tenant)
            settings = directory.settings()
            if settings.enabled:  # and the person gave an address: the same item by email
                address = directory.address(notification.recipient_id)
                mail = mail_for(notification, settings, address, notification.created_at)
                if mail is not None:
                    stores.mails(tenant).add(mail)
            robots = stores.robots(tenant).subscribed(notification.kind)
            if robots:  # the tenant's group robots that post this kind, @ing the person
                mobile = directory.address(notification.recipient_id, "mobile")
                at = mobile.address if mobile.enabled else ""
                for robot in robots:
                    message = message_for(notification, robot, at, notification.created_at)
                    stores.robot_messages(tenant).add(message)

        handler = f"notification.on_{envelope['event_type']}"
        return self.storage.handle_once(handler, envelope, effect)

    def inbox(self, principal: Principal, unread_only: bool, limit: int, cursor: str) -> InboxPage:
        size = page_limit(limit)
        after = decode_position(cursor)

        def read(stores: Stores) -> InboxPage:
            repo = stores.notifications(principal.tenant_id)
            items = repo.page(principal.user_id, unread_only, size + 1, after)
            more = len(items) > size
            items = items[:size]
            last = items[-1] if more else None
            next_cursor = encode_position(last.created_at, last.id) if last else ""
            return InboxPage(items, next_cursor, repo.unread_count(principal.user_id))

        return self.storage.run(read)

    def mark_read(self, principal: Principal, ids: list[str]) -> int:
        return self.storage.run(
            lambda stores: stores.notifications(principal.tenant_id).mark_read(
                principal.user_id, ids
            )
        )
