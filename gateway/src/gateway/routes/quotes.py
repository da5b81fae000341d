"""Quotes (报价单) of a deal: line items with quantity, unit price, discount and tax,
totals computed exactly by the service, versions (a revision is a new draft version,
the previous one superseded), and issuing, which waits for the approver when a discount
is above the pipeline's threshold (the approval is decided at /v1/approvals). Money is
{"amount": "123.45", "currency": "CNY"} and percentages decimal strings, never floats
(OpportunityService over gRPC)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from crm.common.v1 import common_pb2
from crm.opportunity.v1 import opportunity_pb2 as pb
from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from gateway.crm_values import (
    DATE_OR_EMPTY,
    STALE,
    Money,
    enum_number,
    enum_text,
    instant,
    money_field,
    money_to_proto,
)
from gateway.dependencies import CallOptions, OpportunityClient
from gateway.guard import authorize
from gateway.identity.caller import Caller
from gateway.paging import DEFAULT, Cursor, Limit
from gateway.problems import PROBLEM_RESPONSES
from gateway.routes.opportunities import OpportunityId

router = APIRouter(tags=["quotes"], responses=PROBLEM_RESPONSES)
QuoteId = Annotated[str, Path(min_length=1, max_length=64, description="The quote's id")]
QuoteStatus = Literal["draft", "pending_approval", "issued", "superseded", "rejected", "expired"]
STATUS = "QUOTE_STATUS_"
DECIMAL = r"^\d{1,15}(\.\d{1,9})?$"
PERCENT = r"^(\d{1,3}(\.\d{1,9})?)?$"
LINE_EXAMPLE: dict[str, Any] = {
    "product_code": "CLOUD-ENT", "description": "企业版年费", "quantity": "3", "unit": "套",
    "unit_price": {"amount": "1999.99", "currency": "CNY"}, "discount_percent": "10",
    "tax_percent": "13",
}  # fmt: skip
QUOTE_EXAMPLE: dict[str, Any] = {
    "currency": "CNY", "lines": [LINE_EXAMPLE], "valid_until": "", "terms": "款到发货",
    "notes": "",
}  # fmt: skip


class QuoteLineIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", strict=True, json_schema_extra={"examples": [LINE_EXAMPLE]}
    )
    product_code: str = Field("", max_length=64)
    description: str = Field("", max_length=500, description="required without a product_code")
    quantity: str = Field(pattern=DECIMAL, max_length=25, description='decimal string, e.g. "2.5"')
    unit: str = Field("", max_length=20, description="e.g. 套, 人天")
    unit_price: Money = Field(description="in the quote's currency; up to 6 decimal places")
    discount_percent: str = Field("", pattern=PERCENT, max_length=14, description='e.g. "12.5"')
    tax_percent: str = Field("", pattern=PERCENT, max_length=14, description='VAT, e.g. "13"')


class QuoteIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", strict=True, json_schema_extra={"examples": [QUOTE_EXAMPLE]}
    )
    currency: str = Field("CNY", pattern=r"^[A-Z]{3}$", description="ISO 4217")
    lines: list[QuoteLineIn] = Field(min_length=1, max_length=500)
    valid_until: str = Field(
        "", pattern=DATE_OR_EMPTY, description="YYYY-MM-DD; empty: 30 days from today"
    )
    terms: str = Field("", max_length=5000)
    notes: str = Field("", max_length=2000)


class RevisionIn(QuoteIn):
    model_config = ConfigDict(
        extra="forbid", strict=True,
        json_schema_extra={"examples": [{**QUOTE_EXAMPLE, "expected_version": 1}]},
    )  # fmt: skip
    expected_version: int = Field(
        ge=1, description="the latest version you saw; 409 if another was made since"
    )


class IssueIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", strict=True,
        json_schema_extra={"examples": [{"version": 1, "note": "战略客户，申请特殊折扣"}]},
    )  # fmt: skip
    version: int = Field(ge=1, description="the latest version, a draft")
    note: str = Field("", max_length=500, description="to the approver, if one is needed")


class QuoteLineOut(BaseModel):
    line_no: int
    product_code: str
    description: str
    quantity: str
    unit: str
    unit_price: Money | None
    discount_percent: str
    tax_percent: str
    list_amount: Money | None = Field(description="quantity × unit price, rounded to the fen")
    discount_amount: Money | None
    net_amount: Money | None = Field(description="list amount − discount")
    tax_amount: Money | None
    total: Money | None = Field(description="net amount + tax")


class QuoteOut(BaseModel):
    id: str
    number: str = Field(description='e.g. "Q-2026-000123"')
    version: int
    status: str = Field(
        description="draft, pending_approval, issued, superseded, rejected, expired"
    )
    opportunity_id: str
    account_id: str
    owner_id: str
    currency: str
    lines: list[QuoteLineOut]
    list_total: Money | None
    discount_total: Money | None
    net_total: Money | None
    tax_total: Money | None
    total: Money | None
    discount_percent: str = Field(description="overall: discount total / list total × 100")
    valid_until: str
    terms: str
    notes: str
    approval_id: str
    rejection_reason: str
    created_by: str
    created_at: datetime
    updated_at: datetime | None
    issued_by: str
    issued_at: datetime | None


class QuotePage(BaseModel):
    items: list[QuoteOut]
    next_cursor: str


class IssueOut(BaseModel):
    outcome: Literal["issued", "approval_pending"]
    quote: QuoteOut
    approval_id: str = Field(description="set while the quote waits for its discount approval")


def line_out(x: pb.QuoteLine) -> QuoteLineOut:
    return QuoteLineOut(
        line_no=x.line_no, product_code=x.product_code, description=x.description,
        quantity=x.quantity, unit=x.unit, unit_price=money_field(x, "unit_price"),
        discount_percent=x.discount_percent, tax_percent=x.tax_percent,
        list_amount=money_field(x, "list_amount"), discount_amount=money_field(x, "discount_amount"),
        net_amount=money_field(x, "net_amount"), tax_amount=money_field(x, "tax_amount"),
        total=money_field(x, "total"),
    )  # fmt: skip


def quote_out(q: pb.Quote) -> QuoteOut:
    return QuoteOut(
        id=q.id, number=q.number, version=q.version, status=enum_text(pb.QuoteStatus, q.status, STATUS),
        opportunity_id=q.opportunity_id, account_id=q.account_id, owner_id=q.owner_id,
        currency=q.currency, lines=[line_out(x) for x in q.lines],
        list_total=money_field(q, "list_total"), discount_total=money_field(q, "discount_total"),
        net_total=money_field(q, "net_total"), tax_total=money_field(q, "tax_total"),
        total=money_field(q, "total"), discount_percent=q.discount_percent,
        valid_until=q.valid_until, terms=q.terms, notes=q.notes, approval_id=q.approval_id,
        rejection_reason=q.rejection_reason, created_by=q.created_by,
        created_at=q.created_at.ToDatetime(tzinfo=UTC), updated_at=instant(q, "updated_at"),
        issued_by=q.issued_by, issued_at=instant(q, "issued_at"),
    )  # fmt: skip


def quote_input(body: QuoteIn) -> pb.QuoteInput:
    lines = [
        pb.QuoteLineInput(
            product_code=x.product_code,
            description=x.description,
            quantity=x.quantity,
            unit=x.unit,
            unit_price=money_to_proto(x.unit_price),
            discount_percent=x.discount_percent,
            tax_percent=x.tax_percent,
        )
        for x in body.lines
    ]
    return pb.QuoteInput(
        currency=body.currency, lines=lines, valid_until=body.valid_until, terms=body.terms,
        notes=body.notes,
    )  # fmt: skip


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
    response.headers["Location"] = f"/v1/quotes/{reply.quote.id}"
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
            all_versions=all_versions, page=common_pb2.PageRequest(limit=limit, cursor=cursor),
        ),
        **options,
    )  # fmt: skip
    return QuotePage(items=[quote_out(q) for q in reply.quotes], next_cursor=reply.page.next_cursor)


@router.get("/v1/quotes/{quote_id}", response_model=QuoteOut, summary="A quote")
async def get_quote(
    quote_id: QuoteId,
    caller: Annotated[Caller, Depends(authorize("quote:read"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
    version: Annotated[int, Query(ge=0, description="0: the latest version")] = 0,
) -> QuoteOut:
    reply = await opportunity_service.GetQuote(
        pb.GetQuoteRequest(id=quote_id, version=version), **options
    )
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
) -> QuoteOut:
    """The previous version is superseded (an issued one stays as it was issued) and its
    pending discount approval cancelled."""
    reply = await opportunity_service.ReviseQuote(
        pb.ReviseQuoteRequest(
            id=quote_id, quote=quote_input(body), expected_version=body.expected_version
        ),
        **options,
    )
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
) -> IssueOut:
    """A discount above the pipeline's threshold (default 15 %) waits for the approver
    role; the quote is issued when the approval is granted at
    /v1/approvals/{approval_id}/decision. Repeating the call changes nothing."""
    reply = await opportunity_service.IssueQuote(
        pb.IssueQuoteRequest(id=quote_id, version=body.version, note=body.note), **options
    )
    pending = reply.outcome == pb.ISSUE_QUOTE_OUTCOME_APPROVAL_PENDING
    return IssueOut(
        outcome="approval_pending" if pending else "issued", quote=quote_out(reply.quote),
        approval_id=reply.approval_id,
    )  # fmt: skip
