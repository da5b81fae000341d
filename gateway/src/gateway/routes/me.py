"""/v1/me, /v1/tenant, /v1/roles: who am I, my tenant and its limits, what roles mean."""

from __future__ import annotations

from typing import Annotated

from crm_runtime.errors import FieldViolation, NotFound, ValidationFailed
from fastapi import APIRouter, Depends, HTTPException, Request, Response

from gateway.access.authz import MATRIX, ROLE_SCOPES, ROLES, actions_of, within_scopes
from gateway.access.guard import authorize
from gateway.context import context
from gateway.conventions.problems import PROBLEM_RESPONSES
from gateway.identity.caller import Caller
from gateway.identity.passwords import (
    check_policy,
    hash_password,
    verify_password,
)
from gateway.identity.signin import SignIn
from gateway.schemas.me import Me, PasswordChange, RoleOut, Roles, TenantOut

router = APIRouter(prefix="/v1", tags=["identity"], responses=PROBLEM_RESPONSES)


@router.get("/me", response_model=Me, summary="The calling credential and what it may do")
async def me(caller: Annotated[Caller, Depends(authorize("self:read"))]) -> Me:
    p = caller.principal
    return Me(
        tenant_id=p.tenant_id,
        user_id=p.user_id,
        roles=list(p.roles),
        data_scope=p.scope,
        team_id=p.team_id,
        credential_kind=caller.kind,
        credential_id=p.credential_id,
        scopes=list(caller.scopes),
        actions=[a for a in actions_of(p.roles) if within_scopes(caller.scopes, a)],
    )


@router.post(
    "/me/password",
    status_code=204,
    summary="Change my password; every session of mine ends",
)
async def change_password(
    body: PasswordChange,
    caller: Annotated[Caller, Depends(authorize("self:change_password"))],
    request: Request,
) -> Response:
    if caller.kind != "user":
        raise HTTPException(403, "only a signed-in person has a password to change")
    ctx = context(request)
    users = ctx.users(caller.tenant_id)
    check_policy(body.new_password, "new_password")
    try:
        user = await users.get(caller.principal.user_id)
    except NotFound as exc:  # signed in through an external issuer: no local password
        raise HTTPException(
            403, "this account's password is managed by its identity provider"
        ) from exc
    found = await users.credentials(user.email)
    await SignIn(ctx).limit_account(caller.tenant_id, user.email)
    if found is None or not await verify_password(found[1], body.current_password):
        raise ValidationFailed([FieldViolation("current_password", "is not the current password")])
    await users.update(user.id, {"password_hash": await hash_password(body.new_password)}, None)
    await ctx.refresh_tokens.revoke_user(caller.tenant_id, user.id)
    return Response(status_code=204)


@router.get("/tenant", response_model=TenantOut, summary="My tenant, its plan and rate limits")
async def tenant(
    caller: Annotated[Caller, Depends(authorize("tenant:read"))], request: Request
) -> TenantOut:
    found = await context(request).tenants.ensure(caller.tenant_id)
    return TenantOut(
        id=found.id,
        name=found.name,
        plan=found.plan,
        credential_rate=found.limits.credential_rate,
        credential_burst=found.limits.credential_burst,
        tenant_rate=found.limits.tenant_rate,
        tenant_burst=found.limits.tenant_burst,
        created_at=found.created_at,
    )


@router.get("/roles", response_model=Roles, summary="Every role, its data scope and actions")
async def roles(_caller: Annotated[Caller, Depends(authorize("role:read"))]) -> Roles:
    return Roles(
        roles=[RoleOut(role=r, data_scope=ROLE_SCOPES[r], actions=actions_of([r])) for r in ROLES],
        actions=sorted(MATRIX),
    )
