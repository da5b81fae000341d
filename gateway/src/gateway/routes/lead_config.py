"""/v1/lead-settings, /v1/lead-assignment-rules, /v1/lead-reps: a tenant's lead
configuration (LeadService over gRPC). Every figure of DOMAIN.md is a setting here."""

from __future__ import annotations

from typing import Annotated

from crm.lead.v1 import lead_pb2 as pb
from fastapi import APIRouter, Depends, Path, Request, Response

from gateway.access.guard import authorize
from gateway.context import context
from gateway.conventions.etag import IfMatch, if_match_version, set_etag
from gateway.conventions.problems import PROBLEM_RESPONSES
from gateway.dependencies import CallOptions, LeadClient
from gateway.identity.caller import Caller
from gateway.schemas.lead_config import (
    RepIn,
    RepOut,
    Reps,
    Rules,
    rep_out,
    rules_out,
)
from gateway.schemas.lead_settings import LeadSettings, LeadSettingsPatch
from gateway.schemas.values import settings_out, settings_struct

router = APIRouter(tags=["lead configuration"], responses=PROBLEM_RESPONSES)
RepId = Annotated[str, Path(min_length=1, max_length=64, description="The rep's user id")]


@router.get(
    "/v1/lead-settings",
    response_model=LeadSettings,
    summary="Every lead setting of the tenant, defaults included (ETag)",
)
async def get_settings(
    caller: Annotated[Caller, Depends(authorize("lead:read"))],
    lead_service: LeadClient,
    options: CallOptions,
    response: Response,
) -> LeadSettings:
    reply = await lead_service.GetLeadSettings(pb.GetLeadSettingsRequest(), **options)
    set_etag(response, reply.version)
    return settings_out(LeadSettings, reply.settings)


@router.patch(
    "/v1/lead-settings",
    response_model=LeadSettings,
    summary="Change some settings (SLA hours, recycling days, pool, scoring, duplicates; If-Match)",
)
async def update_settings(
    overrides: LeadSettingsPatch,
    caller: Annotated[Caller, Depends(authorize("lead:configure"))],
    lead_service: LeadClient,
    options: CallOptions,
    response: Response,
    if_match: IfMatch = None,
) -> LeadSettings:
    """Unknown settings and bad values get 422 naming the setting, e.g.
    `{"recycle_after_days": 45, "duplicate_policy": "merge", "source_points": {"web": 25}}`."""
    reply = await lead_service.UpdateLeadSettings(
        pb.UpdateLeadSettingsRequest(
            overrides=settings_struct(overrides), expected_version=if_match_version(if_match)
        ),
        **options,
    )
    set_etag(response, reply.version)
    return settings_out(LeadSettings, reply.settings)


@router.get(
    "/v1/lead-assignment-rules", response_model=Rules, summary="Assignment rules in order (ETag)"
)
async def get_rules(
    caller: Annotated[Caller, Depends(authorize("lead:read"))],
    lead_service: LeadClient,
    options: CallOptions,
    response: Response,
) -> Rules:
    """The ETag is the version of the whole set, which each replacement moves on."""
    reply = await lead_service.ListAssignmentRules(pb.ListAssignmentRulesRequest(), **options)
    set_etag(response, reply.version)
    return rules_out(reply)


@router.put(
    "/v1/lead-assignment-rules",
    response_model=Rules,
    summary="Replace the assignment rules (If-Match)",
)
async def put_rules(
    body: Rules,
    caller: Annotated[Caller, Depends(authorize("lead:configure"))],
    lead_service: LeadClient,
    options: CallOptions,
    response: Response,
    if_match: IfMatch = None,
) -> Rules:
    rules = [pb.AssignmentRule(**r.model_dump(exclude_none=True)) for r in body.rules]
    reply = await lead_service.ReplaceAssignmentRules(
        pb.ReplaceAssignmentRulesRequest(rules=rules, expected_version=if_match_version(if_match)),
        **options,
    )
    set_etag(response, reply.version)
    return rules_out(reply)


@router.get("/v1/lead-reps", response_model=Reps, summary="Reps who receive leads, with their load")
async def list_reps(
    caller: Annotated[Caller, Depends(authorize("lead:read"))],
    lead_service: LeadClient,
    options: CallOptions,
) -> Reps:
    return Reps(
        items=[
            rep_out(r) for r in (await lead_service.ListReps(pb.ListRepsRequest(), **options)).reps
        ]
    )


@router.put("/v1/lead-reps/{rep_id}", response_model=RepOut, summary="Add or change a rep")
async def put_rep(
    rep_id: RepId,
    body: RepIn,
    caller: Annotated[Caller, Depends(authorize("lead:configure"))],
    lead_service: LeadClient,
    options: CallOptions,
    request: Request,
) -> RepOut:
    await context(request).users(caller.tenant_id).get(rep_id)  # 404 unless a person of this tenant
    rep = pb.Rep(id=rep_id, **body.model_dump(exclude_none=True))
    return rep_out((await lead_service.UpsertRep(pb.UpsertRepRequest(rep=rep), **options)).rep)
