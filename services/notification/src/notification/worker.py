"""Notification worker: turns other services' events into inbox items (nameko)."""

from __future__ import annotations

from typing import Any

from crm_runtime.worker import AppProvider, HandlerTelemetry, on_event

from notification.app import NotificationApp
from notification.store import ensure_indexes


class NotificationWorker:
    name = "notification"

    app: NotificationApp = AppProvider(ensure_indexes, NotificationApp)
    telemetry = HandlerTelemetry()

    @on_event("lead", "LeadCreated")
    def on_lead_created(self, envelope: dict[str, Any]) -> bool:
        return self.app.on_lead_created(envelope)
