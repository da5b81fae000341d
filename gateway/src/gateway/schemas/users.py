"""A tenant's people: who they are, their roles and team."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from gateway.access.authz import ROLES
from gateway.conventions.bodies import RequestBody
from gateway.identity.passwords import MAX_LENGTH, MIN_LENGTH
from gateway.identity.users import EMAIL, User
from gateway.schemas.mapping import from_record

Role = Literal[
    "admin",
    "sales_director",
    "sales_manager",
    "sales_rep",
    "marketing",
    "legal",
    "finance",
    "after_sales",
    "integration",
]


class UserCreate(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "email": "li.na@acme.cn",
                    "display_name": "李娜",
                    "roles": ["sales_rep"],
                    "team_id": "",
                    "password": "correct horse battery",
                }
            ]
        }
    )

    email: str = Field(min_length=3, max_length=254, pattern=EMAIL.pattern)
    display_name: str = Field(min_length=1, max_length=100)
    roles: list[Role] = Field(min_length=1, max_length=len(ROLES))
    team_id: str = Field("", max_length=64, description="The team the person belongs to")
    password: str = Field(min_length=MIN_LENGTH, max_length=MAX_LENGTH)


class UserUpdate(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"display_name": "李娜 (华东)", "roles": ["sales_manager"]}]
        }
    )

    display_name: str | None = Field(None, min_length=1, max_length=100)
    roles: list[Role] | None = Field(None, min_length=1, max_length=len(ROLES))
    team_id: str | None = Field(None, max_length=64)
    active: bool | None = None
    password: str | None = Field(
        None, min_length=MIN_LENGTH, max_length=MAX_LENGTH, description="Reset"
    )


class UserOut(BaseModel):
    id: str
    email: str
    display_name: str
    roles: list[str]
    team_id: str
    active: bool
    created_at: datetime
    updated_at: datetime
    version: int = Field(description="Also the ETag; send it back in If-Match")


class UserPage(BaseModel):
    items: list[UserOut]
    next_cursor: str


def user_out(user: User) -> UserOut:
    return from_record(UserOut, user)
