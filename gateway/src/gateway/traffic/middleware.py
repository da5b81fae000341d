"""HTTP middleware: request ids and trace context on every answer, RED metrics per route template, a body size cap, and
the RateLimit-* headers the route guard computed, on whatever answer the route gave.

Plain ASGI rather than Starlette's BaseHTTPMiddleware: it sits on every request, and
the base class's extra task and body streaming cost more than everything it does.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from crm_runtime import metrics
from crm_runtime.telemetry import current_trace_headers
from fastapi.routing import iter_route_contexts
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.conventions.problems import problem

MAX_BODY_BYTES = 1 << 20  # 1 MiB for every route but the bulk upload's
UPLOAD_BODY_BYTES = 64 << 20  # a CSV of 100,000 leads (ADR 14)
UPLOAD_PATHS = frozenset({"/v1/lead-imports"})
RATE_HEADERS = (
    "crm_ratelimit"  # request.state: the RateLimit-* headers, set by gateway.access.guard
)


def route_template(scope: Scope) -> str:
    """The matched route's full path template (`/v1/leads/{lead_id}`), for metric labels
    and the audit log. FastAPI puts the route into the scope as its router declared it,
    without the router's prefix, so the full paths are looked up once per app."""
    route, app = scope.get("route"), scope.get("app")
    if route is None or app is None:
        return "unmatched"
    templates: dict[int, str] | None = getattr(app.state, "route_templates", None)
    if templates is None:
        templates = {id(c.original_route): str(c.path) for c in iter_route_contexts(app.routes)}
        app.state.route_templates = templates
    return templates.get(id(route), str(getattr(route, "path", "unmatched")))


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return ""


class RequestMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = _header(scope, b"x-request-id")[:128] or uuid.uuid4().hex
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id  # for the audit log
        status = 500

        async def stamp(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers["X-Request-Id"] = request_id
                headers.update(current_trace_headers())  # traceparent: the request's trace
                headers.update(state.get(RATE_HEADERS, {}))
            await send(message)

        try:
            length = _header(scope, b"content-length")
            limit = UPLOAD_BODY_BYTES if scope["path"] in UPLOAD_PATHS else MAX_BODY_BYTES
            if length.isdigit() and int(length) > limit:
                too_big = problem(413, f"the body must be at most {limit} bytes")
                await too_big(scope, receive, stamp)
            else:
                await self.app(scope, receive, stamp)
        finally:
            template, method = route_template(scope), scope["method"]
            metrics.HTTP_REQUESTS.labels("gateway", template, method, str(status)).inc()
            metrics.HTTP_LATENCY.labels("gateway", template, method).observe(
                time.perf_counter() - started
            )
