"""HTTP middleware: request ids, RED metrics per route template, a body size cap."""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable

from crm_runtime import metrics
from fastapi import Request, Response
from starlette.middleware.base import BaseHTTPMiddleware

from gateway.problems import problem

MAX_BODY_BYTES = 1 << 20  # 1 MiB; bulk imports will have their own upload route


class RequestMiddleware(BaseHTTPMiddleware):
    async def dispatch(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > MAX_BODY_BYTES:
            response: Response = problem(413, f"the body must be at most {MAX_BODY_BYTES} bytes")
        else:
            response = await call_next(request)
        route = request.scope.get("route")
        template = getattr(route, "path", "unmatched")
        metrics.HTTP_REQUESTS.labels(
            "gateway", template, request.method, str(response.status_code)
        ).inc()
        metrics.HTTP_LATENCY.labels("gateway", template, request.method).observe(
            time.perf_counter() - started
        )
        response.headers["X-Request-Id"] = request_id
        return response
