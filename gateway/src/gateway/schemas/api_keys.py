"""API keys on the REST side: what an admin sends to issue one and what is shown of it
(never the secret, except in the answer that issues it)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from gateway.conventions.bodies import RequestBody
from gateway.identity.api_keys import KeyInfo
from gateway.schemas.users import Role

SCOPE = r"^(\*|[a-z_0-9]+:(\*|[a-z_0-9]+))$"


class KeyCreate(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "金蝶 ERP 回款同步",
                    "roles": ["finance"],
                    "scopes": ["receipt:record", "receivable:read"],
                    "expires_at": "2027-12-31T00:00:00Z",
                    "team_id": "",
                }
            ]
        },
    )

    name: str = Field(min_length=1, max_length=100, description="What the key is for")
    roles: list[Role] = Field(min_length=1, max_length=9)
    scopes: list[Annotated[str, Field(max_length=64, pattern=SCOPE)]] = Field(
        default_factory=lambda: ["*"],
        min_length=1,
        max_length=100,
        description="Actions the key may use (`*`, `lead:*`, `lead:create`); its roles still apply",
    )
    expires_at: datetime | None = Field(
        None, strict=False, description="After this instant the key is refused"
    )
    team_id: str = Field("", max_length=64)


class KeyOut(BaseModel):
    id: str
    name: str
    user_id: str = Field(description="The principal the key acts as")
    roles: list[str]
    scopes: list[str]
    data_scope: str
    team_id: str
    created_at: datetime
    expires_at: datetime | None
    revoked: bool


class IssuedKeyOut(KeyOut):
    token: str = Field(description="The secret: shown in this answer only, store it now")


class KeyPage(BaseModel):
    items: list[KeyOut]
    next_cursor: str


def key_out(info: KeyInfo) -> KeyOut:
    return KeyOut(
        id=info.id,
        name=info.name,
        user_id=info.user_id,
        roles=list(info.roles),
        scopes=list(info.scopes),
        data_scope=info.data_scope,
        team_id=info.team_id,
        created_at=info.created_at,
        expires_at=info.expires_at,
        revoked=info.revoked,
    )
