"""/v1/notifications: the caller's in-app inbox (NotificationService over gRPC)."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated

from crm.common.v1 import common_pb2
from crm.notification.v1 import notification_pb2
from fastapi import APIRouter, Depends, Query

from gateway.access.guard import authorize
from gateway.conventions.problems import PROBLEM_RESPONSES
from gateway.dependencies import CallOptions, NotificationClient
from gateway.identity.caller import Caller
from gateway.schemas.inbox import NotificationOut, NotificationPage

router = APIRouter(prefix="/v1/notifications", tags=["notifications"], responses=PROBLEM_RESPONSES)


@router.get("", response_model=NotificationPage, summary="List my notifications, newest first")
async def list_notifications(
    caller: Annotated[Caller, Depends(authorize("notification:read"))],
    notification_service: NotificationClient,
    options: CallOptions,
    unread_only: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str, Query(max_length=512)] = "",
) -> NotificationPage:
    reply = await notification_service.ListNotifications(
        notification_pb2.ListNotificationsRequest(
            unread_only=unread_only, page=common_pb2.PageRequest(limit=limit, cursor=cursor)
        ),
        **options,
    )
    return NotificationPage(
        items=[
            NotificationOut(
                id=n.id,
                kind=n.kind,
                title=n.title,
                body=n.body,
                subject_type=n.subject_type,
                subject_id=n.subject_id,
                read=n.read,
                created_at=n.created_at.ToDatetime(tzinfo=UTC),
            )
            for n in reply.notifications
        ],
        next_cursor=reply.page.next_cursor,
        unread_count=reply.unread_count,
    )
