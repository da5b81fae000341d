"""/v1/email-settings, /v1/me/email-address and /v1/email-messages: notifications by
email over SMTP from the tenant's sender (NotificationService over gRPC)."""

from __future__ import annotations

from typing import Annotated

from crm.common.v1 import common_pb2
from crm.notification.v1 import notification_pb2 as pb
from fastapi import APIRouter, Depends, Response

from gateway.access.guard import authorize
from gateway.conventions.etag import IfMatch, if_match_version, set_etag
from gateway.conventions.paging import DEFAULT, Cursor, Limit
from gateway.conventions.problems import PROBLEM_RESPONSES
from gateway.dependencies import CallOptions, NotificationClient
from gateway.identity.caller import Caller
from gateway.schemas.email import (
    EmailAddressIn,
    EmailAddressOut,
    EmailMessagePage,
    EmailSettingsIn,
    EmailSettingsOut,
    address_out,
    message_out,
    settings_out,
)
from gateway.schemas.values import STALE

router = APIRouter(tags=["email"], responses=PROBLEM_RESPONSES)


def _etag(response: Response, version: int) -> None:
    if version:  # never set: no version to send back yet
        set_etag(response, version)


@router.get("/v1/email-settings", response_model=EmailSettingsOut, summary="The tenant's sender")
async def get_settings(
    caller: Annotated[Caller, Depends(authorize("email_settings:read"))],
    notification_service: NotificationClient,
    options: CallOptions,
    response: Response,
) -> EmailSettingsOut:
    reply = await notification_service.GetEmailSettings(pb.GetEmailSettingsRequest(), **options)
    _etag(response, reply.settings.version)
    return settings_out(reply.settings)


@router.put(
    "/v1/email-settings",
    responses=STALE,
    response_model=EmailSettingsOut,
    summary="Set the tenant's sender (and turn email on or off)",
)
async def put_settings(
    body: EmailSettingsIn,
    caller: Annotated[Caller, Depends(authorize("email_settings:manage"))],
    notification_service: NotificationClient,
    options: CallOptions,
    response: Response,
    if_match: IfMatch = None,
) -> EmailSettingsOut:
    """Every email of the tenant comes from this address and name; a stale `If-Match`
    is 412."""
    reply = await notification_service.UpdateEmailSettings(
        pb.UpdateEmailSettingsRequest(
            sender_address=body.sender_address,
            sender_name=body.sender_name,
            enabled=body.enabled,
            expected_version=if_match_version(if_match),
        ),
        **options,
    )
    _etag(response, reply.settings.version)
    return settings_out(reply.settings)


@router.get(
    "/v1/me/email-address",
    response_model=EmailAddressOut,
    summary="Where my notifications are mailed",
)
async def get_my_address(
    caller: Annotated[Caller, Depends(authorize("subscription:read"))],
    notification_service: NotificationClient,
    options: CallOptions,
    response: Response,
) -> EmailAddressOut:
    reply = await notification_service.GetMyEmailAddress(pb.GetMyEmailAddressRequest(), **options)
    _etag(response, reply.address.version)
    return address_out(reply.address)


@router.put(
    "/v1/me/email-address",
    responses=STALE,
    response_model=EmailAddressOut,
    summary="Have my notifications mailed (or stop)",
)
async def put_my_address(
    body: EmailAddressIn,
    caller: Annotated[Caller, Depends(authorize("subscription:manage"))],
    notification_service: NotificationClient,
    options: CallOptions,
    response: Response,
    if_match: IfMatch = None,
) -> EmailAddressOut:
    """From then on each inbox item is also mailed here, once, when the tenant has
    email on."""
    reply = await notification_service.UpdateMyEmailAddress(
        pb.UpdateMyEmailAddressRequest(
            address=body.address,
            enabled=body.enabled,
            expected_version=if_match_version(if_match),
        ),
        **options,
    )
    _etag(response, reply.address.version)
    return address_out(reply.address)


@router.get(
    "/v1/email-messages",
    response_model=EmailMessagePage,
    summary="The tenant's emails, newest first, each with its status",
)
async def list_messages(
    caller: Annotated[Caller, Depends(authorize("email_message:read"))],
    notification_service: NotificationClient,
    options: CallOptions,
    limit: Limit = DEFAULT,
    cursor: Cursor = "",
) -> EmailMessagePage:
    """`queued` (with the reason of the last failed try, if any), `sent`, or `failed`
    with the SMTP server's reason."""
    reply = await notification_service.ListEmailMessages(
        pb.ListEmailMessagesRequest(page=common_pb2.PageRequest(limit=limit, cursor=cursor)),
        **options,
    )
    return EmailMessagePage(
        items=[message_out(m) for m in reply.messages], next_cursor=reply.page.next_cursor
    )
