"""What a POST that creates answers besides its body (docs/api.md, "Changing"): 201 with
`Location: /v1/<things>/{id}`, or 202 with the job's Location for work that finishes
later, and the new resource's ETag when it is versioned. The OpenAPI document declares
the Location header on every 201 and 202 (openapi.py)."""

from __future__ import annotations

from fastapi import Response

from gateway.conventions.etag import set_etag


def created(response: Response, location: str, version: int | None = None) -> None:
    response.headers["Location"] = location
    if version is not None:
        set_etag(response, version)
