"""/v1/leads lists and the work on a lead: pool, claims, assignment, status, follow-ups,
merges (LeadService over gRPC)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from crm.common.v1 import common_pb2
from crm.lead.v1 import lead_pb2 as pb
from crm_runtime.protojson import timestamp
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from gateway.dependencies import CallOptions, LeadClient
from gateway.guard import authorize
from gateway.identity.caller import Caller
from gateway.instants import instant_query, parse_instant
from gateway.paging import DEFAULT, Cursor, Limit
from gateway.problems import PROBLEM_RESPONSES
from gateway.routes.leads import LeadId, LeadOut, Source, lead_out

router = APIRouter(tags=["leads"], responses=PROBLEM_RESPONSES)

Status = Literal["new", "assigned", "contacted", "qualified", "disqualified", "converted"]
Band = Literal["hot", "warm", "cold"]
Kind = Literal["call", "visit", "wechat", "email", "meeting"]


class LeadPage(BaseModel):
    items: list[LeadOut]
    next_cursor: str


def _filter(
    owner_id: list[str], status: list[Status], source: list[Source], score_band: list[Band],
    tag: list[str], created_from: datetime | None, created_to: datetime | None, q: str,
) -> pb.LeadFilter:  # fmt: skip
    return pb.LeadFilter(
        owner_ids=owner_id,
        statuses=[pb.LeadStatus.Value(f"LEAD_STATUS_{s.upper()}") for s in status],
        sources=list(source), score_bands=list(score_band), tags=tag,
        created_from=timestamp(created_from), created_to=timestamp(created_to), text=q,
    )  # fmt: skip


Many = Query(default_factory=list, max_length=20)


@router.get("/v1/leads", response_model=LeadPage, summary="List and search leads, newest first")
async def list_leads(
    caller: Annotated[Caller, Depends(authorize("lead:read"))],
    lead_service: LeadClient,
    options: CallOptions,
    owner_id: Annotated[list[str], Many],
    status: Annotated[list[Status], Many],
    source: Annotated[list[Source], Many],
    score_band: Annotated[list[Band], Many],
    tag: Annotated[list[str], Many],
    created_from: Annotated[str | None, instant_query("Created at or after (RFC 3339)")] = None,
    created_to: Annotated[str | None, instant_query("Created before (RFC 3339, exclusive)")] = None,
    q: Annotated[str, Query(max_length=100, description="name, company or phone")] = "",
    limit: Limit = DEFAULT,
    cursor: Cursor = "",
) -> LeadPage:
    """A rep sees their own leads, a manager the team's, an admin or director all."""
    reply = await lead_service.ListLeads(
        pb.ListLeadsRequest(
            filter=_filter(
                owner_id,
                status,
                source,
                score_band,
                tag,
                parse_instant("created_from", created_from),
                parse_instant("created_to", created_to),
                q,
            ),
            page=common_pb2.PageRequest(limit=limit, cursor=cursor),
        ),
        **options,
    )
    return LeadPage(items=[lead_out(x) for x in reply.leads], next_cursor=reply.page.next_cursor)


@router.get("/v1/lead-pool", response_model=LeadPage, summary="The public pool, contacts masked")
async def list_pool(
    caller: Annotated[Caller, Depends(authorize("lead:pool_read"))],
    lead_service: LeadClient,
    options: CallOptions,
    source: Annotated[list[Source], Many],
    tag: Annotated[list[str], Many],
    q: Annotated[str, Query(max_length=100)] = "",
    limit: Limit = DEFAULT,
    cursor: Cursor = "",
) -> LeadPage:
    reply = await lead_service.ListPool(
        pb.ListPoolRequest(
            filter=pb.LeadFilter(sources=list(source), tags=tag, text=q),
            page=common_pb2.PageRequest(limit=limit, cursor=cursor),
        ),
        **options,
    )
    return LeadPage(items=[lead_out(x) for x in reply.leads], next_cursor=reply.page.next_cursor)


class Reason(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={"examples": [{"reason": "客户暂无预算，半年后再跟进"}]},
    )
    reason: str = Field(min_length=1, max_length=500)


class Assignment(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={"examples": [{"owner_id": "u-li-wei", "reason": "熟悉制造业客户"}]},
    )
    owner_id: str = Field("", max_length=64, description="empty: run the assignment rules")
    reason: str = Field("", max_length=500)


class StatusChange(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [{"status": "qualified", "reason": "", "expected_version": 0}]
        },
    )
    status: Status
    reason: str = Field("", max_length=500, description="required to disqualify")
    expected_version: int = Field(0, ge=0, description="0: no check; else 409 if the lead moved on")


class MergeRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={"examples": [{"merged_id": "7d9c1f2e-0000-4000-8000-000000000001"}]},
    )
    merged_id: str = Field(min_length=1, max_length=64, description="the duplicate to fold in")


@router.post("/v1/leads/{lead_id}/claim", response_model=LeadOut, summary="Claim a pool lead")
async def claim(
    lead_id: LeadId,
    caller: Annotated[Caller, Depends(authorize("lead:claim"))],
    lead_service: LeadClient,
    options: CallOptions,
) -> LeadOut:
    """Atomic: of two reps claiming the same lead one wins, the other gets 409."""
    return lead_out((await lead_service.ClaimLead(pb.ClaimLeadRequest(id=lead_id), **options)).lead)


@router.post(
    "/v1/leads/{lead_id}/release", response_model=LeadOut, summary="Return a lead to the pool"
)
async def release(
    lead_id: LeadId,
    body: Reason,
    caller: Annotated[Caller, Depends(authorize("lead:release"))],
    lead_service: LeadClient,
    options: CallOptions,
) -> LeadOut:
    reply = await lead_service.ReleaseLeadToPool(
        pb.ReleaseLeadToPoolRequest(id=lead_id, reason=body.reason), **options
    )
    return lead_out(reply.lead)


@router.post(
    "/v1/leads/{lead_id}/assign", response_model=LeadOut, summary="Assign or reassign a lead"
)
async def assign(
    lead_id: LeadId,
    body: Assignment,
    caller: Annotated[Caller, Depends(authorize("lead:assign"))],
    lead_service: LeadClient,
    options: CallOptions,
) -> LeadOut:
    reply = await lead_service.AssignLead(
        pb.AssignLeadRequest(id=lead_id, owner_id=body.owner_id, reason=body.reason), **options
    )
    return lead_out(reply.lead)


@router.post(
    "/v1/leads/{lead_id}/status", response_model=LeadOut, summary="Move a lead along its lifecycle"
)
async def change_status(
    lead_id: LeadId,
    body: StatusChange,
    caller: Annotated[Caller, Depends(authorize("lead:change_status"))],
    lead_service: LeadClient,
    options: CallOptions,
) -> LeadOut:
    """new → assigned → contacted → qualified / disqualified (reason required) → converted."""
    reply = await lead_service.ChangeLeadStatus(
        pb.ChangeLeadStatusRequest(
            id=lead_id, status=pb.LeadStatus.Value(f"LEAD_STATUS_{body.status.upper()}"),
            reason=body.reason, expected_version=body.expected_version,
        ),
        **options,
    )  # fmt: skip
    return lead_out(reply.lead)


@router.post(
    "/v1/leads/{lead_id}/merge", response_model=LeadOut, summary="Merge a duplicate into this lead"
)
async def merge(
    lead_id: LeadId,
    body: MergeRequest,
    caller: Annotated[Caller, Depends(authorize("lead:merge"))],
    lead_service: LeadClient,
    options: CallOptions,
) -> LeadOut:
    reply = await lead_service.MergeLeads(
        pb.MergeLeadsRequest(survivor_id=lead_id, merged_id=body.merged_id), **options
    )
    return lead_out(reply.lead)


class LeadFollowUpIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [
                {
                    "kind": "call",
                    "notes": "电话沟通，确认 200 个座席需求",
                    "next_step": "发送报价",
                    "next_step_at": "2030-01-15T02:00:00Z",
                }
            ]
        },
    )
    kind: Kind
    notes: str = Field(min_length=1, max_length=4000)
    next_step: str = Field("", max_length=500)
    next_step_at: datetime | None = Field(
        None, strict=False, description="when the next step is planned (future)"
    )


class LeadFollowUpOut(BaseModel):
    id: str
    lead_id: str
    kind: Kind
    notes: str
    next_step: str
    next_step_at: datetime | None
    by_user_id: str
    at: datetime


class LeadFollowUpPage(BaseModel):
    items: list[LeadFollowUpOut]
    next_cursor: str


def follow_up_out(f: pb.FollowUp) -> LeadFollowUpOut:
    return LeadFollowUpOut(
        id=f.id, lead_id=f.lead_id,
        kind=pb.FollowUpKind.Name(f.kind).removeprefix("FOLLOW_UP_KIND_").lower(),
        notes=f.notes, next_step=f.next_step,
        next_step_at=f.next_step_at.ToDatetime(tzinfo=UTC) if f.HasField("next_step_at") else None,
        by_user_id=f.by_user_id, at=f.at.ToDatetime(tzinfo=UTC),
    )  # fmt: skip


@router.post(
    "/v1/leads/{lead_id}/follow-ups",
    status_code=201,
    response_model=LeadFollowUpOut,
    summary="Log a follow-up",
)
async def log_follow_up(
    lead_id: LeadId,
    body: LeadFollowUpIn,
    caller: Annotated[Caller, Depends(authorize("lead:follow_up"))],
    lead_service: LeadClient,
    options: CallOptions,
) -> LeadFollowUpOut:
    reply = await lead_service.LogFollowUp(
        pb.LogFollowUpRequest(
            lead_id=lead_id, kind=pb.FollowUpKind.Value(f"FOLLOW_UP_KIND_{body.kind.upper()}"),
            notes=body.notes, next_step=body.next_step, next_step_at=timestamp(body.next_step_at),
        ),
        **options,
    )  # fmt: skip
    return follow_up_out(reply.follow_up)


@router.get(
    "/v1/leads/{lead_id}/follow-ups",
    response_model=LeadFollowUpPage,
    summary="A lead's follow-ups, newest first",
)
async def list_follow_ups(
    lead_id: LeadId,
    caller: Annotated[Caller, Depends(authorize("lead:read"))],
    lead_service: LeadClient,
    options: CallOptions,
    limit: Limit = DEFAULT,
    cursor: Cursor = "",
) -> LeadFollowUpPage:
    reply = await lead_service.ListFollowUps(
        pb.ListFollowUpsRequest(
            lead_id=lead_id, page=common_pb2.PageRequest(limit=limit, cursor=cursor)
        ),
        **options,
    )
    return LeadFollowUpPage(
        items=[follow_up_out(f) for f in reply.follow_ups], next_cursor=reply.page.next_cursor
    )
