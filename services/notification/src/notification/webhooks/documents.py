"""Webhook endpoints and deliveries as both stores keep them. A delivery's
`next_attempt_at` is present only while it is pending (the worker's queue index is
sparse on it)."""

from __future__ import annotations

from typing import Any

from notification.indexes import NEWEST
from notification.webhooks.domain import Attempt, Delivery, Endpoint, SigningKey

Doc = dict[str, Any]
PAGE_ORDER = list(NEWEST)


def endpoint_doc(e: Endpoint) -> Doc:
    return {
        "_id": e.id,
        "url": e.url,
        "event_types": list(e.event_types),
        "description": e.description,
        "enabled": e.enabled,
        "format": e.format,
        "keys": [
            {
                "key_id": k.key_id,
                "sealed": k.sealed,
                "created_at": k.created_at,
                "retires_at": k.retires_at,
            }
            for k in e.keys
        ],
        "version": e.version,
        "created_at": e.created_at,
        "updated_at": e.updated_at,
        "disabled_reason": e.disabled_reason,
        "failing_since": e.failing_since,
    }


def endpoint_of(d: Doc) -> Endpoint:
    return Endpoint(
        id=d["_id"],
        tenant_id=d["tenant_id"],
        url=d["url"],
        event_types=tuple(d["event_types"]),
        description=d["description"],
        enabled=d["enabled"],
        format=d["format"],
        keys=tuple(
            SigningKey(k["key_id"], k["sealed"], k["created_at"], k.get("retires_at"))
            for k in d["keys"]
        ),
        version=d["version"],
        created_at=d["created_at"],
        updated_at=d["updated_at"],
        disabled_reason=d.get("disabled_reason", ""),
        failing_since=d.get("failing_since"),
    )


def delivery_doc(d: Delivery) -> Doc:
    doc: Doc = {
        "_id": d.id,
        "endpoint_id": d.endpoint_id,
        "message_id": d.message_id,
        "event_id": d.event_id,
        "event_type": d.event_type,
        "occurred_at": d.occurred_at,
        "payload": d.payload,
        "status": d.status,
        "created_at": d.created_at,
        "attempts": [
            {
                "at": a.at,
                "status_code": a.status_code,
                "latency_ms": a.latency_ms,
                "error": a.error,
                "response_start": a.response_start,
            }
            for a in d.attempts
        ],
        "replay_of": d.replay_of,
    }
    if d.next_attempt_at is not None:
        doc["next_attempt_at"] = d.next_attempt_at
    return doc


def delivery_of(d: Doc) -> Delivery:
    return Delivery(
        id=d["_id"],
        tenant_id=d["tenant_id"],
        endpoint_id=d["endpoint_id"],
        message_id=d["message_id"],
        event_id=d["event_id"],
        event_type=d["event_type"],
        occurred_at=d["occurred_at"],
        payload=d["payload"],
        status=d["status"],
        created_at=d["created_at"],
        next_attempt_at=d.get("next_attempt_at"),
        attempts=tuple(
            Attempt(a["at"], a["status_code"], a["latency_ms"], a["error"], a["response_start"])
            for a in d["attempts"]
        ),
        replay_of=d.get("replay_of", ""),
    )
