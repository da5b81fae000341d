"""Accounts (客户): the fields sent and answered, the duplicate check's matches, and
their mapping to and from crm.opportunity.v1."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from crm.opportunity.v1 import opportunity_pb2 as pb
from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field

from gateway.conventions.bodies import RequestBody
from gateway.schemas.mapping import from_proto
from gateway.schemas.values import (
    SALES_CUSTOM_FIELDS,
    CustomOut,
    SalesCustomIn,
    custom_fields_in,
    enum_number,
    output_enum,
    proto_enum,
)

AccountId = Annotated[str, Path(min_length=1, max_length=64, description="The account's id")]


ManualTier = Literal["", "high", "medium", "low", "strategic"]


TIER = "ACCOUNT_TIER_"


EXAMPLE: dict[str, Any] = {
    "name": "上海云图科技有限公司",
    "unified_social_credit_code": "91350100M000100Y43",
    "industry": "软件",
    "region": "上海",
    "phone": "021-6888 8888",
    "tags": ["重点客户"],
    "custom_fields": {"employees": 320},
}


class AccountFields(RequestBody):
    name: str = Field("", max_length=200)
    unified_social_credit_code: str = Field(
        "", max_length=32, description="统一社会信用代码, 18 characters"
    )
    industry: str = Field("", max_length=100)
    region: str = Field("", max_length=100)
    address: str = Field("", max_length=500)
    phone: str = Field("", max_length=32)
    website: str = Field("", max_length=255)
    owner_id: str = Field("", max_length=64, description="empty: the caller")
    team_id: str = Field(
        "", max_length=64, description="empty: the caller's team when the caller owns it"
    )
    tier: ManualTier = Field("", description="by hand; dormant is set by the dormancy check")
    tags: list[Annotated[str, Field(max_length=50)]] = Field(default_factory=list, max_length=20)
    notes: str = Field("", max_length=4000)
    custom_fields: SalesCustomIn = SALES_CUSTOM_FIELDS


class AccountCreate(AccountFields):
    """A new account; one of the same normalised name or credit code in the tenant is 409."""

    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE]})
    name: str = Field(max_length=200, description="required")


class AccountPatch(AccountFields):
    """Only the fields sent change; `If-Match` (the ETag) makes a stale edit 412
    instead of overwriting someone else's."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"industry": "智能制造", "tier": "strategic"}]},
    )


def account_input(body: AccountFields) -> pb.AccountInput:
    values = body.model_dump(exclude={"tier", "custom_fields"})
    return pb.AccountInput(
        **values,
        tier=enum_number(pb.AccountTier, TIER, body.tier),
        custom_fields=custom_fields_in(body.custom_fields),
    )


class AccountOut(BaseModel):
    id: str
    name: str
    normalized_name: str = Field(description="what duplicates are matched on")
    unified_social_credit_code: str
    industry: str
    region: str
    address: str
    phone: str = Field(description="E.164")
    website: str
    owner_id: str
    team_id: str
    tier: str = proto_enum(pb.AccountTier, "dormant is set by the dormancy check")
    tier_reason: str
    tags: list[str]
    notes: str
    custom_fields: CustomOut
    source_lead_id: str
    source: str
    last_activity_at: datetime | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int = Field(description="Also the ETag; send it back in If-Match")


class AccountPage(BaseModel):
    items: list[AccountOut]
    next_cursor: str


def account_out(a: pb.Account) -> AccountOut:
    return from_proto(AccountOut, a)


class AccountDuplicateOut(BaseModel):
    account_id: str
    name: str
    owner_id: str
    matched_on: str = output_enum(["name", "credit_code"], "the name is matched normalised")


class Duplicates(BaseModel):
    matches: list[AccountDuplicateOut]
