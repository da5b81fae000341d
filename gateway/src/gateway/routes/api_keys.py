"""/v1/api-keys: tenant admins issue keys for their integrations (OA, ERP, finance),
limit them to some actions, give them an expiry, and revoke them. The secret is in the
answer to the POST and nowhere else, ever."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from crm_runtime.errors import FieldViolation, ValidationFailed
from crm_runtime.principal import Principal
from fastapi import APIRouter, Depends, Path, Request, Response

from gateway.access.authz import data_scope, valid_scope
from gateway.access.guard import authorize
from gateway.context import context
from gateway.conventions.paging import DEFAULT, Cursor, IncludeRevoked, Limit
from gateway.conventions.problems import LAST_ADMIN, PROBLEM_RESPONSES
from gateway.identity.caller import Caller
from gateway.identity.teams import check_team
from gateway.schemas.api_keys import IssuedKeyOut, KeyCreate, KeyOut, KeyPage, key_out

router = APIRouter(prefix="/v1/api-keys", tags=["api keys"], responses=PROBLEM_RESPONSES)
KeyId = Annotated[str, Path(min_length=1, max_length=64, description="The key's id")]


@router.post("", status_code=201, response_model=IssuedKeyOut, summary="Issue an API key")
async def issue_key(
    body: KeyCreate,
    caller: Annotated[Caller, Depends(authorize("api_key:manage"))],
    request: Request,
    response: Response,
) -> IssuedKeyOut:
    ctx = context(request)
    violations = [
        FieldViolation(f"scopes.{i}", "is not an action, `<resource>:*` or `*`")
        for i, scope in enumerate(body.scopes)
        if not valid_scope(scope)
    ]
    if body.expires_at is not None and (
        body.expires_at.tzinfo is None or body.expires_at <= datetime.now(UTC)
    ):
        violations.append(FieldViolation("expires_at", "must be a future instant with a zone"))
    if violations:
        raise ValidationFailed(violations)
    await check_team(ctx, caller.tenant_id, body.team_id)
    roles = tuple(dict.fromkeys(body.roles))
    principal = Principal(caller.tenant_id, "", roles, data_scope(roles), body.team_id)
    issued = await ctx.keys.issue(
        principal, body.name, body.expires_at, body.scopes, created_by=caller.principal.user_id
    )
    info = await ctx.keys.get(caller.tenant_id, issued.key_id)
    response.headers["Location"] = f"/v1/api-keys/{issued.key_id}"
    return IssuedKeyOut(**key_out(info).model_dump(), token=issued.token)


@router.get("", response_model=KeyPage, summary="List the tenant's API keys (no secrets)")
async def list_keys(
    caller: Annotated[Caller, Depends(authorize("api_key:manage"))],
    request: Request,
    limit: Limit = DEFAULT,
    cursor: Cursor = "",
    include_revoked: IncludeRevoked = False,
) -> KeyPage:
    keys, next_cursor = await context(request).keys.page(
        caller.tenant_id, limit, cursor, include_revoked
    )
    return KeyPage(items=[key_out(k) for k in keys], next_cursor=next_cursor)


@router.get("/{key_id}", response_model=KeyOut, summary="Read one API key (no secret)")
async def get_key(
    key_id: KeyId,
    caller: Annotated[Caller, Depends(authorize("api_key:manage"))],
    request: Request,
) -> KeyOut:
    return key_out(await context(request).keys.get(caller.tenant_id, key_id))


@router.delete(
    "/{key_id}",
    status_code=204,
    summary="Revoke an API key: gone for the API, kept for the audit log",
    description="The tenant's last active admin credential is never revoked: 409.",
    responses=LAST_ADMIN,
)
async def revoke_key(
    key_id: KeyId,
    caller: Annotated[Caller, Depends(authorize("api_key:manage"))],
    request: Request,
) -> Response:
    await context(request).keys.revoke(caller.tenant_id, key_id)
    return Response(status_code=204)
