"""/v1/audit-log: every write of the tenant, newest first, filtered and paged."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from gateway.access.guard import authorize
from gateway.context import context
from gateway.conventions.instants import instant_query, parse_instant
from gateway.conventions.paging import DEFAULT, Cursor, Limit
from gateway.conventions.problems import PROBLEM_RESPONSES
from gateway.identity.caller import Caller
from gateway.schemas.audit_log import AuditEntryOut, AuditPage

router = APIRouter(prefix="/v1/audit-log", tags=["audit"], responses=PROBLEM_RESPONSES)


@router.get("", response_model=AuditPage, summary="Who did what, when, with which credential")
async def audit_log(
    caller: Annotated[Caller, Depends(authorize("audit:read"))],
    request: Request,
    actor_id: Annotated[str, Query(max_length=64, description="Only this actor")] = "",
    action: Annotated[str, Query(max_length=64, description="Only this action")] = "",
    at_from: Annotated[str | None, instant_query("From this instant, inclusive (RFC 3339)")] = None,
    at_to: Annotated[str | None, instant_query("Up to this instant, inclusive (RFC 3339)")] = None,
    limit: Limit = DEFAULT,
    cursor: Cursor = "",
) -> AuditPage:
    filters = {"actor_id": actor_id, "action": action}
    entries, next_cursor = await context(request).audit.page(
        caller.tenant_id,
        filters,
        parse_instant("at_from", at_from),
        parse_instant("at_to", at_to),
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
