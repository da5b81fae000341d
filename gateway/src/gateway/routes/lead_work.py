"""/v1/leads lists and the work on a lead: pool, claims, assignment, status, follow-ups,
merges (LeadService over gRPC)."""

from __future__ import annotations

from typing import Annotated

from crm.common.v1 import common_pb2
from crm.lead.v1 import lead_pb2 as pb
from crm_runtime.rpc.protojson import timestamp
from fastapi import APIRouter, Depends, Query, Response

from gateway.access.guard import authorize
from gateway.conventions.created import created
from gateway.conventions.etag import IfMatch, if_match_version, set_etag
from gateway.conventions.instants import instant_query, parse_instant
from gateway.conventions.paging import DEFAULT, Cursor, Limit, Many
from gateway.conventions.problems import PROBLEM_RESPONSES
from gateway.dependencies import CallOptions, LeadClient
from gateway.identity.caller import Caller
from gateway.schemas.lead_work import (
    Assignment,
    Band,
    LeadFollowUpIn,
    LeadFollowUpOut,
    LeadFollowUpPage,
    LeadPage,
    MergeRequest,
    Reason,
    Status,
    StatusChange,
    follow_up_out,
    lead_filter,
)
from gateway.schemas.leads import LeadId, LeadOut, Source, lead_out

router = APIRouter(tags=["leads"], responses=PROBLEM_RESPONSES)


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
    created_at_from: Annotated[str | None, instant_query("Created at or after (RFC 3339)")] = None,
    created_at_to: Annotated[str | None, instant_query("Created at or before (RFC 3339)")] = None,
    q: Annotated[str, Query(max_length=100, description="name, company or phone")] = "",
    limit: Limit = DEFAULT,
    cursor: Cursor = "",
) -> LeadPage:
    """A rep sees their own leads, a manager the team's, an admin or director all."""
    reply = await lead_service.ListLeads(
        pb.ListLeadsRequest(
            filter=lead_filter(
                owner_id,
                status,
                source,
                score_band,
                tag,
                parse_instant("created_at_from", created_at_from),
                parse_instant("created_at_to", created_at_to),
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


@router.post("/v1/leads/{lead_id}/claim", response_model=LeadOut, summary="Claim a pool lead")
async def claim(
    lead_id: LeadId,
    caller: Annotated[Caller, Depends(authorize("lead:claim"))],
    lead_service: LeadClient,
    options: CallOptions,
    response: Response,
    if_match: IfMatch = None,
) -> LeadOut:
    """Atomic: of two reps claiming the same lead one wins, the other gets 409."""
    reply = await lead_service.ClaimLead(
        pb.ClaimLeadRequest(id=lead_id, expected_version=if_match_version(if_match)), **options
    )
    return _changed(response, reply.lead)


@router.post(
    "/v1/leads/{lead_id}/release", response_model=LeadOut, summary="Return a lead to the pool"
)
async def release(
    lead_id: LeadId,
    body: Reason,
    caller: Annotated[Caller, Depends(authorize("lead:release"))],
    lead_service: LeadClient,
    options: CallOptions,
    response: Response,
    if_match: IfMatch = None,
) -> LeadOut:
    reply = await lead_service.ReleaseLeadToPool(
        pb.ReleaseLeadToPoolRequest(
            id=lead_id, reason=body.reason, expected_version=if_match_version(if_match)
        ),
        **options,
    )
    return _changed(response, reply.lead)


@router.post(
    "/v1/leads/{lead_id}/assign", response_model=LeadOut, summary="Assign or reassign a lead"
)
async def assign(
    lead_id: LeadId,
    body: Assignment,
    caller: Annotated[Caller, Depends(authorize("lead:assign"))],
    lead_service: LeadClient,
    options: CallOptions,
    response: Response,
    if_match: IfMatch = None,
) -> LeadOut:
    reply = await lead_service.AssignLead(
        pb.AssignLeadRequest(
            id=lead_id,
            owner_id=body.owner_id,
            reason=body.reason,
            expected_version=if_match_version(if_match),
        ),
        **options,
    )
    return _changed(response, reply.lead)


@router.post(
    "/v1/leads/{lead_id}/status", response_model=LeadOut, summary="Move a lead along its lifecycle"
)
async def change_status(
    lead_id: LeadId,
    body: StatusChange,
    caller: Annotated[Caller, Depends(authorize("lead:change_status"))],
    lead_service: LeadClient,
    options: CallOptions,
    response: Response,
    if_match: IfMatch = None,
) -> LeadOut:
    """new → assigned → contacted → qualified / disqualified (reason required) → converted."""
    reply = await lead_service.ChangeLeadStatus(
        pb.ChangeLeadStatusRequest(
            id=lead_id,
            status=pb.LeadStatus.Value(f"LEAD_STATUS_{body.status.upper()}"),
            reason=body.reason,
            expected_version=if_match_version(if_match),
        ),
        **options,
    )
    return _changed(response, reply.lead)


@router.post(
    "/v1/leads/{lead_id}/merge", response_model=LeadOut, summary="Merge a duplicate into this lead"
)
async def merge(
    lead_id: LeadId,
    body: MergeRequest,
    caller: Annotated[Caller, Depends(authorize("lead:merge"))],
    lead_service: LeadClient,
    options: CallOptions,
    response: Response,
    if_match: IfMatch = None,
) -> LeadOut:
    """`If-Match` names the version of this lead, the one that stays."""
    reply = await lead_service.MergeLeads(
        pb.MergeLeadsRequest(
            survivor_id=lead_id,
            merged_id=body.merged_id,
            expected_version=if_match_version(if_match),
        ),
        **options,
    )
    return _changed(response, reply.lead)


def _changed(response: Response, lead: pb.Lead) -> LeadOut:
    """A changed lead, with its new version as the ETag."""
    set_etag(response, lead.version)
    return lead_out(lead)


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
    response: Response,
) -> LeadFollowUpOut:
    """A follow-up has no read of its own: `Location` names the list it appears in."""
    reply = await lead_service.LogFollowUp(
        pb.LogFollowUpRequest(
            lead_id=lead_id,
            kind=pb.FollowUpKind.Value(f"FOLLOW_UP_KIND_{body.kind.upper()}"),
            notes=body.notes,
            next_step=body.next_step,
            next_step_at=timestamp(body.next_step_at),
        ),
        **options,
    )
    created(response, f"/v1/leads/{lead_id}/follow-ups")
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
