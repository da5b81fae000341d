"""Notification worker: turns other services' events into inbox items (nameko).

One method serves every event it listens to; nameko gives each event type its own
queue (and dead-letter queue), and the domain picks the message by event type."""

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
    @on_event("lead", "LeadAssigned")
    @on_event("lead", "LeadSlaBreached")
    @on_event("lead", "LeadFollowUpDue")
    @on_event("lead", "LeadRecycled")
    def on_lead_event(self, envelope: dict[str, Any]) -> bool:
        return self.app.on_event(envelope)

    @on_event("opportunity", "OpportunityCadenceOverdue")
    @on_event("opportunity", "StageApprovalDecided")
    @on_event("opportunity", "AccountDormant")
    def on_opportunity_event(self, envelope: dict[str, Any]) -> bool:
        return self.app.on_event(envelope)
