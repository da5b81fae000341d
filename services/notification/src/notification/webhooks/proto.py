"""Webhook endpoints and deliveries: proto <-> domain."""

from __future__ import annotations

import json
from datetime import datetime

from crm.notification.v1 import notification_pb2 as pb
from crm_runtime.rpc.protojson import timestamp

from notification.webhooks.catalogue import EVENT_TYPES, schema_of, source_of
from notification.webhooks.domain import Delivery, Endpoint, EndpointFields


def endpoint_to_proto(e: Endpoint, now: datetime) -> pb.Webhook:
    retiring = [k.retires_at for k in e.signing_keys(now) if k.retires_at is not None]
    return pb.Webhook(
        id=e.id,
        url=e.url,
        event_types=list(e.event_types),
        active=e.enabled,
        created_at=timestamp(e.created_at),
        description=e.description,
        format=e.format,
        version=e.version,
        updated_at=timestamp(e.updated_at),
        disabled_reason=e.disabled_reason,
        failing_since=timestamp(e.failing_since),
        previous_secret_expires_at=timestamp(max(retiring)) if retiring else None,
    )


def delivery_to_proto(d: Delivery) -> pb.WebhookDelivery:
    last = d.attempts[-1] if d.attempts else None
    return pb.WebhookDelivery(
        id=d.id,
        webhook_id=d.endpoint_id,
        event_id=d.event_id,
        event_type=d.event_type,
        attempts=len(d.attempts),
        last_status_code=last.status_code if last else 0,
        state=d.status,
        next_attempt_at=timestamp(d.next_attempt_at),
        message_id=d.message_id,
        created_at=timestamp(d.created_at),
        attempt_log=[
            pb.WebhookAttempt(
                at=timestamp(a.at),
                status_code=a.status_code,
                latency_ms=a.latency_ms,
                error=a.error,
                response_start=a.response_start,
            )
            for a in d.attempts
        ],
        replay_of=d.replay_of,
    )


def fields_of_create(request: pb.CreateWebhookRequest) -> EndpointFields:
    return EndpointFields(
        url=request.url,
        event_types=list(request.event_types),
        description=request.description,
        enabled=request.active if request.HasField("active") else None,
        format=request.format or None,
    )


def fields_of_update(request: pb.UpdateWebhookRequest) -> EndpointFields:
    return EndpointFields(
        url=request.url if request.HasField("url") else None,
        event_types=list(request.event_types) if request.event_types_set else None,
        description=request.description if request.HasField("description") else None,
        enabled=request.active if request.HasField("active") else None,
        format=request.format if request.HasField("format") else None,
    )


def event_types() -> list[pb.WebhookEventType]:
    return [
        pb.WebhookEventType(
            name=name, source=source_of(name), schema_json=json.dumps(schema_of(name))
        )
        for name in EVENT_TYPES
    ]
