"""NotificationService servicer: proto in -> use case -> proto out."""

from __future__ import annotations

from typing import Any

from crm.common.v1 import common_pb2
from crm.notification.v1 import notification_pb2, notification_pb2_grpc
from crm_runtime.principal import current_principal
from crm_runtime.rpc.protojson import timestamp

from notification.apps import NotificationApp
from notification.domain.inbox import Notification
from notification.email.grpc_api import EmailRpcs
from notification.robots.grpc_api import RobotRpcs
from notification.webhooks.grpc_api import WebhookRpcs

SERVICE_NAME = notification_pb2.DESCRIPTOR.services_by_name["NotificationService"].full_name


def to_proto(n: Notification) -> notification_pb2.Notification:
    return notification_pb2.Notification(
        id=n.id,
        recipient_id=n.recipient_id,
        kind=n.kind,
        title=n.title,
        body=n.body,
        subject_type=n.subject_type,
        subject_id=n.subject_id,
        source_event_id=n.source_event_id,
        read=n.read,
        created_at=timestamp(n.created_at),
    )


class NotificationServicer(
    WebhookRpcs, EmailRpcs, RobotRpcs, notification_pb2_grpc.NotificationServiceServicer
):
    def __init__(self, app: NotificationApp) -> None:
        self.app = app
        self.webhooks = app.webhooks
        self.email = app.email
        self.robots = app.robots
        self.clock = app.webhooks.clock

    def ListNotifications(
        self, request: notification_pb2.ListNotificationsRequest, context: Any
    ) -> notification_pb2.ListNotificationsResponse:
        page = self.app.inbox.inbox(
            current_principal(), request.unread_only, request.page.limit, request.page.cursor
        )
        return notification_pb2.ListNotificationsResponse(
            notifications=[to_proto(n) for n in page.items],
            page=common_pb2.PageResponse(next_cursor=page.next_cursor),
            unread_count=page.unread_count,
        )

    def MarkNotificationsRead(
        self, request: notification_pb2.MarkNotificationsReadRequest, context: Any
    ) -> notification_pb2.MarkNotificationsReadResponse:
        updated = self.app.inbox.mark_read(current_principal(), list(request.ids))
        return notification_pb2.MarkNotificationsReadResponse(updated=updated)


def register(app: NotificationApp) -> Any:
    def add(server: Any) -> list[str]:
        notification_pb2_grpc.add_NotificationServiceServicer_to_server(
            NotificationServicer(app), server
        )
        return [SERVICE_NAME]

    return add
