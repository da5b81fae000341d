"""The Prometheus metrics every process exports, defined once so that names stay the
same everywhere (dashboards and alert rules in deploy/ refer to exactly these).

Labels: `service` (lead, ..., gateway) and `process` (api, worker, gateway) are set on
every series so one dashboard template serves all services.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, start_http_server

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# RED per gRPC method (server side).
GRPC_REQUESTS = Counter(
    "crm_grpc_server_requests_total",
    "gRPC requests handled, by method and status code.",
    ["service", "method", "code"],
)
GRPC_LATENCY = Histogram(
    "crm_grpc_server_request_duration_seconds",
    "gRPC request latency in seconds, by method.",
    ["service", "method"],
    buckets=LATENCY_BUCKETS,
)

# RED per HTTP route (gateway).
HTTP_REQUESTS = Counter(
    "crm_http_requests_total",
    "HTTP requests handled by the gateway, by route template, method and status.",
    ["service", "route", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "crm_http_request_duration_seconds",
    "HTTP request latency in seconds, by route template and method.",
    ["service", "route", "method"],
    buckets=LATENCY_BUCKETS,
)

# RED per event handler (workers).
EVENTS_HANDLED = Counter(
    "crm_events_handled_total",
    "Events handled by a worker; outcome is ok, duplicate or error.",
    ["service", "event_type", "outcome"],
)
EVENT_LATENCY = Histogram(
    "crm_event_handler_duration_seconds",
    "Event handler latency in seconds.",
    ["service", "event_type"],
    buckets=LATENCY_BUCKETS,
)
ANALYTICS_LAG = Histogram(
    "crm_analytics_lag_seconds",
    "Seconds from an event's occurrence to its fold into the analytics read models.",
    ["service", "event_type"],
    buckets=(*LATENCY_BUCKETS, 30.0, 60.0, 300.0, 900.0),
)
DEAD_LETTERS = Counter(
    "crm_events_dead_lettered_total",
    "Events rejected to the dead-letter exchange after a handler failed.",
    ["service", "event_type"],
)

# Transactional outbox and its relay.
OUTBOX_PUBLISHED = Counter(
    "crm_outbox_published_total",
    "Outbox events published to RabbitMQ with a broker confirm.",
    ["service", "event_type"],
)
OUTBOX_PUBLISH_FAILURES = Counter(
    "crm_outbox_publish_failures_total",
    "Outbox publish attempts that failed and will be retried.",
    ["service"],
)
OUTBOX_PENDING = Gauge(
    "crm_outbox_pending_events",
    "Outbox events written but not yet published.",
    ["service"],
)
OUTBOX_LAG = Gauge(
    "crm_outbox_lag_seconds",
    "Age in seconds of the oldest unpublished outbox event (0 when none).",
    ["service"],
)

# Business counters (domain facts as they happen).
BUSINESS_EVENTS = Counter(
    "crm_domain_events_total",
    "Domain events recorded by a service (written to its outbox).",
    ["service", "event_type"],
)

# Gateway: identity, limits, idempotency keys, circuit breakers.
GATEWAY_AUTH_FAILURES = Counter(
    "crm_gateway_auth_failures_total",
    "Requests refused 401, by reason (missing, api_key, token, password, refresh).",
    ["service", "reason"],
)
GATEWAY_DENIED = Counter(
    "crm_gateway_denied_total",
    "Requests refused 403 by the role x action matrix or a key's scopes, by action.",
    ["service", "action"],
)
GATEWAY_RATE_LIMITED = Counter(
    "crm_gateway_rate_limited_total",
    "Requests refused 429, by the bucket that ran dry (credential, tenant, login_*).",
    ["service", "bucket"],
)
GATEWAY_IDEMPOTENCY = Counter(
    "crm_gateway_idempotency_total",
    "Requests carrying an Idempotency-Key, by outcome (stored, replayed, released, "
    "in_progress, mismatch).",
    ["service", "outcome"],
)
GATEWAY_FORM_SUBMISSIONS = Counter(
    "crm_gateway_form_submissions_total",
    "Public web-form submissions, by outcome (accepted, duplicate, honeypot, invalid, "
    "refused_origin, failed); refused by a rate limit: crm_gateway_rate_limited_total.",
    ["service", "outcome"],
)
GATEWAY_CIRCUIT_OPEN = Gauge(
    "crm_gateway_circuit_open",
    "1 while the gateway fails calls to a service fast because it looks down.",
    ["service", "target"],
)
GATEWAY_CIRCUIT_REJECTED = Counter(
    "crm_gateway_circuit_rejected_total",
    "Calls answered 503 at once because the target service's circuit was open.",
    ["service", "target"],
)

PROCESS_READY = Gauge(
    "crm_process_ready",
    "1 once the process has finished starting and serves traffic or consumes events.",
    ["service", "process"],
)


def serve_metrics(port: int) -> None:
    """Serve /metrics on `port` from a daemon thread (green thread in a worker)."""
    if port:
        start_http_server(port)
