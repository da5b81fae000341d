"""Deals (商机): fields, line items, pages and the forecast, and their mapping to and
from crm.opportunity.v1."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from crm.opportunity.v1 import opportunity_pb2 as pb
from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field

from gateway.conventions.bodies import RequestBody
from gateway.schemas.mapping import from_proto
from gateway.schemas.values import (
    AMOUNT,
    DATE_OR_EMPTY,
    SALES_CUSTOM_FIELDS,
    CustomOut,
    Money,
    SalesCustomIn,
    custom_fields_in,
    money_to_proto,
    output_date,
    output_enum,
    proto_enum,
)

OpportunityId = Annotated[
    str, Path(min_length=1, max_length=64, description="The opportunity's id")
]


Forecast = Literal["", "pipeline", "best_case", "commit", "omitted"]


Ids = list[Annotated[str, Field(min_length=1, max_length=64)]]


STATUS = "OPPORTUNITY_STATUS_"


class LineItemIn(RequestBody):
    product_code: str = Field("", max_length=64)
    name: str = Field("", max_length=200)
    quantity: str = Field(pattern=AMOUNT, max_length=25, description='decimal, e.g. "10"')
    unit_price: Money


class OpportunityFields(RequestBody):
    name: str = Field("", max_length=200)
    primary_contact_id: str = Field("", max_length=64)
    contact_ids: Ids = Field(default_factory=list, max_length=50)
    owner_id: str = Field("", max_length=64, description="empty: the caller")
    team_id: str = Field(
        "", max_length=64, description="empty: the caller's team when the caller owns it"
    )
    amount: Money | None = None
    expected_close_date: str = Field("", max_length=10, pattern=DATE_OR_EMPTY)
    description: str = Field("", max_length=4000)
    tags: list[Annotated[str, Field(max_length=50)]] = Field(default_factory=list, max_length=20)
    custom_fields: SalesCustomIn = SALES_CUSTOM_FIELDS
    source: str = Field("", max_length=32)
    line_items: list[LineItemIn] = Field(default_factory=list, max_length=100)
    forecast_category: Forecast = ""
    competitors: list[Annotated[str, Field(max_length=100)]] = Field(
        default_factory=list, max_length=20
    )
    next_step: str = Field("", max_length=500)


class OpportunityCreate(OpportunityFields):
    """A new deal at the first stage of its pipeline (the tenant's default when none)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "云图科技 200 座席 CRM",
                    "account_id": "5b1d7c6e-0000-4000-8000-000000000001",
                    "amount": {"amount": "680000.00", "currency": "CNY"},
                    "expected_close_date": "2030-06-30",
                    "line_items": [
                        {
                            "product_code": "CRM-PRO",
                            "name": "专业版",
                            "quantity": "200",
                            "unit_price": {"amount": "3400", "currency": "CNY"},
                        }
                    ],
                    "forecast_category": "best_case",
                    "competitors": ["某友商"],
                    "next_step": "安排演示",
                }
            ]
        },
    )
    name: str = Field(max_length=200, description="required")
    account_id: str = Field(min_length=1, max_length=64)
    pipeline_id: str = Field(
        "", max_length=64, description="empty: the default pipeline; fixed once created"
    )


class OpportunityPatch(OpportunityFields):
    """Only the fields sent change; amount, close date and products of a closed deal
    change only after reopening it."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"amount": {"amount": "720000", "currency": "CNY"}}]},
    )


def opportunity_input(body: OpportunityFields) -> pb.OpportunityInput:
    plain = body.model_dump(
        exclude={
            "amount",
            "custom_fields",
            "line_items",
            "account_id",
            "pipeline_id",
        }
    )
    return pb.OpportunityInput(
        **plain,
        account_id=getattr(body, "account_id", ""),
        pipeline_id=getattr(body, "pipeline_id", ""),
        amount=money_to_proto(body.amount),
        custom_fields=custom_fields_in(body.custom_fields),
        line_items=[
            pb.LineItemInput(
                product_code=i.product_code,
                name=i.name,
                quantity=i.quantity,
                unit_price=money_to_proto(i.unit_price),
            )
            for i in body.line_items
        ],
    )


class ArtefactOut(BaseModel):
    id: str
    kind: str
    name: str
    file_uri: str
    stage: str
    uploaded_by: str
    uploaded_at: datetime


class LineItemOut(BaseModel):
    product_code: str
    name: str
    quantity: str
    unit_price: Money | None
    total: Money | None


class OpportunityOut(BaseModel):
    id: str
    name: str
    account_id: str
    account_name: str
    primary_contact_id: str
    contact_ids: list[str]
    owner_id: str
    team_id: str
    pipeline_id: str
    pipeline_version: int = Field(description="the pipeline version whose rules the deal follows")
    stage: str
    stage_entered_at: datetime
    probability: int
    status: str = proto_enum(pb.OpportunityStatus)
    amount: Money | None
    expected_close_date: str = output_date()
    closed_date: str = output_date("set once won or lost")
    closed_from_stage: str
    won_quote_id: str
    loss_reason: str
    competitor: str
    competitors: list[str]
    pending_approval_id: str = Field(description="set while a stage change waits for approval")
    source_lead_id: str
    source: str
    description: str
    next_step: str
    forecast_category: str = output_enum(
        ["pipeline", "best_case", "commit", "omitted", "closed", ""]
    )
    tags: list[str]
    line_items: list[LineItemOut]
    artefacts: list[ArtefactOut]
    custom_fields: CustomOut
    last_activity_at: datetime | None
    next_follow_up_due_at: datetime | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int = Field(description="Also the ETag; send it back in If-Match")


class OpportunityPage(BaseModel):
    items: list[OpportunityOut]
    next_cursor: str


def opportunity_out(o: pb.Opportunity) -> OpportunityOut:
    return from_proto(OpportunityOut, o)
