"""/v1/accounts: customers (客户) with the duplicate check on the normalised name and
the unified social credit code, edits with a version check, lists and search, and
follow-ups on an account (OpportunityService over gRPC)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from crm.common.v1 import common_pb2
from crm.opportunity.v1 import opportunity_pb2 as pb
from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from gateway.crm_values import (
    STALE,
    SalesCustomField,
    customs_out,
    customs_to_proto,
    enum_number,
    enum_text,
    instant,
)
from gateway.dependencies import CallOptions, OpportunityClient
from gateway.etag import set_etag
from gateway.guard import authorize
from gateway.identity.caller import Caller
from gateway.paging import DEFAULT, Cursor, Limit
from gateway.problems import PROBLEM_RESPONSES

router = APIRouter(tags=["accounts"], responses=PROBLEM_RESPONSES)
AccountId = Annotated[str, Path(min_length=1, max_length=64, description="The account's id")]
Tier = Literal["high", "medium", "low", "dormant", "strategic"]
ManualTier = Literal["", "high", "medium", "low", "strategic"]
Many = Query(default_factory=list, max_length=20)
TIER = "ACCOUNT_TIER_"
EXAMPLE: dict[str, Any] = {
    "name": "上海云图科技有限公司",
    "unified_social_credit_code": "91350100M000100Y43",
    "industry": "软件",
    "region": "上海",
    "phone": "021-6888 8888",
    "tags": ["重点客户"],
    "custom_fields": [{"key": "employees", "kind": "number", "value": "320"}],
}


class AccountFields(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

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
    custom_fields: list[SalesCustomField] = Field(default_factory=list, max_length=50)


class AccountCreate(AccountFields):
    """A new account; one of the same normalised name or credit code in the tenant is 409."""

    model_config = ConfigDict(
        extra="forbid", strict=True, json_schema_extra={"examples": [EXAMPLE]}
    )
    name: str = Field(max_length=200, description="required")


class AccountPatch(AccountFields):
    """Only the fields sent change; `expected_version` (from the ETag) makes a stale
    edit 409 instead of overwriting someone else's."""

    model_config = ConfigDict(
        extra="forbid", strict=True,
        json_schema_extra={"examples": [{"industry": "智能制造", "tier": "strategic", "expected_version": 1}]},
    )  # fmt: skip
    expected_version: int = Field(0, ge=0, description="0: no check")


def account_input(body: AccountFields) -> pb.AccountInput:
    values = body.model_dump(exclude={"expected_version", "tier", "custom_fields"})
    return pb.AccountInput(
        **values,
        tier=enum_number(pb.AccountTier, TIER, body.tier),
        custom_fields=customs_to_proto(body.custom_fields),
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
    tier: str = Field(description="high, medium, low, dormant, strategic, or empty")
    tier_reason: str
    tags: list[str]
    notes: str
    custom_fields: list[SalesCustomField]
    source_lead_id: str
    source: str
    last_activity_at: datetime | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int = Field(description="also the ETag; send it back as expected_version")


class AccountPage(BaseModel):
    items: list[AccountOut]
    next_cursor: str


def account_out(a: pb.Account) -> AccountOut:
    return AccountOut(
        id=a.id, name=a.name, normalized_name=a.normalized_name,
        unified_social_credit_code=a.unified_social_credit_code, industry=a.industry,
        region=a.region, address=a.address, phone=a.phone, website=a.website, owner_id=a.owner_id,
        team_id=a.team_id, tier=enum_text(pb.AccountTier, a.tier, TIER), tier_reason=a.tier_reason,
        tags=list(a.tags), notes=a.notes, custom_fields=customs_out(a.custom_fields),
        source_lead_id=a.source_lead_id, source=a.source,
        last_activity_at=instant(a, "last_activity_at"), created_by=a.created_by,
        created_at=a.created_at.ToDatetime(tzinfo=UTC), updated_at=a.updated_at.ToDatetime(tzinfo=UTC),
        version=a.version,
    )  # fmt: skip


@router.post(
    "/v1/accounts", status_code=201, response_model=AccountOut, summary="Create an account"
)
async def create_account(
    body: AccountCreate,
    caller: Annotated[Caller, Depends(authorize("account:create"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
    response: Response,
) -> AccountOut:
    """A credit code is checked against its check character (GB 32100-2015); an account
    of the same normalised name or code in the tenant answers 409 naming it."""
    reply = await opportunity_service.CreateAccount(
        pb.CreateAccountRequest(account=account_input(body)), **options
    )
    set_etag(response, reply.account.version)
    response.headers["Location"] = f"/v1/accounts/{reply.account.id}"
    return account_out(reply.account)


@router.get("/v1/accounts", response_model=AccountPage, summary="List and search accounts")
async def list_accounts(
    caller: Annotated[Caller, Depends(authorize("account:read"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
    owner_id: Annotated[list[str], Many],
    team_id: Annotated[list[str], Many],
    tier: Annotated[list[Tier], Many],
    industry: Annotated[list[str], Many],
    region: Annotated[list[str], Many],
    tag: Annotated[list[str], Many],
    q: Annotated[str, Query(max_length=100, description="name (Chinese too) or credit code")] = "",
    sort: Annotated[Literal["-created_at", "created_at", "name", "-name"], Query()] = "-created_at",
    limit: Limit = DEFAULT,
    cursor: Cursor = "",
) -> AccountPage:
    """A rep sees their own accounts, a manager the team's, other roles all."""
    filter_ = pb.AccountFilter(
        owner_ids=owner_id, team_ids=team_id, tiers=[enum_number(pb.AccountTier, TIER, t) for t in tier],
        industries=industry, regions=region, tags=tag, text=q,
    )  # fmt: skip
    reply = await opportunity_service.ListAccounts(
        pb.ListAccountsRequest(
            filter=filter_, sort=sort, page=common_pb2.PageRequest(limit=limit, cursor=cursor)
        ),
        **options,
    )
    return AccountPage(
        items=[account_out(a) for a in reply.accounts], next_cursor=reply.page.next_cursor
    )


@router.get(
    "/v1/accounts/{account_id}", response_model=AccountOut, summary="Read one account (ETag)"
)
async def get_account(
    account_id: AccountId,
    caller: Annotated[Caller, Depends(authorize("account:read"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
    response: Response,
) -> AccountOut:
    reply = await opportunity_service.GetAccount(pb.GetAccountRequest(id=account_id), **options)
    set_etag(response, reply.account.version)
    return account_out(reply.account)


@router.patch(
    "/v1/accounts/{account_id}",
    response_model=AccountOut,
    summary="Change an account",
    responses=STALE,
)
async def update_account(
    account_id: AccountId,
    body: AccountPatch,
    caller: Annotated[Caller, Depends(authorize("account:update"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
    response: Response,
) -> AccountOut:
    """The fields sent change, the others stay; with `expected_version`, a change made
    meanwhile by someone else answers 409."""
    mask = sorted(body.model_fields_set - {"expected_version"})
    reply = await opportunity_service.UpdateAccount(
        pb.UpdateAccountRequest(
            id=account_id,
            account=account_input(body),
            update_mask=mask,
            expected_version=body.expected_version,
        ),
        **options,
    )
    set_etag(response, reply.account.version)
    return account_out(reply.account)


class AccountDuplicateOut(BaseModel):
    account_id: str
    name: str
    owner_id: str
    matched_on: str = Field(description="name (normalised) or credit_code")


class Duplicates(BaseModel):
    matches: list[AccountDuplicateOut]


@router.get(
    "/v1/account-duplicates",
    response_model=Duplicates,
    summary="Check a name or code for duplicates",
)
async def check_duplicates(
    caller: Annotated[Caller, Depends(authorize("account:read"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
    name: Annotated[str, Query(max_length=200, description="matched after normalising")] = "",
    unified_social_credit_code: Annotated[str, Query(max_length=32)] = "",
) -> Duplicates:
    """Accounts of the caller's tenant with the same normalised name or credit code
    (another tenant's accounts never match)."""
    reply = await opportunity_service.CheckAccountDuplicates(
        pb.CheckAccountDuplicatesRequest(
            name=name, unified_social_credit_code=unified_social_credit_code
        ),
        **options,
    )
    return Duplicates(
        matches=[
            AccountDuplicateOut(
                account_id=m.account_id, name=m.name, owner_id=m.owner_id, matched_on=m.matched_on
            )
            for m in reply.matches
        ]
    )
