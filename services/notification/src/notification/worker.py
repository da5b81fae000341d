"""Notification worker (nameko): turns other services' events into inbox items, fans
them out to the webhook endpoints that take them, and delivers what is due.

One method serves every event it listens to; nameko gives each event type its own
queue (and dead-letter queue), and the domain picks the message by event type. The
inbox and the webhooks listen on queues of their own, so one cannot hold the other up."""

from __future__ import annotations

from collections.abc import Callable
from functools import reduce
from typing import Any

from crm_runtime.storage.mongo import UnitOfWork
from crm_runtime.worker import (
    AppProvider,
    Entrypoint,
    HandlerTelemetry,
    every,
    on_event,
    settings_of_container,
)

from notification.apps import NotificationApp, app_builder
from notification.indexes import ensure_indexes
from notification.webhooks.catalogue import SUBSCRIBABLE

DELIVERY_POLL_SECONDS = 1.0
DELIVERY_ROUNDS = 10


def build_app(uow: UnitOfWork) -> NotificationApp:
    return app_builder(settings_of_container())(uow)


def on_events(source: str, event_types: tuple[str, ...]) -> Callable[[Entrypoint], Entrypoint]:
    def decorate(method: Entrypoint) -> Entrypoint:
        return reduce(lambda m, t: on_event(source, t)(m), event_types, method)

    return decorate


class NotificationWorker:
    name = "notification"

    app: NotificationApp = AppProvider(ensure_indexes, build_app)
    telemetry = HandlerTelemetry()

    @on_event("lead", "LeadCreated")
    @on_event("lead", "LeadAssigned")
    @on_event("lead", "LeadSlaBreached")
    @on_event("lead", "LeadFollowUpDue")
    @on_event("lead", "LeadRecycled")
    def on_lead_event(self, envelope: dict[str, Any]) -> bool:
        return self.app.inbox.on_event(envelope)

    @on_event("opportunity", "OpportunityCadenceOverdue")
    @on_event("opportunity", "StageApprovalDecided")
    @on_event("opportunity", "AccountDormant")
    @on_event("opportunity", "QuoteApprovalDecided")
    def on_opportunity_event(self, envelope: dict[str, Any]) -> bool:
        return self.app.inbox.on_event(envelope)

    @on_events("lead", SUBSCRIBABLE["lead"])
    def webhooks_for_lead_event(self, envelope: dict[str, Any]) -> bool:
        return self.app.webhooks.fan_out(envelope)

    @on_events("opportunity", SUBSCRIBABLE["opportunity"])
    def webhooks_for_opportunity_event(self, envelope: dict[str, Any]) -> bool:
        return self.app.webhooks.fan_out(envelope)

    @every(DELIVERY_POLL_SECONDS)
    def deliver_webhooks(self) -> None:
        for _ in range(DELIVERY_ROUNDS):  # then let the timer come back
            if not self.app.webhooks.deliver_due():
                break

    @every(DELIVERY_POLL_SECONDS)
    def post_to_robots(self) -> None:
        for _ in range(DELIVERY_ROUNDS):
            if not self.app.robots.send_due():
                break

    @every(DELIVERY_POLL_SECONDS)
    def send_emails(self) -> None:
        for _ in range(DELIVERY_ROUNDS):
            if not self.app.email.send_due():
                break
