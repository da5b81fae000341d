"""Sales teams and their managers."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from gateway.conventions.bodies import RequestBody
from gateway.identity.teams import Team
from gateway.schemas.mapping import from_record


class TeamCreate(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "华东大客户组", "manager_id": ""}]}
    )

    name: str = Field(min_length=1, max_length=100)
    manager_id: str = Field("", max_length=64, description="A user of the tenant; empty: none")


class TeamUpdate(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "华东一组"}]})

    name: str | None = Field(None, min_length=1, max_length=100)
    manager_id: str | None = Field(None, max_length=64)


class TeamOut(BaseModel):
    id: str
    name: str
    manager_id: str
    member_ids: list[str] = Field(description="Up to 200 members, oldest first")
    created_at: datetime
    updated_at: datetime
    version: int = Field(description="Also the ETag; send it back in If-Match")


class TeamPage(BaseModel):
    items: list[TeamOut]
    next_cursor: str


def team_out(team: Team, member_ids: list[str] | None = None) -> TeamOut:
    return from_record(TeamOut, team, member_ids=member_ids or [])
