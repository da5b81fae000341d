"""The life of a deal through its pipeline: stage changes through the gates (or into an
approval for big deals), won, lost, reopen, the stage history, and follow-ups on deals
and accounts (OpportunityService over gRPC)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from crm.common.v1 import common_pb2
from crm.opportunity.v1 import opportunity_pb2 as pb
from crm.opportunity.v1.opportunity_pb2_grpc import OpportunityServiceStub
from crm_runtime.protojson import timestamp
from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from gateway.clients import Options
from gateway.crm_values import (
    DATE_OR_EMPTY,
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
from gateway.routes.accounts import AccountId
from gateway.routes.opportunities import OpportunityId, OpportunityOut, opportunity_out

router = APIRouter(tags=["opportunities"], responses=PROBLEM_RESPONSES)
Version = Field(0, ge=0, description="0: no check; else 409 if the deal changed meanwhile")


class ArtefactIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    kind: str = Field(max_length=64, description="e.g. signed_requirements_doc")
    name: str = Field("", max_length=200)
    file_uri: str = Field(max_length=1000, description="the document's object-store reference")


class StageChangeIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", strict=True,
        json_schema_extra={"examples": [{
            "to_stage": "quote_negotiation", "note": "客户已签字确认需求",
            "artefacts": [{"kind": "signed_requirements_doc", "name": "需求确认书.pdf",
                           "file_uri": "s3://crm-docs/acme/req-2030-001.pdf"}],
            "expected_version": 4,
        }]},
    )  # fmt: skip
    to_stage: str = Field(max_length=64, description="an open stage; use /won or /lost to close")
    artefacts: list[ArtefactIn] = Field(
        default_factory=list, max_length=20, description="attached with the move"
    )
    note: str = Field("", max_length=1000)
    expected_version: int = Version


class StageChangeOut(BaseModel):
    outcome: Literal["applied", "approval_pending"]
    opportunity: OpportunityOut
    approval_id: str = Field(description="set when the move waits for approval")


@router.post(
    "/v1/opportunities/{opportunity_id}/stage",
    response_model=StageChangeOut,
    summary="Move a deal to another stage",
)
async def change_stage(
    opportunity_id: OpportunityId,
    body: StageChangeIn,
    caller: Annotated[Caller, Depends(authorize("opportunity:change_stage"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
) -> StageChangeOut:
    """A gate that is not met answers 422 naming each missing field (`amount`) or
    artefact (`artefacts.signed_requirements_doc`); a stage that may not be skipped
    names `to_stage`. A big deal entering a stage that requires approval answers
    `approval_pending`: it moves when the approver decides."""
    reply = await opportunity_service.ChangeStage(pb.ChangeStageRequest(
        id=opportunity_id, to_stage=body.to_stage, note=body.note, expected_version=body.expected_version,
        artefacts=[pb.ArtefactInput(kind=a.kind, name=a.name, file_uri=a.file_uri) for a in body.artefacts],
    ), **options)  # fmt: skip
    pending = reply.outcome == pb.CHANGE_STAGE_OUTCOME_APPROVAL_PENDING
    return StageChangeOut(
        outcome="approval_pending" if pending else "applied", opportunity=opportunity_out(reply.opportunity),
        approval_id=reply.approval_id,
    )  # fmt: skip


class WonIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", strict=True,
        json_schema_extra={"examples": [{"closed_date": "2026-11-20", "amount": {"amount": "650000", "currency": "CNY"}}]},
    )  # fmt: skip
    closed_date: str = Field(max_length=10, pattern=DATE_OR_EMPTY, description="required")
    amount: Money | None = Field(None, description="the final amount; required")
    quote_id: str = Field("", max_length=64, description="the accepted quote, if any")
    note: str = Field("", max_length=1000)
    expected_version: int = Version


class LostIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", strict=True,
        json_schema_extra={"examples": [{"loss_reason": "price", "competitor": "某友商", "note": "对方报价低 20%"}]},
    )  # fmt: skip
    loss_reason: str = Field(max_length=200, description="required; the tenant's reason code")
    competitor: str = Field("", max_length=100)
    closed_date: str = Field("", max_length=10, pattern=DATE_OR_EMPTY, description="empty: today")
    note: str = Field("", max_length=1000)
    expected_version: int = Version


class ReopenIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", strict=True,
        json_schema_extra={"examples": [{"reason": "客户重新启动采购", "to_stage": ""}]},
    )  # fmt: skip
    reason: str = Field(max_length=1000, description="required")
    to_stage: str = Field("", max_length=64, description="empty: the stage it closed from")
    expected_version: int = Version


@router.post(
    "/v1/opportunities/{opportunity_id}/won",
    response_model=OpportunityOut,
    summary="Mark a deal won",
)
async def mark_won(
    opportunity_id: OpportunityId,
    body: WonIn,
    caller: Annotated[Caller, Depends(authorize("opportunity:close"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
) -> OpportunityOut:
    """Needs the closed date and the final amount; a pending approval is cancelled."""
    reply = await opportunity_service.MarkWon(pb.MarkWonRequest(
        id=opportunity_id, closed_date=body.closed_date, amount=money_to_proto(body.amount),
        quote_id=body.quote_id, note=body.note, expected_version=body.expected_version,
    ), **options)  # fmt: skip
    return opportunity_out(reply.opportunity)


@router.post(
    "/v1/opportunities/{opportunity_id}/lost",
    response_model=OpportunityOut,
    summary="Mark a deal lost",
)
async def mark_lost(
    opportunity_id: OpportunityId,
    body: LostIn,
    caller: Annotated[Caller, Depends(authorize("opportunity:close"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
) -> OpportunityOut:
    """Needs a loss reason; the competitor who won is optional."""
    reply = await opportunity_service.MarkLost(pb.MarkLostRequest(
        id=opportunity_id, loss_reason=body.loss_reason, competitor=body.competitor,
        closed_date=body.closed_date, note=body.note, expected_version=body.expected_version,
    ), **options)  # fmt: skip
    return opportunity_out(reply.opportunity)


@router.post(
    "/v1/opportunities/{opportunity_id}/reopen",
    response_model=OpportunityOut,
    summary="Reopen a closed deal",
)
async def reopen(
    opportunity_id: OpportunityId,
    body: ReopenIn,
    caller: Annotated[Caller, Depends(authorize("opportunity:close"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
) -> OpportunityOut:
    reply = await opportunity_service.ReopenOpportunity(pb.ReopenOpportunityRequest(
        id=opportunity_id, to_stage=body.to_stage, reason=body.reason, expected_version=body.expected_version,
    ), **options)  # fmt: skip
    return opportunity_out(reply.opportunity)


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


@router.get(
    "/v1/opportunities/{opportunity_id}/stage-history", response_model=StageHistoryPage,
    summary="Every stage change of a deal, oldest first",
)  # fmt: skip
async def stage_history(
    opportunity_id: OpportunityId,
    caller: Annotated[Caller, Depends(authorize("opportunity:read"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
    limit: Limit = DEFAULT,
    cursor: Cursor = "",
) -> StageHistoryPage:
    reply = await opportunity_service.GetStageHistory(pb.GetStageHistoryRequest(
        opportunity_id=opportunity_id, page=common_pb2.PageRequest(limit=limit, cursor=cursor)
    ), **options)  # fmt: skip
    return StageHistoryPage(
        items=[
            StageChangeRecord(
                id=c.id,
                from_stage=c.from_stage,
                to_stage=c.to_stage,
                probability=c.probability,
                amount=money_field(c, "amount"),
                actor_id=c.actor_id,
                at=c.at.ToDatetime(tzinfo=UTC),
                dwell_seconds=c.dwell_seconds,
                approval_id=c.approval_id,
                note=c.note,
            )
            for c in reply.changes
        ],
        next_cursor=reply.page.next_cursor,
    )


Kind = Literal["call", "visit", "wechat", "email", "meeting"]
KIND = "FOLLOW_UP_KIND_"


class AccountFollowUpIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", strict=True,
        json_schema_extra={"examples": [{
            "kind": "visit", "notes": "拜访采购总监，确认预算已批", "next_step": "提交正式报价",
            "next_step_at": "2030-01-15T02:00:00Z",
        }]},
    )  # fmt: skip
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
    return AccountFollowUpOut(
        id=f.id, account_id=f.account_id, opportunity_id=f.opportunity_id, contact_id=f.contact_id,
        kind=enum_text(pb.FollowUpKind, f.kind, KIND), notes=f.notes, next_step=f.next_step,
        next_step_at=instant(f, "next_step_at"), by_user_id=f.by_user_id, at=f.at.ToDatetime(tzinfo=UTC),
    )  # fmt: skip


async def _log(
    opportunity_service: OpportunityServiceStub,
    options: Options,
    body: AccountFollowUpIn,
    **target: str,
) -> AccountFollowUpOut:
    reply = await opportunity_service.LogFollowUp(pb.LogFollowUpRequest(
        **target, contact_id=body.contact_id, kind=enum_number(pb.FollowUpKind, KIND, body.kind),
        notes=body.notes, next_step=body.next_step, next_step_at=timestamp(body.next_step_at),
    ), **options)  # fmt: skip
    return follow_up_out(reply.follow_up)


async def _follow_ups(
    opportunity_service: OpportunityServiceStub,
    options: Options,
    limit: int,
    cursor: str,
    **target: str,
) -> AccountFollowUpPage:
    reply = await opportunity_service.ListFollowUps(pb.ListFollowUpsRequest(
        **target, page=common_pb2.PageRequest(limit=limit, cursor=cursor)
    ), **options)  # fmt: skip
    return AccountFollowUpPage(
        items=[follow_up_out(f) for f in reply.follow_ups], next_cursor=reply.page.next_cursor
    )


@router.post(
    "/v1/opportunities/{opportunity_id}/follow-ups", status_code=201, response_model=AccountFollowUpOut,
    summary="Log a follow-up on a deal (restarts its cadence)",
)  # fmt: skip
async def log_deal_follow_up(
    opportunity_id: OpportunityId,
    body: AccountFollowUpIn,
    caller: Annotated[Caller, Depends(authorize("opportunity:follow_up"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
) -> AccountFollowUpOut:
    return await _log(opportunity_service, options, body, opportunity_id=opportunity_id)


@router.get(
    "/v1/opportunities/{opportunity_id}/follow-ups", response_model=AccountFollowUpPage,
    summary="A deal's follow-ups, newest first",
)  # fmt: skip
async def deal_follow_ups(
    opportunity_id: OpportunityId,
    caller: Annotated[Caller, Depends(authorize("opportunity:read"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
    limit: Limit = DEFAULT,
    cursor: Cursor = "",
) -> AccountFollowUpPage:
    return await _follow_ups(
        opportunity_service, options, limit, cursor, opportunity_id=opportunity_id
    )


@router.post(
    "/v1/accounts/{account_id}/follow-ups", status_code=201, response_model=AccountFollowUpOut,
    summary="Log a follow-up on an account (keeps it from going dormant)",
)  # fmt: skip
async def log_account_follow_up(
    account_id: AccountId,
    body: AccountFollowUpIn,
    caller: Annotated[Caller, Depends(authorize("opportunity:follow_up"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
) -> AccountFollowUpOut:
    return await _log(opportunity_service, options, body, account_id=account_id)


@router.get(
    "/v1/accounts/{account_id}/follow-ups", response_model=AccountFollowUpPage,
    summary="An account's follow-ups (its deals' included), newest first",
)  # fmt: skip
async def account_follow_ups(
    account_id: AccountId,
    caller: Annotated[Caller, Depends(authorize("account:read"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
    limit: Limit = DEFAULT,
    cursor: Cursor = "",
) -> AccountFollowUpPage:
    return await _follow_ups(opportunity_service, options, limit, cursor, account_id=account_id)
