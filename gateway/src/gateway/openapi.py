"""The OpenAPI document, with every error response documented as problem+json."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from gateway.problems import PROBLEM

PROBLEM_REF = "#/components/schemas/Problem"


def _problem_content(response: dict[str, Any]) -> None:
    content = response.get("content", {})
    json_body = content.get("application/json")
    if json_body and json_body.get("schema", {}).get("$ref") == PROBLEM_REF:
        content[PROBLEM] = content.pop("application/json")


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
            for path in spec.get("paths", {}).values():
                for operation in path.values():
                    for response in operation.get("responses", {}).values():
                        _problem_content(response)
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
