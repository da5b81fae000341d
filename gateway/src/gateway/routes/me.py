"""/v1/me, /v1/tenant, /v1/roles: who am I, my tenant and its limits, what roles mean."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from crm_runtime.errors import FieldViolation, NotFound, ValidationFailed
from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from gateway.authz import MATRIX, ROLE_SCOPES, ROLES, actions_of, within_scopes
from gateway.context import context
from gateway.guard import authorize
from gateway.identity.caller import Caller
from gateway.identity.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    check_policy,
    hash_password,
    verify_password,
)
from gateway.identity.signin import SignIn
from gateway.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1", tags=["identity"], responses=PROBLEM_RESPONSES)


class Me(BaseModel):
    tenant_id: str
    user_id: str
    roles: list[str]
    data_scope: str = Field(description="own, team or all: which records the services show")
    team_id: str
    credential_kind: str = Field(description="user (access token) or api_key")
    credential_id: str
    scopes: list[str] = Field(description="Actions an API key is limited to; `*` for people")
    actions: list[str] = Field(description="Every action this credential may perform")


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


class PasswordChange(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [
                {
                    "current_password": "correct horse battery",
                    "new_password": "staple 7 violet tides",
                }
            ]
        },
    )

    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=MIN_LENGTH, max_length=MAX_LENGTH)


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


class TenantOut(BaseModel):
    id: str
    name: str
    plan: str
    credential_rate: float = Field(description="Requests per second per API key or person")
    credential_burst: int
    tenant_rate: float = Field(description="Requests per second for the whole tenant")
    tenant_burst: int
    created_at: datetime


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


class RoleOut(BaseModel):
    role: str
    data_scope: str
    actions: list[str]


class Roles(BaseModel):
    roles: list[RoleOut]
    actions: list[str]


@router.get("/roles", response_model=Roles, summary="Every role, its data scope and actions")
async def roles(_caller: Annotated[Caller, Depends(authorize("role:read"))]) -> Roles:
    return Roles(
        roles=[RoleOut(role=r, data_scope=ROLE_SCOPES[r], actions=actions_of([r])) for r in ROLES],
        actions=sorted(MATRIX),
    )
