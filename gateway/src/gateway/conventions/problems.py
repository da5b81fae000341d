"""Every error as application/problem+json (RFC 9457), mapped once for every route.

gRPC status codes map consistently; field violations from a service or from request
validation become `errors: [{field, message}]`. Stack traces never leave the process.
"""

from __future__ import annotations

import logging
from typing import Any

import grpc
from crm_runtime.errors import DomainError
from crm_runtime.rpc.errors import code_for, field_violations, stale_version
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel
from pymongo.errors import ConnectionFailure
from redis.exceptions import RedisError
from starlette.exceptions import HTTPException as StarletteHTTPException

from gateway.conventions.etag import etag

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"
TYPE_BASE = "https://crm.example.dev/problems/"

# RESOURCE_EXHAUSTED is not here: no service sends it, and grpc raises it itself when a
# message or its trailers pass a size limit, which is our fault (500), not a reason for
# the client to slow down (429 would ask it to).
GRPC_TO_HTTP: dict[grpc.StatusCode, int] = {
    grpc.StatusCode.INVALID_ARGUMENT: 422,
    grpc.StatusCode.OUT_OF_RANGE: 422,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.FAILED_PRECONDITION: 409,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 503,
}
TITLES = {
    400: "Bad request",
    401: "Unauthenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Invalid request",
    429: "Too many requests",
    500: "Internal error",
    503: "Service unavailable",
}
SLUGS = {
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    409: "conflict",
    412: "precondition-failed",
    422: "invalid-request",
    429: "rate-limited",
    500: "internal",
    503: "unavailable",
}


class ServiceUnavailable(Exception):
    """A service is known to be down (its circuit is open): answer at once."""

    def __init__(self, target: str, retry_after: int) -> None:
        super().__init__(f"the {target} service is unavailable")
        self.target = target
        self.retry_after = retry_after


class PreconditionFailed(Exception):
    """An If-Match named a version the resource has moved past (raised by the gateway's
    own stores; a service says so with the runtime's StaleVersion, mapped alike)."""

    def __init__(self, current_version: int) -> None:
        super().__init__(f"the resource changed since it was read (now version {current_version})")
        self.current_version = current_version


class FieldError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] = []


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "description": TITLES[status]}
    for status in (401, 403, 404, 413, 422, 429, 500, 503)
}
# Routes that can remove a tenant's last admin credential refuse to (identity/admins.py).
LAST_ADMIN: dict[int | str, dict[str, Any]] = {
    409: {"model": Problem, "description": "It would remove the last admin credential"}
}
# For routes that need no credential: nothing to forbid, no resource to miss.
PUBLIC_PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "description": TITLES[status]}
    for status in (401, 413, 422, 429, 500, 503)
}


def problem(
    status: int,
    detail: str,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = Problem(
        type=TYPE_BASE + SLUGS.get(status, "error"),
        title=TITLES.get(status, "Error"),
        status=status,
        detail=detail,
        errors=errors or [],
    )
    return JSONResponse(body.model_dump(), status_code=status, media_type=PROBLEM, headers=headers)


def _field_of(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


async def on_validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = []
    for err in exc.errors():
        field = _field_of(tuple(err.get("loc", ())))
        message = "unknown field" if err.get("type") == "extra_forbidden" else str(err.get("msg"))
        errors.append(FieldError(field=field, message=message))
    summary = "; ".join(f"{e.field}: {e.message}" for e in errors)
    return problem(422, f"the request breaks {len(errors)} rule(s): {summary}", errors)


def _allowed_methods(request: Request) -> str:
    """Every method the path supports: routes of one path are separate objects, and the
    router's 405 names only the first one's."""
    path = request.url.path
    found: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        regex = getattr(route, "path_regex", None)
        if regex is not None and regex.match(path):
            found.update(route.methods or ())
    return ", ".join(sorted(found))


async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
    return problem(exc.status_code, str(exc.detail), headers=headers)


async def on_grpc_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, grpc.aio.AioRpcError)
    code = exc.code()
    current = stale_version(exc) if code is grpc.StatusCode.ABORTED else None
    if current is not None:  # the If-Match the route passed on was stale
        return await on_precondition_failed(_request, PreconditionFailed(current))
    status = GRPC_TO_HTTP.get(code, 500)
    if status == 500:
        log.error("service call failed: %s %s", code, exc.details())
        return problem(500, "the request could not be completed")
    if status == 503:
        return problem(503, "a service is unavailable; retry shortly", headers={"Retry-After": "1"})
    errors = [FieldError(field=v.field, message=v.description) for v in field_violations(exc)]
    return problem(status, exc.details() or TITLES[status], errors)


async def on_service_unavailable(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceUnavailable)
    return problem(
        503,
        f"{exc}; retry in {exc.retry_after} s",
        headers={"Retry-After": str(exc.retry_after)},
    )


async def on_precondition_failed(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PreconditionFailed)
    tag = etag(exc.current_version)
    return problem(
        412, f"{exc}; read it again, then retry with If-Match: {tag}", headers={"ETag": tag}
    )


async def on_domain_error(_request: Request, exc: Exception) -> JSONResponse:
    """The gateway's own stores raise the runtime's domain errors, mapped like the
    services' errors so that one rule decides the status of a broken rule."""
    assert isinstance(exc, DomainError)
    status = GRPC_TO_HTTP.get(code_for(exc), 500)
    if status == 500:
        log.error("unmapped domain error: %s", exc.message)
        return problem(500, "the request could not be completed")
    # ValidationFailed names its fields; so may another rule (the last admin credential).
    errors = [
        FieldError(field=v.field, message=v.description) for v in getattr(exc, "violations", [])
    ]
    return problem(status, exc.message, errors)


async def on_store_unavailable(_request: Request, exc: Exception) -> JSONResponse:
    """Redis or MongoDB out of reach: a moment's outage, not a bug in the request."""
    log.error("a store is unreachable: %s", exc)
    return problem(503, "a store is unavailable; retry shortly", headers={"Retry-After": "1"})


async def on_unexpected_error(_request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return problem(500, "the request could not be completed")


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(grpc.aio.AioRpcError, on_grpc_error)
    app.add_exception_handler(DomainError, on_domain_error)
    app.add_exception_handler(ServiceUnavailable, on_service_unavailable)
    app.add_exception_handler(PreconditionFailed, on_precondition_failed)
    app.add_exception_handler(RedisError, on_store_unavailable)
    app.add_exception_handler(ConnectionFailure, on_store_unavailable)
    app.add_exception_handler(Exception, on_unexpected_error)
