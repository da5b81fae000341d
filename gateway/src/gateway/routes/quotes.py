"""Quotes (报价单) of a deal: line items with quantity, unit price, discount and tax,
totals computed exactly by the service, versions (a revision is a new draft version,
the previous one superseded), and issuing, which waits for the approver when a discount
is above the pipeline's threshold (the approval is decided at /v1/approvals). Money is
{"amount": "123.45", "currency": "CNY"} and percentages decimal strings, never floats
(OpportunityService over gRPC)."""

from __future__ import annotations

from typing import Annotated, Literal

from crm.common.v1 import common_pb2
from crm.opportunity.v1 import opportunity_pb2 as pb
from fastapi import APIRouter, Depends, Path, Query, Response

from gateway.access.guard import authorize
from gateway.conventions.created import created
from gateway.conventions.etag import IfMatch, if_match_version, set_etag
from gateway.conventions.paging import DEFAULT, Cursor, Limit
from gateway.conventions.problems import PROBLEM_RESPONSES
from gateway.dependencies import CallOptions, OpportunityClient
from gateway.identity.caller import Caller
from gateway.schemas.opportunities import OpportunityId
from gateway.schemas.quotes import (
    STATUS,
    IssueIn,
    IssueOut,
    QuoteIn,
    QuoteOut,
    QuotePage,
    RevisionIn,
    quote_input,
    quote_out,
)
from gateway.schemas.values import (
    STALE,
    enum_number,
)

router = APIRouter(tags=["quotes"], responses=PROBLEM_RESPONSES)
QuoteId = Annotated[str, Path(min_length=1, max_length=64, description="The quote's id")]
QuoteStatus = Literal["draft", "pending_approval", "issued", "superseded", "rejected", "expired"]


@router.post(
    "/v1/opportunities/{opportunity_id}/quotes",
    status_code=201,
    response_model=QuoteOut,
    summary="Create a quote (version 1, a draft) on an open deal",
)
async def create_quote(
    opportunity_id: OpportunityId,
    body: QuoteIn,
    caller: Annotated[Caller, Depends(authorize("quote:create"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
    response: Response,
) -> QuoteOut:
    """Numbered from the tenant's yearly counter; a closed deal takes no quote (409)."""
    reply = await opportunity_service.CreateQuote(
        pb.CreateQuoteRequest(opportunity_id=opportunity_id, quote=quote_input(body)), **options
    )
    created(response, f"/v1/quotes/{reply.quote.id}", reply.quote.version)
    return quote_out(reply.quote)


@router.get(
    "/v1/opportunities/{opportunity_id}/quotes",
    response_model=QuotePage,
    summary="Quotes of a deal, newest first",
)
async def list_quotes(
    opportunity_id: OpportunityId,
    caller: Annotated[Caller, Depends(authorize("quote:read"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
    status: Annotated[list[QuoteStatus], Query(default_factory=list, max_length=6)],
    all_versions: Annotated[
        bool, Query(description="every version; default: the latest of each quote")
    ] = False,
    limit: Limit = DEFAULT,
    cursor: Cursor = "",
) -> QuotePage:
    reply = await opportunity_service.ListQuotes(
        pb.ListQuotesRequest(
            opportunity_id=opportunity_id,
            statuses=[enum_number(pb.QuoteStatus, STATUS, s) for s in status],
            all_versions=all_versions,
            page=common_pb2.PageRequest(limit=limit, cursor=cursor),
        ),
        **options,
    )
    return QuotePage(items=[quote_out(q) for q in reply.quotes], next_cursor=reply.page.next_cursor)


@router.get("/v1/quotes/{quote_id}", response_model=QuoteOut, summary="A quote (ETag)")
async def get_quote(
    quote_id: QuoteId,
    caller: Annotated[Caller, Depends(authorize("quote:read"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
    response: Response,
    version: Annotated[int, Query(ge=0, description="0: the latest version")] = 0,
) -> QuoteOut:
    """The ETag is the version answered; only the latest one can be revised or issued."""
    reply = await opportunity_service.GetQuote(
        pb.GetQuoteRequest(id=quote_id, version=version), **options
    )
    set_etag(response, reply.quote.version)
    return quote_out(reply.quote)


@router.post(
    "/v1/quotes/{quote_id}/revisions",
    status_code=201,
    response_model=QuoteOut,
    responses=STALE,
    summary="Revise a quote: a new draft version with the full new content",
)
async def revise_quote(
    quote_id: QuoteId,
    body: RevisionIn,
    caller: Annotated[Caller, Depends(authorize("quote:create"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
    response: Response,
    if_match: IfMatch = None,
) -> QuoteOut:
    """The previous version is superseded (an issued one stays as it was issued) and its
    pending discount approval cancelled; `If-Match` names the latest version you saw."""
    reply = await opportunity_service.ReviseQuote(
        pb.ReviseQuoteRequest(
            id=quote_id, quote=quote_input(body), expected_version=if_match_version(if_match)
        ),
        **options,
    )
    created(response, f"/v1/quotes/{reply.quote.id}", reply.quote.version)
    return quote_out(reply.quote)


@router.post(
    "/v1/quotes/{quote_id}/issue",
    response_model=IssueOut,
    responses=STALE,
    summary="Issue a quote, or put it up for a discount approval",
)
async def issue_quote(
    quote_id: QuoteId,
    body: IssueIn,
    caller: Annotated[Caller, Depends(authorize("quote:issue"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
    response: Response,
    if_match: IfMatch = None,
) -> IssueOut:
    """The latest version, a draft (`If-Match` names it). A discount above the
    pipeline's threshold (default 15 %) waits for the approver role; the quote is issued
    when the approval is granted at /v1/approvals/{approval_id}/decision. Repeating the
    call changes nothing."""
    reply = await opportunity_service.IssueQuote(
        pb.IssueQuoteRequest(id=quote_id, version=if_match_version(if_match), note=body.note),
        **options,
    )
    set_etag(response, reply.quote.version)
    pending = reply.outcome == pb.ISSUE_QUOTE_OUTCOME_APPROVAL_PENDING
    return IssueOut(
        outcome="approval_pending" if pending else "issued",
        quote=quote_out(reply.quote),
        approval_id=reply.approval_id,
    )
