"""/v1/accounts: customers (客户) with the duplicate check on the normalised name and
the unified social credit code, edits with a version check, lists and search, and
follow-ups on an account (OpportunityService over gRPC)."""

from __future__ import annotations

from typing import Annotated, Literal

from crm.common.v1 import common_pb2
from crm.opportunity.v1 import opportunity_pb2 as pb
from fastapi import APIRouter, Depends, Query, Response

from gateway.access.guard import authorize
from gateway.conventions.etag import IfMatch, if_match_version, set_etag
from gateway.conventions.paging import DEFAULT, Cursor, Limit, Many, Value
from gateway.conventions.problems import PROBLEM_RESPONSES
from gateway.dependencies import CallOptions, OpportunityClient
from gateway.identity.caller import Caller
from gateway.schemas.accounts import (
    TIER,
    AccountCreate,
    AccountDuplicateOut,
    AccountId,
    AccountOut,
    AccountPage,
    AccountPatch,
    Duplicates,
    account_input,
    account_out,
)
from gateway.schemas.values import (
    STALE,
    enum_number,
)

router = APIRouter(tags=["accounts"], responses=PROBLEM_RESPONSES)
Tier = Literal["high", "medium", "low", "dormant", "strategic"]


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
    owner_id: Annotated[list[Value], Many],
    team_id: Annotated[list[Value], Many],
    tier: Annotated[list[Tier], Many],
    industry: Annotated[list[Value], Many],
    region: Annotated[list[Value], Many],
    tag: Annotated[list[Value], Many],
    q: Annotated[str, Query(max_length=100, description="name (Chinese too) or credit code")] = "",
    sort: Annotated[Literal["-created_at", "created_at", "name", "-name"], Query()] = "-created_at",
    limit: Limit = DEFAULT,
    cursor: Cursor = "",
) -> AccountPage:
    """A rep sees their own accounts, a manager the team's, other roles all."""
    filter_ = pb.AccountFilter(
        owner_ids=owner_id,
        team_ids=team_id,
        tiers=[enum_number(pb.AccountTier, TIER, t) for t in tier],
        industries=industry,
        regions=region,
        tags=tag,
        text=q,
    )
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
    if_match: IfMatch = None,
) -> AccountOut:
    """The fields sent change, the others stay; with `If-Match`, a change made
    meanwhile by someone else answers 412."""
    mask = sorted(body.model_fields_set)
    reply = await opportunity_service.UpdateAccount(
        pb.UpdateAccountRequest(
            id=account_id,
            account=account_input(body),
            update_mask=mask,
            expected_version=if_match_version(if_match),
        ),
        **options,
    )
    set_etag(response, reply.account.version)
    return account_out(reply.account)


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
