"""The webhook use cases on the in-memory storage, with the real sender and guard
pointed at a local HTTPS receiver (allowed as a named private host)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crm_runtime.principal import Principal
from crm_runtime.testing.receivers import Receiver
from notification.apps import NotificationApp, WebhookOptions
from notification.memory import MemoryNotificationStorage
from notification.webhooks.sealing import new_key_spec

ADMIN = Principal("t1", "admin-1", roles=("admin",))
OTHER_TENANT = Principal("t2", "admin-2", roles=("admin",))
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self, at: datetime = START) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, by: timedelta) -> None:
        self.at += by


def app_for(receiver: Receiver, clock: Clock) -> tuple[NotificationApp, MemoryNotificationStorage]:
    storage = MemoryNotificationStorage()
    options = WebhookOptions(new_key_spec(), ("localhost",), receiver.ca_file)
    return NotificationApp(storage, options, clock), storage


def lead_created(event_id: str = "ev1", tenant: str = "t1") -> dict[str, object]:
    return {
        "event_id": event_id,
        "tenant_id": tenant,
        "event_type": "LeadCreated",
        "occurred_at": "2026-12-01T08:59:00Z",
        "payload": {"lead_id": "l1", "name": "张伟", "owner_id": "rep-1", "source": "web"},
    }
