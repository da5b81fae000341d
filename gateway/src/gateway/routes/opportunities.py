"""/v1/opportunities: deals (商机) with an exact amount, account, contacts, products,
forecast category and competitors; edits with a version check; lists filtered by stage,
owner, amount, close date, probability and account, sorted, paged, within the caller's
data scope (OpportunityService over gRPC)."""

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
from gateway.schemas.opportunities import (
    STATUS,
    OpportunityCreate,
    OpportunityId,
    OpportunityOut,
    OpportunityPage,
    OpportunityPatch,
    opportunity_input,
    opportunity_out,
)
from gateway.schemas.values import (
    AMOUNT_OR_EMPTY,
    DATE_OR_EMPTY,
    STALE,
    Money,
    enum_number,
    money_to_proto,
)

router = APIRouter(tags=["opportunities"], responses=PROBLEM_RESPONSES)
Status = Literal["open", "won", "lost"]


@router.post(
    "/v1/opportunities",
    status_code=201,
    response_model=OpportunityOut,
    summary="Create an opportunity",
)
async def create_opportunity(
    body: OpportunityCreate,
    caller: Annotated[Caller, Depends(authorize("opportunity:create"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
    response: Response,
) -> OpportunityOut:
    reply = await opportunity_service.CreateOpportunity(
        pb.CreateOpportunityRequest(opportunity=opportunity_input(body)), **options
    )
    set_etag(response, reply.opportunity.version)
    response.headers["Location"] = f"/v1/opportunities/{reply.opportunity.id}"
    return opportunity_out(reply.opportunity)


def _money_bound(amount: str, currency: str) -> common_pb2.Money | None:
    return (
        money_to_proto(Money.model_construct(amount=amount, currency=currency)) if amount else None
    )


@router.get(
    "/v1/opportunities", response_model=OpportunityPage, summary="List and search opportunities"
)
async def list_opportunities(
    caller: Annotated[Caller, Depends(authorize("opportunity:read"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
    stage: Annotated[list[Value], Many],
    owner_id: Annotated[list[Value], Many],
    team_id: Annotated[list[Value], Many],
    account_id: Annotated[list[Value], Many],
    status: Annotated[list[Status], Many],
    pipeline_id: Annotated[list[Value], Many],
    amount_min: Annotated[
        str, Query(pattern=AMOUNT_OR_EMPTY, max_length=25, description="inclusive")
    ] = "",
    amount_max: Annotated[
        str, Query(pattern=AMOUNT_OR_EMPTY, max_length=25, description="inclusive")
    ] = "",
    currency: Annotated[
        str, Query(pattern=r"^[A-Z]{3}$", description="of amount_min / amount_max")
    ] = "CNY",
    close_date_from: Annotated[
        str, Query(pattern=DATE_OR_EMPTY, max_length=10, description="inclusive")
    ] = "",
    close_date_to: Annotated[
        str, Query(pattern=DATE_OR_EMPTY, max_length=10, description="inclusive")
    ] = "",
    probability_min: Annotated[int, Query(ge=0, le=100)] = 0,
    probability_max: Annotated[int, Query(ge=0, le=100, description="0: no bound")] = 0,
    q: Annotated[str, Query(max_length=100, description="opportunity or account name")] = "",
    sort: Annotated[
        Literal[
            "-created_at",
            "created_at",
            "amount",
            "-amount",
            "expected_close_date",
            "-expected_close_date",
            "probability",
            "-probability",
        ],
        Query(),
    ] = "-created_at",
    limit: Limit = DEFAULT,
    cursor: Cursor = "",
) -> OpportunityPage:
    """A rep sees their own deals, a manager the team's, other roles all. The close
    date is the actual one once closed, the expected one before."""
    filter_ = pb.OpportunityFilter(
        stages=stage,
        owner_ids=owner_id,
        team_ids=team_id,
        account_ids=account_id,
        pipeline_ids=pipeline_id,
        statuses=[enum_number(pb.OpportunityStatus, STATUS, s) for s in status],
        amount_min=_money_bound(amount_min, currency),
        amount_max=_money_bound(amount_max, currency),
        close_date_from=close_date_from,
        close_date_to=close_date_to,
        probability_min=probability_min,
        probability_max=probability_max,
        text=q,
    )
    reply = await opportunity_service.ListOpportunities(
        pb.ListOpportunitiesRequest(
            filter=filter_, sort=sort, page=common_pb2.PageRequest(limit=limit, cursor=cursor)
        ),
        **options,
    )
    return OpportunityPage(
        items=[opportunity_out(o) for o in reply.opportunities], next_cursor=reply.page.next_cursor
    )


@router.get(
    "/v1/opportunities/{opportunity_id}",
    response_model=OpportunityOut,
    summary="Read one opportunity (ETag)",
)
async def get_opportunity(
    opportunity_id: OpportunityId,
    caller: Annotated[Caller, Depends(authorize("opportunity:read"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
    response: Response,
) -> OpportunityOut:
    reply = await opportunity_service.GetOpportunity(
        pb.GetOpportunityRequest(id=opportunity_id), **options
    )
    set_etag(response, reply.opportunity.version)
    return opportunity_out(reply.opportunity)


@router.patch(
    "/v1/opportunities/{opportunity_id}",
    responses=STALE,
    response_model=OpportunityOut,
    summary="Change an opportunity",
)
async def update_opportunity(
    opportunity_id: OpportunityId,
    body: OpportunityPatch,
    caller: Annotated[Caller, Depends(authorize("opportunity:update"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
    response: Response,
    if_match: IfMatch = None,
) -> OpportunityOut:
    mask = sorted(body.model_fields_set)
    reply = await opportunity_service.UpdateOpportunity(
        pb.UpdateOpportunityRequest(
            id=opportunity_id,
            opportunity=opportunity_input(body),
            update_mask=mask,
            expected_version=if_match_version(if_match),
        ),
        **options,
    )
    set_etag(response, reply.opportunity.version)
    return opportunity_out(reply.opportunity)
