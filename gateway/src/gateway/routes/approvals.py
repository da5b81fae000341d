"""/v1/approvals: the approvers' queue (stage changes of big deals; other kinds share
it) and their decisions, idempotent by `decision_key` so that an OA system may repeat
its callback (OpportunityService over gRPC)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from crm.common.v1 import common_pb2
from crm.opportunity.v1 import opportunity_pb2 as pb
from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from gateway.crm_values import Money, enum_number, enum_text, instant, money_field
from gateway.dependencies import CallOptions, OpportunityClient
from gateway.guard import authorize
from gateway.identity.caller import Caller
from gateway.paging import DEFAULT, Cursor, Limit
from gateway.problems import PROBLEM_RESPONSES
from gateway.routes.opportunities import OpportunityOut, opportunity_out

router = APIRouter(tags=["approvals"], responses=PROBLEM_RESPONSES)
ApprovalId = Annotated[str, Path(min_length=1, max_length=64, description="The approval's id")]
Status = Literal["pending", "approved", "rejected", "cancelled"]
Kind = Literal["stage_change", "quote_discount"]
STATUS, KIND = "APPROVAL_STATUS_", "APPROVAL_KIND_"


class ApprovalOut(BaseModel):
    id: str
    kind: str = Field(description="stage_change or quote_discount")
    status: str = Field(description="pending, approved, rejected or cancelled")
    opportunity_id: str
    opportunity_name: str
    account_id: str
    owner_id: str
    from_stage: str
    to_stage: str
    quote_id: str
    quote_version: int
    discount_percent: str
    amount: Money | None
    threshold: Money | None
    approver_role: str
    requested_by: str
    requested_at: datetime
    note: str
    decided_by: str
    decided_at: datetime | None
    reason: str
    threshold_percent: str = Field(description="quote discount: the threshold it is above")


class ApprovalPage(BaseModel):
    items: list[ApprovalOut]
    next_cursor: str


def approval_out(a: pb.Approval) -> ApprovalOut:
    return ApprovalOut(
        id=a.id, kind=enum_text(pb.ApprovalKind, a.kind, KIND), status=enum_text(pb.ApprovalStatus, a.status, STATUS),
        opportunity_id=a.opportunity_id, opportunity_name=a.opportunity_name, account_id=a.account_id,
        owner_id=a.owner_id, from_stage=a.from_stage, to_stage=a.to_stage, quote_id=a.quote_id,
        quote_version=a.quote_version, discount_percent=a.discount_percent, amount=money_field(a, "amount"),
        threshold=money_field(a, "threshold"), approver_role=a.approver_role, requested_by=a.requested_by,
        requested_at=a.requested_at.ToDatetime(tzinfo=UTC), note=a.note, decided_by=a.decided_by,
        decided_at=instant(a, "decided_at"), reason=a.reason, threshold_percent=a.threshold_percent,
    )  # fmt: skip


@router.get("/v1/approvals", response_model=ApprovalPage, summary="Approvals, newest first")
async def list_approvals(
    caller: Annotated[Caller, Depends(authorize("opportunity:approvals_read"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
    status: Annotated[list[Status], Query(default_factory=list, max_length=4)],
    kind: Annotated[list[Kind], Query(default_factory=list, max_length=2)],
    opportunity_id: Annotated[str, Query(max_length=64)] = "",
    assigned_to_me: Annotated[
        bool, Query(description="only those the caller's roles decide")
    ] = False,
    limit: Limit = DEFAULT,
    cursor: Cursor = "",
) -> ApprovalPage:
    """Approvers see what they decide; reps the approvals of their own deals."""
    reply = await opportunity_service.ListApprovals(
        pb.ListApprovalsRequest(
            statuses=[enum_number(pb.ApprovalStatus, STATUS, s) for s in status],
            kinds=[enum_number(pb.ApprovalKind, KIND, k) for k in kind], opportunity_id=opportunity_id,
            assigned_to_me=assigned_to_me, page=common_pb2.PageRequest(limit=limit, cursor=cursor),
        ),
        **options,
    )  # fmt: skip
    return ApprovalPage(
        items=[approval_out(a) for a in reply.approvals], next_cursor=reply.page.next_cursor
    )


class DecisionIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", strict=True,
        json_schema_extra={"examples": [{"decision": "approve", "reason": "", "decision_key": "oa-2030-000123"}]},
    )  # fmt: skip
    decision: Literal["approve", "reject"]
    reason: str = Field("", max_length=1000, description="required to reject")
    decision_key: str = Field(
        "",
        max_length=128,
        description="an OA system's id of the decision: repeated, it returns the first result",
    )


class DecisionOut(BaseModel):
    approval: ApprovalOut
    opportunity: OpportunityOut | None


@router.post(
    "/v1/approvals/{approval_id}/decision", response_model=DecisionOut, summary="Approve or reject"
)
async def decide(
    approval_id: ApprovalId,
    body: DecisionIn,
    caller: Annotated[Caller, Depends(authorize("opportunity:approve"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
    request: Request,
) -> DecisionOut:
    """Decided once, by the approver role, never by the requester; a second decision is
    409 unless it repeats the first one's `decision_key`."""
    reply = await opportunity_service.DecideApproval(
        pb.DecideApprovalRequest(
            approval_id=approval_id, decision=enum_number(pb.Decision, "DECISION_", body.decision),
            reason=body.reason, decision_key=body.decision_key,
        ),
        **options,
    )  # fmt: skip
    opp = opportunity_out(reply.opportunity) if reply.HasField("opportunity") else None
    return DecisionOut(approval=approval_out(reply.approval), opportunity=opp)
