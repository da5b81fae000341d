"""Quotes (报价单) of a deal: lines, versions, issue, and their mapping to and from
crm.opportunity.v1."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from crm.opportunity.v1 import opportunity_pb2 as pb
from pydantic import BaseModel, ConfigDict, Field

from gateway.conventions.bodies import RequestBody
from gateway.schemas.mapping import from_proto
from gateway.schemas.values import (
    DATE_OR_EMPTY,
    Money,
    money_to_proto,
    proto_enum,
)

STATUS = "QUOTE_STATUS_"


DECIMAL = r"^\d{1,15}(\.\d{1,9})?$"


PERCENT = r"^(\d{1,3}(\.\d{1,9})?)?$"


LINE_EXAMPLE: dict[str, Any] = {
    "product_code": "CLOUD-ENT",
    "description": "企业版年费",
    "quantity": "3",
    "unit": "套",
    "unit_price": {"amount": "1999.99", "currency": "CNY"},
    "discount_percent": "10",
    "tax_percent": "13",
}


QUOTE_EXAMPLE: dict[str, Any] = {
    "currency": "CNY",
    "lines": [LINE_EXAMPLE],
    "valid_until": "",
    "terms": "款到发货",
    "notes": "",
}


class QuoteLineIn(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [LINE_EXAMPLE]})
    product_code: str = Field("", max_length=64)
    description: str = Field("", max_length=500, description="required without a product_code")
    quantity: str = Field(pattern=DECIMAL, max_length=25, description='decimal string, e.g. "2.5"')
    unit: str = Field("", max_length=20, description="e.g. 套, 人天")
    unit_price: Money = Field(description="in the quote's currency; up to 6 decimal places")
    discount_percent: str = Field("", pattern=PERCENT, max_length=14, description='e.g. "12.5"')
    tax_percent: str = Field("", pattern=PERCENT, max_length=14, description='VAT, e.g. "13"')


class QuoteIn(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [QUOTE_EXAMPLE]})
    currency: str = Field("CNY", pattern=r"^[A-Z]{3}$", description="ISO 4217")
    lines: list[QuoteLineIn] = Field(min_length=1, max_length=500)
    valid_until: str = Field(
        "", pattern=DATE_OR_EMPTY, description="YYYY-MM-DD; empty: 30 days from today"
    )
    terms: str = Field("", max_length=5000)
    notes: str = Field("", max_length=2000)


class RevisionIn(QuoteIn):
    model_config = ConfigDict(
        json_schema_extra={"examples": [QUOTE_EXAMPLE]},
    )


class IssueIn(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"note": "战略客户，申请特殊折扣"}]})
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
    version: int = Field(description="Also the ETag; send it back in If-Match")
    status: str = proto_enum(pb.QuoteStatus)
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
    return from_proto(QuoteLineOut, x)


def quote_out(q: pb.Quote) -> QuoteOut:
    return from_proto(QuoteOut, q)


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
        currency=body.currency,
        lines=lines,
        valid_until=body.valid_until,
        terms=body.terms,
        notes=body.notes,
    )
