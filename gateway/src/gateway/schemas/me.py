"""Who the caller is, their tenant and its limits, and what each role may do."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from gateway.conventions.bodies import RequestBody
from gateway.identity.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
)


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


class PasswordChange(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "current_password": "correct horse battery",
                    "new_password": "staple 7 violet tides",
                }
            ]
        }
    )

    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=MIN_LENGTH, max_length=MAX_LENGTH)


class TenantOut(BaseModel):
    id: str
    name: str
    plan: str
    credential_rate: float = Field(description="Requests per second per API key or person")
    credential_burst: int
    tenant_rate: float = Field(description="Requests per second for the whole tenant")
    tenant_burst: int
    created_at: datetime


class RoleOut(BaseModel):
    role: str
    data_scope: str
    actions: list[str]


class Roles(BaseModel):
    roles: list[RoleOut]
    actions: list[str]
