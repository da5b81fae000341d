"""A deal's life in its pipeline: stage changes, won/lost/reopen, the stage history,
and follow-ups on accounts and deals."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from crm.opportunity.v1 import opportunity_pb2 as pb
from pydantic import BaseModel, ConfigDict, Field

from gateway.conventions.bodies import RequestBody
from gateway.schemas.mapping import from_proto
from gateway.schemas.opportunities import OpportunityOut
from gateway.schemas.values import (
    DATE_OR_EMPTY,
    Money,
)


class ArtefactIn(RequestBody):
    kind: str = Field(max_length=64, description="e.g. signed_requirements_doc")
    name: str = Field("", max_length=200)
    file_uri: str = Field(max_length=1000, description="the document's object-store reference")


class StageChangeIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "to_stage": "quote_negotiation",
                    "note": "客户已签字确认需求",
                    "artefacts": [
                        {
                            "kind": "signed_requirements_doc",
                            "name": "需求确认书.pdf",
                            "file_uri": "s3://crm-docs/acme/req-2030-001.pdf",
                        }
                    ],
                }
            ]
        }
    )
    to_stage: str = Field(max_length=64, description="an open stage; use /won or /lost to close")
    artefacts: list[ArtefactIn] = Field(
        default_factory=list, max_length=20, description="attached with the move"
    )
    note: str = Field("", max_length=1000)


class StageChangeOut(BaseModel):
    outcome: Literal["applied", "approval_pending"]
    opportunity: OpportunityOut
    approval_id: str = Field(description="set when the move waits for approval")


class WonIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"closed_date": "2026-11-20", "amount": {"amount": "650000", "currency": "CNY"}}
            ]
        }
    )
    closed_date: str = Field(max_length=10, pattern=DATE_OR_EMPTY, description="required")
    amount: Money | None = Field(None, description="the final amount; required")
    quote_id: str = Field("", max_length=64, description="the accepted quote, if any")
    note: str = Field("", max_length=1000)


class LostIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"loss_reason": "price", "competitor": "某友商", "note": "对方报价低 20%"}]
        }
    )
    loss_reason: str = Field(max_length=200, description="required; the tenant's reason code")
    competitor: str = Field("", max_length=100)
    closed_date: str = Field("", max_length=10, pattern=DATE_OR_EMPTY, description="empty: today")
    note: str = Field("", max_length=1000)


class ReopenIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "客户重新启动采购", "to_stage": ""}]}
    )
    reason: str = Field(max_length=1000, description="required")
    to_stage: str = Field("", max_length=64, description="empty: the stage it closed from")


class StageChangeRecord(BaseModel):
    id: str
    from_stage: str = Field(description="empty when the deal was created")
    to_stage: str
    probability: int
    amount: Money | None
    actor_id: str
    at: datetime
    dwell_seconds: int = Field(description="time spent in from_stage")
    approval_id: str
    note: str


class StageHistoryPage(BaseModel):
    items: list[StageChangeRecord]
    next_cursor: str


Kind = Literal["call", "visit", "wechat", "email", "meeting"]


KIND = "FOLLOW_UP_KIND_"


class AccountFollowUpIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kind": "visit",
                    "notes": "拜访采购总监，确认预算已批",
                    "next_step": "提交正式报价",
                    "next_step_at": "2030-01-15T02:00:00Z",
                }
            ]
        }
    )
    kind: Kind
    notes: str = Field(min_length=1, max_length=4000)
    contact_id: str = Field("", max_length=64, description="a contact of the account")
    next_step: str = Field("", max_length=500)
    next_step_at: datetime | None = Field(None, strict=False, description="future, within a year")


class AccountFollowUpOut(BaseModel):
    id: str
    account_id: str
    opportunity_id: str
    contact_id: str
    kind: str
    notes: str
    next_step: str
    next_step_at: datetime | None
    by_user_id: str
    at: datetime


class AccountFollowUpPage(BaseModel):
    items: list[AccountFollowUpOut]
    next_cursor: str


def follow_up_out(f: pb.FollowUp) -> AccountFollowUpOut:
    return from_proto(AccountFollowUpOut, f)
