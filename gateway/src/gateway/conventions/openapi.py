"""The OpenAPI document: every error documented as problem+json, with what the route
guard adds to each operation (its action and the roles that may perform it, 403, 429
with its headers, the Idempotency-Key header and 409 on POST, 412 with If-Match), and
the response headers each answer carries, declared by rule rather than route by route."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import RouteContext

from gateway.access.authz import roles_for
from gateway.access.guard import action_of, api_routes, is_public
from gateway.conventions.problems import PROBLEM
from gateway.traffic.idempotency import HEADER

PROBLEM_REF = "#/components/schemas/Problem"
_INT = {"schema": {"type": "integer", "minimum": 0}}
RATE_HEADERS = {
    "RateLimit-Limit": {"description": "Requests the tightest bucket holds", **_INT},
    "RateLimit-Remaining": {"description": "Requests left in it now", **_INT},
    "RateLimit-Reset": {"description": "Seconds until it is full again", **_INT},
}
IDEMPOTENCY_PARAMETER = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": (
        "Makes the POST safe to retry for 24 h: the same key with the same body replays "
        "the first answer (header `Idempotent-Replayed: true`); with another body it is "
        "refused 422; while the first is still running, 409."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
    "example": "5f0c6d1e-erp-receipt-20261124-0001",
}


LOCATION = {
    "description": "Where the new resource (or the job) is read: /v1/<things>/{id}",
    "required": True,
    "schema": {"type": "string"},
}
# Creating POSTs answered without Location, each for its reason.
NO_LOCATION = {
    "/v1/forms/{form_key}/leads": "a public form's answer never names the lead (ADR 15)",
}
_TEXT = {"schema": {"type": "string"}}
ETAG = {"description": 'The version of the resource answered, e.g. `"3"`', **_TEXT}
RETRY_AFTER = {"description": "Seconds to wait before trying again", **_INT}
REPLAYED = {
    "description": "Present on an answer replayed for a repeated Idempotency-Key",
    "schema": {"type": "string", "enum": ["true"]},
}
REQUEST_ID = {"description": "The request's id (the caller's X-Request-Id, or a new one)", **_TEXT}
TRACEPARENT = {
    "description": "The W3C trace context of the request's trace, to quote in a support ticket",
    **_TEXT,
}


def _takes_if_match(operation: dict[str, Any]) -> bool:
    return any(p.get("name") == "If-Match" for p in operation.get("parameters", []))


def _versioned(response: dict[str, Any], schemas: dict[str, Any]) -> bool:
    """Whether the response's body is a versioned resource (has a `version`)."""
    ref = response.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")
    if not ref:
        return False
    schema = schemas.get(ref.rsplit("/", 1)[-1], {})
    return "version" in schema.get("properties", {})


def _declare_headers(
    operation: dict[str, Any], method: str, schemas: dict[str, Any], versioned_path: bool
) -> None:
    """The response headers the gateway sends, declared once for every operation by the
    rule that sends them: X-Request-Id and traceparent on every answer; RateLimit-* on
    every answer of a rate-limited route; ETag on a versioned resource, and on the reads
    and changes of a path whose changes take If-Match (a whole set: settings, rules)
    (Location on 201 and 202 is declared with the guard's annotations, which know the
    routes that answer without); Idempotent-Replayed on a POST's successes; Retry-After
    on 409 of a POST (the key is still in use), 429 and 503."""
    limited = "x-crm-action" in operation
    idempotent = any(p.get("name") == HEADER for p in operation.get("parameters", []))
    versioned_set = versioned_path and (method == "get" or _takes_if_match(operation))
    for status, response in operation.get("responses", {}).items():
        headers: dict[str, Any] = {"X-Request-Id": REQUEST_ID, "traceparent": TRACEPARENT}
        if limited:
            headers.update(RATE_HEADERS)
        answers_body = status.startswith("2") and status != "204"
        if answers_body and (_versioned(response, schemas) or versioned_set):
            headers["ETag"] = ETAG
        if status.startswith("2") and idempotent:
            headers["Idempotent-Replayed"] = REPLAYED
        if status in ("429", "503") or (status == "409" and method == "post"):
            headers["Retry-After"] = RETRY_AFTER
        response["headers"] = {**headers, **response.get("headers", {})}


def _problem(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {PROBLEM: {"schema": {"$ref": PROBLEM_REF}}},
    }
    if headers:
        response["headers"] = headers
    return response


def _problem_content(response: dict[str, Any]) -> None:
    content = response.get("content", {})
    json_body = content.get("application/json")
    if json_body and json_body.get("schema", {}).get("$ref") == PROBLEM_REF:
        content[PROBLEM] = content.pop("application/json")


def _annotate(operation: dict[str, Any], route: RouteContext, method: str) -> None:
    action = action_of(route)
    if action is None:
        return
    operation["x-crm-action"] = action
    responses = operation.setdefault("responses", {})
    for status in ("201", "202"):
        if status in responses and route.path not in NO_LOCATION:
            responses[status].setdefault("headers", {})["Location"] = LOCATION
    if "requestBody" in operation:
        responses["400"] = _problem("The body could not be read (not UTF-8 text)")
    responses["429"] = _problem(
        "Rate limit spent",
        {
            "Retry-After": {**RETRY_AFTER, "required": True},
            **RATE_HEADERS,
        },
    )
    if is_public(route):
        if method == "post" and not action.startswith("auth:"):  # a web form, keyed per form
            operation.setdefault("parameters", []).append(IDEMPOTENCY_PARAMETER)
            responses.setdefault("409", _problem("The Idempotency-Key is still in use"))
        return
    operation["x-crm-roles"] = roles_for(action)
    responses["403"] = _problem("The credential's roles or scopes do not allow this action")
    if method == "post":
        operation.setdefault("parameters", []).append(IDEMPOTENCY_PARAMETER)
        responses.setdefault("409", _problem("Conflict, or the Idempotency-Key is still in use"))
    if _takes_if_match(operation):
        responses["412"] = _problem(
            "If-Match names an older version",
            {"ETag": {"description": "The current version", "schema": {"type": "string"}}},
        )


def _headers_are_strings(operation: dict[str, Any]) -> None:
    """An optional header is absent or a string, never JSON null: FastAPI documents
    `str | None` as anyOf [string, null], which a client (and a fuzzer) then sends as
    the text "null". The string branch keeps its rules (length, pattern)."""
    for parameter in operation.get("parameters", []):
        schema = parameter.get("schema", {})
        if parameter.get("in") != "header" or "anyOf" not in schema:
            continue
        strings = [b for b in schema["anyOf"] if b.get("type") != "null"]
        if len(strings) == 1:
            rest = {k: v for k, v in schema.items() if k != "anyOf"}
            parameter["schema"] = {**strings[0], **rest}


def install(app: FastAPI) -> None:
    """FastAPI documents `responses={...: {"model": Problem}}` as application/json; the
    gateway answers application/problem+json, so the document says so."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            routes = {(r.path, m.lower()): r for r in api_routes(app) for m in (r.methods or ())}
            schemas = spec["components"]["schemas"]
            for path, item in spec.get("paths", {}).items():
                versioned_path = any(_takes_if_match(operation) for operation in item.values())
                for method, operation in item.items():
                    if (path, method) in routes:
                        _annotate(operation, routes[(path, method)], method)
                    _declare_headers(operation, method, schemas, versioned_path)
                    _headers_are_strings(operation)
                    for response in operation.get("responses", {}).values():
                        _problem_content(response)
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
