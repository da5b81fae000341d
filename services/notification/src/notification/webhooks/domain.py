"""Outbound webhooks: endpoints, their signing secrets, deliveries and the retry
schedule, and the Standard Webhooks signature. Pure Python (no I/O): the use cases
load and save, the sender speaks HTTP.

Standard Webhooks (https://www.standardwebhooks.com): every attempt carries
`webhook-id` (the message id, kept by retries and replays), `webhook-timestamp`
(seconds, fresh at each attempt) and `webhook-signature`: space-separated `v1,<base64
HMAC-SHA256 of "id.timestamp.body">`, one per secret that is signing (two while a
rotated secret is in its overlap)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import SplitResult, urlsplit

from crm_runtime.errors import FailedPrecondition, FieldViolation, ValidationFailed

SECRET_PREFIX = "whsec_"  # noqa: S105 (the prefix Standard Webhooks gives secrets)
FORMATS = ("standard", "cloudevents")
# Standard Webhooks' schedule: the delay before each attempt after the first.
RETRY_DELAYS = (
    timedelta(0),
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
    timedelta(hours=24),
)
ROTATION_OVERLAP = timedelta(hours=24)
DISABLE_AFTER = timedelta(days=3)
RESPONSE_START = 512  # characters of a response body the log keeps
MAX_URL = 2048
MAX_DESCRIPTION = 500
MAX_EVENT_TYPES = 100


class Status:
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True)
class SigningKey:
    """One secret of an endpoint, sealed (encrypted) as stored; `retires_at` is set
    when a newer secret replaced it: it keeps signing until then."""

    key_id: str
    sealed: str
    created_at: datetime
    retires_at: datetime | None = None

    def signs_at(self, now: datetime) -> bool:
        return self.retires_at is None or now < self.retires_at


@dataclass(frozen=True)
class Endpoint:
    id: str
    tenant_id: str
    url: str
    event_types: tuple[str, ...]
    description: str
    enabled: bool
    format: str
    keys: tuple[SigningKey, ...]
    version: int
    created_at: datetime
    updated_at: datetime
    disabled_reason: str = ""
    failing_since: datetime | None = None

    def signing_keys(self, now: datetime) -> list[SigningKey]:
        return [k for k in self.keys if k.signs_at(now)]

    def wants(self, event_type: str) -> bool:
        return self.enabled and event_type in self.event_types


@dataclass(frozen=True)
class EndpointFields:
    """What a caller sets on an endpoint (None: leave as it is, on an update)."""

    url: str | None = None
    event_types: Sequence[str] | None = None
    description: str | None = None
    enabled: bool | None = None
    format: str | None = None


def new_secret() -> str:
    """A `whsec_` secret: 32 random bytes, base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def secret_bytes(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def sign(secrets_: Sequence[str], message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header: one `v1,` signature per secret."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    return " ".join(
        "v1,"
        + base64.b64encode(hmac.new(secret_bytes(s), signed, hashlib.sha256).digest()).decode()
        for s in secrets_
    )


def _url_parts(url: str) -> SplitResult | None:
    """The URL's parts, None when it does not parse (a bad IPv6 literal or port)."""
    try:
        parts = urlsplit(url)
        _ = parts.port
    except ValueError:
        return None
    return parts


def check_fields(fields: EndpointFields, catalogue: Sequence[str], creating: bool) -> None:
    """Every bad field, named (422); the URL's shape only (where it resolves to is the
    guard's question)."""
    bad: list[FieldViolation] = []
    if fields.url is not None or creating:
        url = fields.url or ""
        parts = _url_parts(url)
        if parts is None:
            bad.append(FieldViolation("url", "is not a URL"))
        elif not url:
            bad.append(FieldViolation("url", "is required"))
        elif len(url) > MAX_URL:
            bad.append(FieldViolation("url", f"must be at most {MAX_URL} characters"))
        elif any(ord(c) < 33 or ord(c) == 127 for c in url):
            bad.append(FieldViolation("url", "must not contain spaces or control characters"))
        elif parts.scheme != "https" or not parts.hostname:
            bad.append(FieldViolation("url", "must be an https URL with a host"))
        elif parts.username or parts.password:
            bad.append(FieldViolation("url", "must not carry a user name or password"))
    if fields.event_types is not None or creating:
        types = list(fields.event_types or [])
        unknown = sorted(set(types) - set(catalogue))
        if not types:
            bad.append(FieldViolation("event_types", "name at least one event type"))
        elif len(types) > MAX_EVENT_TYPES:
            bad.append(FieldViolation("event_types", f"at most {MAX_EVENT_TYPES}"))
        elif unknown:
            bad.append(
                FieldViolation(
                    "event_types",
                    f"unknown: {', '.join(unknown[:5])} (see GET /v1/webhook-event-types)",
                )
            )
    if fields.description is not None and len(fields.description) > MAX_DESCRIPTION:
        bad.append(FieldViolation("description", f"must be at most {MAX_DESCRIPTION} characters"))
    if fields.format is not None and fields.format not in FORMATS:
        bad.append(FieldViolation("format", f"must be one of {', '.join(FORMATS)}"))
    if bad:
        raise ValidationFailed(bad)


def create_endpoint(
    endpoint_id: str,
    tenant_id: str,
    fields: EndpointFields,
    key: SigningKey,
    catalogue: Sequence[str],
    now: datetime,
) -> Endpoint:
    check_fields(fields, catalogue, creating=True)
    return Endpoint(
        id=endpoint_id,
        tenant_id=tenant_id,
        url=fields.url or "",
        event_types=tuple(dict.fromkeys(fields.event_types or [])),
        description=fields.description or "",
        enabled=True if fields.enabled is None else fields.enabled,
        format=fields.format or "standard",
        keys=(key,),
        version=1,
        created_at=now,
        updated_at=now,
    )


def update_endpoint(
    endpoint: Endpoint, fields: EndpointFields, catalogue: Sequence[str], now: datetime
) -> Endpoint:
    check_fields(fields, catalogue, creating=False)
    changed = replace(
        endpoint,
        url=endpoint.url if fields.url is None else fields.url,
        event_types=(
            endpoint.event_types
            if fields.event_types is None
            else tuple(dict.fromkeys(fields.event_types))
        ),
        description=endpoint.description if fields.description is None else fields.description,
        format=endpoint.format if fields.format is None else fields.format,
        updated_at=now,
    )
    if fields.enabled is True and not endpoint.enabled:  # re-enabled: a fresh start
        changed = replace(changed, enabled=True, disabled_reason="", failing_since=None)
    elif fields.enabled is False:
        changed = replace(changed, enabled=False, disabled_reason="disabled by a user")
    return changed


def rotate(endpoint: Endpoint, key: SigningKey, now: datetime) -> Endpoint:
    """The new secret signs from now on; the one it replaces keeps signing for the
    overlap; any older one still in its overlap retires now."""
    kept = tuple(
        replace(k, retires_at=now + ROTATION_OVERLAP) for k in endpoint.keys if k.retires_at is None
    )
    return replace(endpoint, keys=(*kept, key), updated_at=now)


@dataclass(frozen=True)
class Attempt:
    at: datetime
    status_code: int  # 0: no HTTP answer
    latency_ms: int
    error: str  # why it failed ("" when it succeeded)
    response_start: str


@dataclass(frozen=True)
class Delivery:
    """One message to one endpoint and its attempts. `message_id` is the
    `webhook-id`: a replay is a new delivery with the original message id."""

    id: str
    tenant_id: str
    endpoint_id: str
    message_id: str
    event_id: str
    event_type: str
    occurred_at: datetime
    payload: dict[str, Any]
    status: str
    created_at: datetime
    next_attempt_at: datetime | None
    attempts: tuple[Attempt, ...] = field(default=())
    replay_of: str = ""


def new_delivery(
    delivery_id: str,
    endpoint: Endpoint,
    envelope: dict[str, Any],
    now: datetime,
    message_id: str = "",
    replay_of: str = "",
) -> Delivery:
    return Delivery(
        id=delivery_id,
        tenant_id=endpoint.tenant_id,
        endpoint_id=endpoint.id,
        message_id=message_id or f"msg_{envelope['event_id']}",
        event_id=envelope["event_id"],
        event_type=envelope["event_type"],
        occurred_at=envelope["occurred_at"],
        payload=dict(envelope["payload"]),
        status=Status.PENDING,
        created_at=now,
        next_attempt_at=now,
        replay_of=replay_of,
    )


def replay(original: Delivery, endpoint: Endpoint, delivery_id: str, now: datetime) -> Delivery:
    if not endpoint.enabled:
        raise FailedPrecondition("the endpoint is disabled; enable it before replaying")
    return replace(
        original,
        id=delivery_id,
        status=Status.PENDING,
        created_at=now,
        next_attempt_at=now,
        attempts=(),
        replay_of=original.id,
    )


def body(delivery: Delivery, endpoint_format: str, source: str) -> tuple[bytes, str]:
    """The request body and its content type, in the endpoint's format."""
    if endpoint_format == "cloudevents":
        doc: dict[str, Any] = {
            "specversion": "1.0",
            "id": delivery.event_id,
            "source": source,
            "type": delivery.event_type,
            "time": delivery.occurred_at.isoformat().replace("+00:00", "Z"),
            "datacontenttype": "application/json",
            "data": delivery.payload,
        }
        content_type = "application/cloudevents+json"
    else:
        doc = {
            "type": delivery.event_type,
            "timestamp": delivery.occurred_at.isoformat().replace("+00:00", "Z"),
            "data": delivery.payload,
        }
        content_type = "application/json"
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode(), content_type


@dataclass(frozen=True)
class Outcome:
    """What one HTTP attempt got: a status code (0 for none), the Retry-After seconds
    asked for, the start of the body, the time it took, and an error if no answer."""

    status_code: int
    latency_ms: int
    response_start: str = ""
    retry_after: float | None = None
    error: str = ""

    @property
    def succeeded(self) -> bool:
        return 200 <= self.status_code < 300


def after_attempt(
    delivery: Delivery,
    endpoint: Endpoint,
    outcome: Outcome,
    now: datetime,
    jitter: Callable[[], float] = random.random,
) -> tuple[Delivery, Endpoint]:
    """Record an attempt: success ends it; 410 disables the endpoint; otherwise the
    next attempt on the schedule (later if the receiver asked with Retry-After), until
    the schedule runs out. An endpoint failing for DISABLE_AFTER is disabled."""
    error = outcome.error or ("" if outcome.succeeded else f"HTTP {outcome.status_code}")
    attempt = Attempt(
        now, outcome.status_code, outcome.latency_ms, error, outcome.response_start[:RESPONSE_START]
    )
    attempts = (*delivery.attempts, attempt)
    if outcome.succeeded:
        done = replace(delivery, attempts=attempts, status=Status.SUCCEEDED, next_attempt_at=None)
        return done, replace(endpoint, failing_since=None)
    failing_since = endpoint.failing_since or now
    if outcome.status_code == 410:
        reason = "the receiver answered 410 Gone"
    elif now - failing_since >= DISABLE_AFTER:
        reason = f"every delivery failed since {failing_since.isoformat()}"
    else:
        reason = ""
    if reason:
        failed = replace(delivery, attempts=attempts, status=Status.FAILED, next_attempt_at=None)
        return failed, replace(
            endpoint, enabled=False, disabled_reason=reason, failing_since=failing_since
        )
    endpoint = replace(endpoint, failing_since=failing_since)
    if len(attempts) >= len(RETRY_DELAYS):
        failed = replace(delivery, attempts=attempts, status=Status.FAILED, next_attempt_at=None)
        return failed, endpoint
    delay = RETRY_DELAYS[len(attempts)] * (0.9 + 0.2 * jitter())
    if outcome.status_code == 429 and outcome.retry_after is not None:
        delay = max(delay, timedelta(seconds=outcome.retry_after))
    return replace(delivery, attempts=attempts, next_attempt_at=now + delay), endpoint


def give_up(delivery: Delivery, reason: str, now: datetime) -> Delivery:
    """An endpoint disabled or gone: the pending delivery fails without an attempt."""
    attempt = Attempt(now, 0, 0, reason, "")
    return replace(
        delivery,
        attempts=(*delivery.attempts, attempt),
        status=Status.FAILED,
        next_attempt_at=None,
    )
