"""/v1/users: tenant admins manage their people; managers read their team.

Users are deactivated rather than deleted. Deactivating someone ends their sessions
and revokes the API keys that act as them; the tenant's last admin credential is never
deactivated or stripped of the role (409, identity/admins.py). Updates honour If-Match (etag.py).
"""

from __future__ import annotations

from typing import Annotated, Any, get_args

from crm_runtime.errors import FieldViolation, NotFound, ValidationFailed
from fastapi import APIRouter, Depends, Path, Query, Request, Response

from gateway.access.authz import ROLES
from gateway.access.guard import authorize
from gateway.context import context
from gateway.conventions.etag import IfMatch, expected_version, set_etag
from gateway.conventions.paging import DEFAULT, Cursor, Limit
from gateway.conventions.problems import LAST_ADMIN, PROBLEM_RESPONSES
from gateway.identity.caller import Caller
from gateway.identity.passwords import check_policy, hash_password
from gateway.identity.teams import check_team
from gateway.identity.users import User, check_roles
from gateway.schemas.users import Role, UserCreate, UserOut, UserPage, UserUpdate, user_out

router = APIRouter(prefix="/v1/users", tags=["users"], responses=PROBLEM_RESPONSES)
UserId = Annotated[str, Path(min_length=1, max_length=64, description="The user's id")]
assert set(get_args(Role)) == set(ROLES)  # the document's enum is the matrix's roles


def _visible(caller: Caller, user: User) -> bool:
    """Managers (data scope `team`) see their team; `own` sees only themselves."""
    scope, principal = caller.principal.scope, caller.principal
    if scope == "all":
        return True
    if scope == "team" and principal.team_id:
        return user.team_id == principal.team_id or user.id == principal.user_id
    return user.id == principal.user_id


@router.post("", status_code=201, response_model=UserOut, summary="Add a person to the tenant")
async def create_user(
    body: UserCreate,
    caller: Annotated[Caller, Depends(authorize("user:manage"))],
    request: Request,
    response: Response,
) -> UserOut:
    ctx = context(request)
    check_policy(body.password)
    await check_team(ctx, caller.tenant_id, body.team_id)
    user = await ctx.users(caller.tenant_id).create(
        body.email, body.display_name, body.roles, body.team_id, await hash_password(body.password)
    )
    set_etag(response, user.version)
    response.headers["Location"] = f"/v1/users/{user.id}"
    return user_out(user)


@router.get("", response_model=UserPage, summary="List people, oldest first")
async def list_users(
    caller: Annotated[Caller, Depends(authorize("user:read"))],
    request: Request,
    team_id: Annotated[str, Query(max_length=64, description="Only this team's members")] = "",
    limit: Limit = DEFAULT,
    cursor: Cursor = "",
) -> UserPage:
    principal = caller.principal
    filter_: dict[str, Any] = {"team_id": team_id} if team_id else {}
    if principal.scope == "team" and principal.team_id:
        filter_["team_id"] = principal.team_id
    elif principal.scope != "all":
        filter_["_id"] = principal.user_id
    users, next_cursor = await context(request).users(caller.tenant_id).page(filter_, limit, cursor)
    return UserPage(items=[user_out(u) for u in users], next_cursor=next_cursor)


@router.get("/{user_id}", response_model=UserOut, summary="Read one person (ETag)")
async def get_user(
    user_id: UserId,
    caller: Annotated[Caller, Depends(authorize("user:read"))],
    request: Request,
    response: Response,
) -> UserOut:
    user = await context(request).users(caller.tenant_id).get(user_id)
    if not _visible(caller, user):
        raise NotFound(f"user {user_id} not found")
    set_etag(response, user.version)
    return user_out(user)


@router.patch(
    "/{user_id}",
    response_model=UserOut,
    summary="Change a person (If-Match)",
    responses=LAST_ADMIN,
)
async def update_user(
    user_id: UserId,
    body: UserUpdate,
    caller: Annotated[Caller, Depends(authorize("user:manage"))],
    request: Request,
    response: Response,
    if_match: IfMatch = None,
) -> UserOut:
    ctx = context(request)
    users = ctx.users(caller.tenant_id)
    expected = expected_version(if_match)
    current = await users.get(user_id)  # 404 before any rule about the body
    changes: dict[str, Any] = body.model_dump(exclude_none=True, exclude={"password"})
    if "roles" in changes:
        changes["roles"] = list(check_roles(changes["roles"]))
    if "team_id" in changes:
        await check_team(ctx, caller.tenant_id, changes["team_id"])
    if user_id == caller.principal.user_id and (
        changes.get("active") is False or ("roles" in changes and "admin" not in changes["roles"])
    ):
        raise ValidationFailed([FieldViolation("roles", "admins cannot lock themselves out")])
    await ctx.keys.check_user_change(caller.tenant_id, current, body.active, changes.get("roles"))
    if body.password is not None:
        check_policy(body.password)
        changes["password_hash"] = await hash_password(body.password)
    user = await users.update(user_id, changes, expected)
    if body.password is not None or body.active is False:
        await ctx.refresh_tokens.revoke_user(caller.tenant_id, user_id)
    if body.active is False:
        await ctx.keys.revoke_user(caller.tenant_id, user_id)
    set_etag(response, user.version)
    return user_out(user)
