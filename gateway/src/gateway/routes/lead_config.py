"""/v1/lead-settings, /v1/lead-assignment-rules, /v1/lead-reps: a tenant's lead
configuration (LeadService over gRPC). Every figure of DOMAIN.md is a setting here."""

from __future__ import annotations

from typing import Annotated, Any

from crm.lead.v1 import lead_pb2 as pb
from crm_runtime.protojson import struct_to_dict
from fastapi import APIRouter, Depends, Path, Request
from google.protobuf import json_format, struct_pb2
from pydantic import BaseModel, ConfigDict, Field

from gateway.context import context
from gateway.dependencies import CallOptions, LeadClient
from gateway.guard import authorize
from gateway.identity.caller import Caller
from gateway.problems import PROBLEM_RESPONSES

router = APIRouter(tags=["lead configuration"], responses=PROBLEM_RESPONSES)
RepId = Annotated[str, Path(min_length=1, max_length=64, description="The rep's user id")]
Names = Annotated[list[Annotated[str, Field(max_length=100)]], Field(max_length=100)]


@router.get("/v1/lead-settings", summary="Every lead setting of the tenant, defaults included")
async def get_settings(
    caller: Annotated[Caller, Depends(authorize("lead:read"))],
    lead_service: LeadClient,
    options: CallOptions,
) -> dict[str, Any]:
    return struct_to_dict(
        (await lead_service.GetLeadSettings(pb.GetLeadSettingsRequest(), **options)).settings
    )


class LeadSettingsPatch(BaseModel):
    """Only the settings to change; the lead service names any it does not know."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "recycle_after_days": 45,
                    "duplicate_policy": "merge",
                    "source_points": {"web": 25},
                }
            ]
        },
    )


@router.patch(
    "/v1/lead-settings",
    summary="Change some settings (SLA hours, recycling days, pool, scoring, duplicates)",
)
async def update_settings(
    overrides: LeadSettingsPatch,
    caller: Annotated[Caller, Depends(authorize("lead:configure"))],
    lead_service: LeadClient,
    options: CallOptions,
) -> dict[str, Any]:
    """Unknown settings and bad values get 422 naming the setting, e.g.
    `{"recycle_after_days": 45, "duplicate_policy": "merge", "source_points": {"web": 25}}`."""
    message = struct_pb2.Struct()
    message.update(overrides.model_dump())
    reply = await lead_service.UpdateLeadSettings(
        pb.UpdateLeadSettingsRequest(overrides=message), **options
    )
    return struct_to_dict(reply.settings)


class Rule(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [{"name": "hot to seniors", "min_score": 80, "seniors_only": True}]
        },
    )
    name: str = Field(min_length=1, max_length=100)
    group: str = Field("", max_length=100, description="reps of this group; empty: every rep")
    regions: Names = []
    industries: Names = []
    product_lines: Names = []
    min_score: int | None = Field(
        None, ge=0, le=100, description="e.g. 80 to send hot leads to seniors"
    )
    skills: Names = []
    seniors_only: bool = False


class Rules(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [
                {
                    "rules": [
                        {"name": "hot to seniors", "min_score": 80, "seniors_only": True},
                        {"name": "east", "group": "east", "regions": ["上海", "江苏", "浙江"]},
                    ]
                }
            ]
        },
    )
    rules: list[Rule] = Field(max_length=100, description="evaluated in this order")


def _rules(reply: Any) -> Rules:
    return Rules(rules=[Rule.model_validate(json_format.MessageToDict(r, preserving_proto_field_name=True))
                        for r in reply.rules])  # fmt: skip


@router.get("/v1/lead-assignment-rules", response_model=Rules, summary="Assignment rules in order")
async def get_rules(
    caller: Annotated[Caller, Depends(authorize("lead:read"))],
    lead_service: LeadClient,
    options: CallOptions,
) -> Rules:
    return _rules(
        await lead_service.ListAssignmentRules(pb.ListAssignmentRulesRequest(), **options)
    )


@router.put(
    "/v1/lead-assignment-rules", response_model=Rules, summary="Replace the assignment rules"
)
async def put_rules(
    body: Rules,
    caller: Annotated[Caller, Depends(authorize("lead:configure"))],
    lead_service: LeadClient,
    options: CallOptions,
) -> Rules:
    rules = [pb.AssignmentRule(**r.model_dump(exclude_none=True)) for r in body.rules]
    return _rules(
        await lead_service.ReplaceAssignmentRules(
            pb.ReplaceAssignmentRulesRequest(rules=rules), **options
        )
    )


class RepIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [
                {
                    "name": "李伟",
                    "team_id": "team-east",
                    "groups": ["east"],
                    "skills": ["制造业"],
                    "capacity": 80,
                }
            ]
        },
    )
    name: str = Field("", max_length=100)
    team_id: str = Field("", max_length=64)
    manager_id: str = Field("", max_length=64, description="warned when the rep misses an SLA")
    groups: Names = []
    skills: Names = []
    senior: bool = False
    active: bool = Field(True, description="false once the rep left: never receives leads")
    away: bool = Field(False, description="on leave: skipped by the rules")
    capacity: int | None = Field(
        None, ge=0, le=100_000, description="open leads; empty: the tenant's"
    )


class RepOut(RepIn):
    id: str
    open_leads: int


class Reps(BaseModel):
    items: list[RepOut]


def _rep_out(rep: pb.Rep) -> RepOut:
    values = json_format.MessageToDict(
        rep, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )
    return RepOut.model_validate(values, strict=False)


@router.get("/v1/lead-reps", response_model=Reps, summary="Reps who receive leads, with their load")
async def list_reps(
    caller: Annotated[Caller, Depends(authorize("lead:read"))],
    lead_service: LeadClient,
    options: CallOptions,
) -> Reps:
    return Reps(
        items=[
            _rep_out(r) for r in (await lead_service.ListReps(pb.ListRepsRequest(), **options)).reps
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
    return _rep_out((await lead_service.UpsertRep(pb.UpsertRepRequest(rep=rep), **options)).rep)
