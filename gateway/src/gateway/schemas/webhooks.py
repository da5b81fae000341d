"""Webhook endpoints for integrations (OA, ERP, finance), their delivery log, and the
event catalogue."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from crm.notification.v1 import notification_pb2 as pb
from pydantic import BaseModel, ConfigDict, Field

from gateway.conventions.bodies import RequestBody
from gateway.schemas.mapping import from_proto

EventTypes = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=100)]],
    Field(min_length=1, max_length=100, description="names from GET /v1/webhook-event-types"),
]
Url = Annotated[
    str,
    Field(
        min_length=1,
        max_length=2048,
        pattern=r"^https://",
        description="https only; must not resolve to loopback, link-local or private "
        "addresses (unless the deployment allows the host)",
    ),
]
Format = Literal["standard", "cloudevents"]
FORMAT_HELP = (
    "`standard`: Standard Webhooks JSON {type, timestamp, data}; "
    "`cloudevents`: CloudEvents 1.0 structured mode"
)


class WebhookEndpointIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "url": "https://erp.example.com/crm-hooks",
                    "event_types": ["OpportunityWon", "QuoteIssued"],
                    "description": "ERP: won deals and issued quotes",
                }
            ]
        }
    )

    url: Url
    event_types: EventTypes
    description: str = Field("", max_length=500)
    enabled: bool = True
    format: Format = Field("standard", description=FORMAT_HELP)


class WebhookEndpointPatch(RequestBody):
    """Only the fields given change."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"enabled": True, "format": "cloudevents"}]}
    )

    url: Url | None = None
    event_types: EventTypes | None = None
    description: str | None = Field(None, max_length=500)
    enabled: bool | None = Field(None, description="true again clears the disabled reason")
    format: Format | None = Field(None, description=FORMAT_HELP)


class WebhookEndpointOut(BaseModel):
    id: str
    url: str
    event_types: list[str]
    description: str
    enabled: bool
    format: str
    version: int
    created_at: datetime
    updated_at: datetime
    disabled_reason: str = Field(description="why the platform disabled it; empty when enabled")
    failing_since: datetime | None = Field(description="first failure of the current streak")
    previous_secret_expires_at: datetime | None = Field(
        description="until when the secret before the last rotation still signs"
    )


class WebhookEndpointWithSecret(WebhookEndpointOut):
    secret: str = Field(description="the `whsec_` signing secret: shown this once")


class WebhookEndpointPage(BaseModel):
    items: list[WebhookEndpointOut]
    next_cursor: str


class WebhookAttemptOut(BaseModel):
    at: datetime
    status_code: int = Field(description="0: no HTTP answer (see error)")
    latency_ms: int
    error: str
    response_start: str = Field(description="the first 512 characters of the answer")


class WebhookDeliveryOut(BaseModel):
    id: str
    endpoint_id: str
    message_id: str = Field(description="the webhook-id header, kept by retries and replays")
    event_id: str
    event_type: str
    status: Literal["pending", "succeeded", "failed"]
    attempts: list[WebhookAttemptOut]
    next_attempt_at: datetime | None
    created_at: datetime
    replay_of: str = Field(description="the delivery this one replays; empty otherwise")


class WebhookDeliveryPage(BaseModel):
    items: list[WebhookDeliveryOut]
    next_cursor: str


class WebhookEventTypeOut(BaseModel):
    name: str
    source: str = Field(description="the service that publishes it")
    data_schema: dict[str, Any] = Field(description="JSON Schema of the event's `data`")


class WebhookEventTypeList(BaseModel):
    items: list[WebhookEventTypeOut]


def endpoint_out(webhook: pb.Webhook) -> WebhookEndpointOut:
    return from_proto(WebhookEndpointOut, webhook, enabled=webhook.active)


def endpoint_with_secret(webhook: pb.Webhook, secret: str) -> WebhookEndpointWithSecret:
    return from_proto(WebhookEndpointWithSecret, webhook, enabled=webhook.active, secret=secret)


def delivery_out(delivery: pb.WebhookDelivery) -> WebhookDeliveryOut:
    return from_proto(
        WebhookDeliveryOut,
        delivery,
        endpoint_id=delivery.webhook_id,
        status=delivery.state,
        attempts=[from_proto(WebhookAttemptOut, a) for a in delivery.attempt_log],
    )


def event_type_out(event_type: pb.WebhookEventType) -> WebhookEventTypeOut:
    return WebhookEventTypeOut(
        name=event_type.name,
        source=event_type.source,
        data_schema=json.loads(event_type.schema_json),
    )


def create_request(body: WebhookEndpointIn) -> pb.CreateWebhookRequest:
    return pb.CreateWebhookRequest(
        url=body.url,
        event_types=body.event_types,
        description=body.description,
        format=body.format,
        active=body.enabled,
    )


def update_request(
    endpoint_id: str, body: WebhookEndpointPatch, expected_version: int
) -> pb.UpdateWebhookRequest:
    request = pb.UpdateWebhookRequest(id=endpoint_id, expected_version=expected_version)
    if body.url is not None:
        request.url = body.url
    if body.event_types is not None:
        request.event_types.extend(body.event_types)
        request.event_types_set = True
    if body.description is not None:
        request.description = body.description
    if body.enabled is not None:
        request.active = body.enabled
    if body.format is not None:
        request.format = body.format
    return request
