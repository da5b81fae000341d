"""/v1/teams: sales teams and their managers.

Naming a manager also puts them in the team: a manager's data scope is `team`, and it
would mean nothing for a team they are not part of.
"""

from __future__ import annotations

from typing import Annotated, Any

from crm_runtime.errors import FieldViolation, NotFound, ValidationFailed
from fastapi import APIRouter, Depends, Path, Request, Response

from gateway.access.guard import authorize
from gateway.context import Context, context
from gateway.conventions.etag import IfMatch, expected_version, set_etag
from gateway.conventions.paging import DEFAULT, Cursor, Limit
from gateway.conventions.problems import PROBLEM_RESPONSES
from gateway.identity.caller import Caller
from gateway.schemas.teams import TeamCreate, TeamOut, TeamPage, TeamUpdate, team_out

router = APIRouter(prefix="/v1/teams", tags=["teams"], responses=PROBLEM_RESPONSES)
TeamId = Annotated[str, Path(min_length=1, max_length=64, description="The team's id")]


async def _check_manager(ctx: Context, tenant_id: str, manager_id: str) -> None:
    if not manager_id:
        return
    try:
        manager = await ctx.users(tenant_id).get(manager_id)
    except NotFound as exc:
        raise ValidationFailed(
            [FieldViolation("manager_id", "names no user of this tenant")]
        ) from exc
    if not manager.active:
        raise ValidationFailed([FieldViolation("manager_id", "names a deactivated user")])


async def _join(ctx: Context, tenant_id: str, team_id: str, manager_id: str) -> None:
    if manager_id:
        await ctx.users(tenant_id).update(manager_id, {"team_id": team_id}, None)


async def _members(ctx: Context, tenant_id: str, team_id: str) -> list[str]:
    return [u.id for u in await ctx.users(tenant_id).members(team_id)]


@router.post("", status_code=201, response_model=TeamOut, summary="Create a team")
async def create_team(
    body: TeamCreate,
    caller: Annotated[Caller, Depends(authorize("team:manage"))],
    request: Request,
    response: Response,
) -> TeamOut:
    ctx = context(request)
    await _check_manager(ctx, caller.tenant_id, body.manager_id)
    team = await ctx.teams(caller.tenant_id).create(body.name, body.manager_id)
    await _join(ctx, caller.tenant_id, team.id, body.manager_id)
    set_etag(response, team.version)
    response.headers["Location"] = f"/v1/teams/{team.id}"
    return team_out(team, await _members(ctx, caller.tenant_id, team.id))


@router.get("", response_model=TeamPage, summary="List teams, oldest first")
async def list_teams(
    caller: Annotated[Caller, Depends(authorize("team:read"))],
    request: Request,
    limit: Limit = DEFAULT,
    cursor: Cursor = "",
) -> TeamPage:
    teams, next_cursor = await context(request).teams(caller.tenant_id).page(limit, cursor)
    return TeamPage(items=[team_out(t) for t in teams], next_cursor=next_cursor)


@router.get("/{team_id}", response_model=TeamOut, summary="Read one team and its members (ETag)")
async def get_team(
    team_id: TeamId,
    caller: Annotated[Caller, Depends(authorize("team:read"))],
    request: Request,
    response: Response,
) -> TeamOut:
    ctx = context(request)
    team = await ctx.teams(caller.tenant_id).get(team_id)
    set_etag(response, team.version)
    return team_out(team, await _members(ctx, caller.tenant_id, team.id))


@router.patch("/{team_id}", response_model=TeamOut, summary="Rename a team or change its manager")
async def update_team(
    team_id: TeamId,
    body: TeamUpdate,
    caller: Annotated[Caller, Depends(authorize("team:manage"))],
    request: Request,
    response: Response,
    if_match: IfMatch = None,
) -> TeamOut:
    ctx = context(request)
    teams = ctx.teams(caller.tenant_id)
    expected = expected_version(if_match)
    await teams.get(team_id)  # 404 before any rule about the body
    changes: dict[str, Any] = body.model_dump(exclude_none=True)
    if "manager_id" in changes:
        await _check_manager(ctx, caller.tenant_id, changes["manager_id"])
    team = await teams.update(team_id, changes, expected)
    await _join(ctx, caller.tenant_id, team.id, changes.get("manager_id", ""))
    set_etag(response, team.version)
    return team_out(team, await _members(ctx, caller.tenant_id, team.id))
