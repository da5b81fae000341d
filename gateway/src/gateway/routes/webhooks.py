"""/v1/webhook-endpoints and /v1/webhook-event-types: integrations (OA, ERP, finance)
subscribe to events by signed webhooks (Standard Webhooks), with a delivery log, replay
and a test-send (NotificationService over gRPC)."""

from __future__ import annotations

from typing import Annotated

from crm.common.v1 import common_pb2
from crm.notification.v1 import notification_pb2 as pb
from fastapi import APIRouter, Depends, Path, Response

from gateway.access.guard import authorize
from gateway.conventions.created import created
from gateway.conventions.etag import IfMatch, if_match_version, set_etag
from gateway.conventions.paging import DEFAULT, Cursor, Limit
from gateway.conventions.problems import PROBLEM_RESPONSES
from gateway.dependencies import CallOptions, NotificationClient
from gateway.identity.caller import Caller
from gateway.schemas.values import STALE
from gateway.schemas.webhooks import (
    WebhookDeliveryOut,
    WebhookDeliveryPage,
    WebhookEndpointIn,
    WebhookEndpointOut,
    WebhookEndpointPage,
    WebhookEndpointPatch,
    WebhookEndpointWithSecret,
    WebhookEventTypeList,
    create_request,
    delivery_out,
    endpoint_out,
    endpoint_with_secret,
    event_type_out,
    update_request,
)

router = APIRouter(tags=["webhooks"], responses=PROBLEM_RESPONSES)
EndpointId = Annotated[str, Path(min_length=1, max_length=64, description="The endpoint's id")]
DeliveryId = Annotated[str, Path(min_length=1, max_length=64, description="The delivery's id")]
BASE = "/v1/webhook-endpoints"


@router.post(
    BASE,
    status_code=201,
    response_model=WebhookEndpointWithSecret,
    summary="Register a webhook endpoint (its secret is shown once)",
)
async def create_endpoint(
    body: WebhookEndpointIn,
    caller: Annotated[Caller, Depends(authorize("webhook:manage"))],
    notification_service: NotificationClient,
    options: CallOptions,
    response: Response,
) -> WebhookEndpointWithSecret:
    """The URL is checked now and again at every connection (https, no private
    addresses). Keep `secret`: it signs every delivery and is not shown again."""
    reply = await notification_service.CreateWebhook(create_request(body), **options)
    created(response, f"{BASE}/{reply.webhook.id}", reply.webhook.version)
    return endpoint_with_secret(reply.webhook, reply.signing_secret)


@router.get(BASE, response_model=WebhookEndpointPage, summary="The tenant's webhook endpoints")
async def list_endpoints(
    caller: Annotated[Caller, Depends(authorize("webhook:read"))],
    notification_service: NotificationClient,
    options: CallOptions,
    limit: Limit = DEFAULT,
    cursor: Cursor = "",
) -> WebhookEndpointPage:
    reply = await notification_service.ListWebhooks(
        pb.ListWebhooksRequest(page=common_pb2.PageRequest(limit=limit, cursor=cursor)), **options
    )
    return WebhookEndpointPage(
        items=[endpoint_out(w) for w in reply.webhooks], next_cursor=reply.page.next_cursor
    )


@router.get(f"{BASE}/{{endpoint_id}}", response_model=WebhookEndpointOut, summary="An endpoint")
async def get_endpoint(
    endpoint_id: EndpointId,
    caller: Annotated[Caller, Depends(authorize("webhook:read"))],
    notification_service: NotificationClient,
    options: CallOptions,
    response: Response,
) -> WebhookEndpointOut:
    reply = await notification_service.GetWebhook(pb.GetWebhookRequest(id=endpoint_id), **options)
    set_etag(response, reply.webhook.version)
    return endpoint_out(reply.webhook)


@router.patch(
    f"{BASE}/{{endpoint_id}}",
    responses=STALE,
    response_model=WebhookEndpointOut,
    summary="Change an endpoint (URL, event types, description, enabled, format)",
)
async def update_endpoint(
    endpoint_id: EndpointId,
    body: WebhookEndpointPatch,
    caller: Annotated[Caller, Depends(authorize("webhook:manage"))],
    notification_service: NotificationClient,
    options: CallOptions,
    response: Response,
    if_match: IfMatch = None,
) -> WebhookEndpointOut:
    """Enabling a disabled endpoint clears its disabled reason; a stale `If-Match` is 412."""
    reply = await notification_service.UpdateWebhook(
        update_request(endpoint_id, body, if_match_version(if_match)), **options
    )
    set_etag(response, reply.webhook.version)
    return endpoint_out(reply.webhook)


@router.delete(
    f"{BASE}/{{endpoint_id}}",
    status_code=204,
    responses=STALE,
    summary="Delete an endpoint (what is pending for it is not sent)",
)
async def delete_endpoint(
    endpoint_id: EndpointId,
    caller: Annotated[Caller, Depends(authorize("webhook:manage"))],
    notification_service: NotificationClient,
    options: CallOptions,
    if_match: IfMatch = None,
) -> Response:
    await notification_service.DeleteWebhook(
        pb.DeleteWebhookRequest(id=endpoint_id, expected_version=if_match_version(if_match)),
        **options,
    )
    return Response(status_code=204)


@router.post(
    f"{BASE}/{{endpoint_id}}/rotate-secret",
    responses=STALE,
    response_model=WebhookEndpointWithSecret,
    summary="Rotate the endpoint's secret (the new one is shown once)",
)
async def rotate_secret(
    endpoint_id: EndpointId,
    caller: Annotated[Caller, Depends(authorize("webhook:manage"))],
    notification_service: NotificationClient,
    options: CallOptions,
    response: Response,
    if_match: IfMatch = None,
) -> WebhookEndpointWithSecret:
    """Deliveries are signed with the new secret and, for 24 hours
    (`previous_secret_expires_at`), with the one it replaces too, so the receiver can
    switch without losing a message."""
    reply = await notification_service.RotateWebhookSecret(
        pb.RotateWebhookSecretRequest(id=endpoint_id, expected_version=if_match_version(if_match)),
        **options,
    )
    set_etag(response, reply.webhook.version)
    return endpoint_with_secret(reply.webhook, reply.signing_secret)


@router.post(
    f"{BASE}/{{endpoint_id}}/test",
    status_code=202,
    response_model=WebhookDeliveryOut,
    summary="Send the endpoint a test message",
)
async def send_test(
    endpoint_id: EndpointId,
    caller: Annotated[Caller, Depends(authorize("webhook:manage"))],
    notification_service: NotificationClient,
    options: CallOptions,
    response: Response,
) -> WebhookDeliveryOut:
    """A `WebhookTest` message, queued and delivered (signed, retried) like any other;
    its outcome is in the delivery log the Location names."""
    reply = await notification_service.TestWebhook(pb.TestWebhookRequest(id=endpoint_id), **options)
    created(response, f"{BASE}/{endpoint_id}/deliveries")
    return delivery_out(reply.delivery)


@router.get(
    f"{BASE}/{{endpoint_id}}/deliveries",
    response_model=WebhookDeliveryPage,
    summary="The endpoint's delivery log, newest first",
)
async def list_deliveries(
    endpoint_id: EndpointId,
    caller: Annotated[Caller, Depends(authorize("webhook:read"))],
    notification_service: NotificationClient,
    options: CallOptions,
    limit: Limit = DEFAULT,
    cursor: Cursor = "",
) -> WebhookDeliveryPage:
    """Each delivery with every attempt: time, status code, latency, the start of the
    answer, or why there was none."""
    reply = await notification_service.ListWebhookDeliveries(
        pb.ListWebhookDeliveriesRequest(
            webhook_id=endpoint_id, page=common_pb2.PageRequest(limit=limit, cursor=cursor)
        ),
        **options,
    )
    return WebhookDeliveryPage(
        items=[delivery_out(d) for d in reply.deliveries], next_cursor=reply.page.next_cursor
    )


@router.post(
    f"{BASE}/{{endpoint_id}}/deliveries/{{delivery_id}}/replay",
    status_code=202,
    response_model=WebhookDeliveryOut,
    summary="Deliver a message again (same webhook-id)",
)
async def replay_delivery(
    endpoint_id: EndpointId,
    delivery_id: DeliveryId,
    caller: Annotated[Caller, Depends(authorize("webhook:manage"))],
    notification_service: NotificationClient,
    options: CallOptions,
    response: Response,
) -> WebhookDeliveryOut:
    """A new delivery of the same message, keeping its `webhook-id` so the receiver can
    tell it has seen it; the endpoint must be enabled."""
    reply = await notification_service.ReplayWebhookDelivery(
        pb.ReplayWebhookDeliveryRequest(webhook_id=endpoint_id, delivery_id=delivery_id),
        **options,
    )
    created(response, f"{BASE}/{endpoint_id}/deliveries")
    return delivery_out(reply.delivery)


@router.get(
    "/v1/webhook-event-types",
    response_model=WebhookEventTypeList,
    summary="The events an endpoint may subscribe to, with their JSON Schemas",
)
async def list_event_types(
    caller: Annotated[Caller, Depends(authorize("webhook:read"))],
    notification_service: NotificationClient,
    options: CallOptions,
) -> WebhookEventTypeList:
    reply = await notification_service.ListWebhookEventTypes(
        pb.ListWebhookEventTypesRequest(), **options
    )
    return WebhookEventTypeList(items=[event_type_out(t) for t in reply.event_types])
