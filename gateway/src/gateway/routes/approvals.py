"""/v1/approvals: the approvers' queue (stage changes of big deals; other kinds share
it) and their decisions, idempotent by `decision_key` so that an OA system may repeat
its callback (OpportunityService over gRPC)."""

from __future__ import annotations

from typing import Annotated, Literal

from crm.common.v1 import common_pb2
from crm.opportunity.v1 import opportunity_pb2 as pb
from fastapi import APIRouter, Depends, Path, Query, Request

from gateway.access.guard import authorize
from gateway.conventions.paging import DEFAULT, Cursor, Limit
from gateway.conventions.problems import PROBLEM_RESPONSES
from gateway.dependencies import CallOptions, OpportunityClient
from gateway.identity.caller import Caller
from gateway.schemas.approvals import (
    KIND,
    STATUS,
    ApprovalPage,
    DecisionIn,
    DecisionOut,
    approval_out,
)
from gateway.schemas.opportunities import opportunity_out
from gateway.schemas.values import enum_number

router = APIRouter(tags=["approvals"], responses=PROBLEM_RESPONSES)
ApprovalId = Annotated[str, Path(min_length=1, max_length=64, description="The approval's id")]
Status = Literal["pending", "approved", "rejected", "cancelled"]
Kind = Literal["stage_change", "quote_discount"]


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
            kinds=[enum_number(pb.ApprovalKind, KIND, k) for k in kind],
            opportunity_id=opportunity_id,
            assigned_to_me=assigned_to_me,
            page=common_pb2.PageRequest(limit=limit, cursor=cursor),
        ),
        **options,
    )
    return ApprovalPage(
        items=[approval_out(a) for a in reply.approvals], next_cursor=reply.page.next_cursor
    )


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
            approval_id=approval_id,
            decision=enum_number(pb.Decision, "DECISION_", body.decision),
            reason=body.reason,
            decision_key=body.decision_key,
        ),
        **options,
    )
    opp = opportunity_out(reply.opportunity) if reply.HasField("opportunity") else None
    return DecisionOut(approval=approval_out(reply.approval), opportunity=opp)
