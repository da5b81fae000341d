"""/v1/audit-log: every write of the tenant, newest first, filtered and paged."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from gateway.context import context
from gateway.guard import authorize
from gateway.identity.caller import Caller
from gateway.instants import instant_query, parse_instant
from gateway.paging import DEFAULT, Cursor, Limit
from gateway.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/audit-log", tags=["audit"], responses=PROBLEM_RESPONSES)


class AuditEntryOut(BaseModel):
    id: str
    at: datetime
    actor_id: str = Field(description="The person or the API key's principal")
    credential_kind: str = Field(description="user, api_key or form (a public web form)")
    credential_id: str = Field(description="The API key's id, or session:<id> for a person")
    roles: list[str]
    action: str = Field(description="The action the route declares, e.g. lead:create")
    method: str
    path: str
    resource: dict[str, str] = Field(description="The ids in the path")
    status: int = Field(description="The HTTP status the write got")
    replayed: bool = Field(description="Answered from an earlier request's Idempotency-Key")
    request_id: str


class AuditPage(BaseModel):
    items: list[AuditEntryOut]
    next_cursor: str


@router.get("", response_model=AuditPage, summary="Who did what, when, with which credential")
async def audit_log(
    caller: Annotated[Caller, Depends(authorize("audit:read"))],
    request: Request,
    actor_id: Annotated[str, Query(max_length=64, description="Only this actor")] = "",
    action: Annotated[str, Query(max_length=64, description="Only this action")] = "",
    since: Annotated[str | None, instant_query("From this instant, inclusive (RFC 3339)")] = None,
    until: Annotated[str | None, instant_query("Before this instant (RFC 3339)")] = None,
    limit: Limit = DEFAULT,
    cursor: Cursor = "",
) -> AuditPage:
    filters = {"actor_id": actor_id, "action": action}
    entries, next_cursor = await context(request).audit.page(
        caller.tenant_id,
        filters,
        parse_instant("since", since),
        parse_instant("until", until),
        limit,
        cursor,
    )
    return AuditPage(
        items=[
            AuditEntryOut(
                id=e.id,
                at=e.at,
                actor_id=e.actor_id,
                credential_kind=e.credential_kind,
                credential_id=e.credential_id,
                roles=list(e.roles),
                action=e.action,
                method=e.method,
                path=e.path,
                resource=e.resource,
                status=e.status,
                replayed=e.replayed,
                request_id=e.request_id,
            )
            for e in entries
        ],
        next_cursor=next_cursor,
    )
