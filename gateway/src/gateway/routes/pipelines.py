"""/v1/pipelines and /v1/opportunity-settings: a tenant's sales stages, their gates and
approval rules, every change a new version that deals created earlier do not see; and
the figures pipelines fall back on (approval threshold, approver, cadence, dormancy)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from crm.common.v1 import common_pb2
from crm.opportunity.v1 import opportunity_pb2 as pb
from crm_runtime.protojson import struct_to_dict
from fastapi import APIRouter, Depends, Path, Query, Response
from google.protobuf import struct_pb2
from pydantic import BaseModel, ConfigDict, Field

from gateway.crm_values import STALE, Money, enum_number, enum_text, money_field, money_to_proto
from gateway.dependencies import CallOptions, OpportunityClient
from gateway.etag import set_etag
from gateway.guard import authorize
from gateway.identity.caller import Caller
from gateway.paging import DEFAULT, Cursor, Limit
from gateway.problems import PROBLEM_RESPONSES

router = APIRouter(tags=["pipelines"], responses=PROBLEM_RESPONSES)
PipelineId = Annotated[str, Path(min_length=1, max_length=64, description="The pipeline's id")]
Names = Annotated[list[Annotated[str, Field(max_length=100)]], Field(max_length=20)]
KIND = "STAGE_KIND_"


class StageIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    key: str = Field(max_length=64, description="stable code, e.g. needs_confirmed")
    name: str = Field(max_length=100, description="display name, e.g. 需求确认")
    kind: Literal["open", "won", "lost"] = "open"
    win_probability: int = Field(ge=0, le=100)
    position: int = Field(0, ge=0, le=1000, description="order; 0: the list's order")
    required_fields: Names = Field(
        default_factory=list, description="deal fields that must be set to enter"
    )
    required_artefacts: Names = Field(
        default_factory=list, description="artefact kinds that must be supplied"
    )
    allow_skip: bool = Field(False, description="a forward move may jump over this stage")
    requires_approval: bool = Field(
        False, description="big deals entering it wait for the approver"
    )


class PipelineIn(BaseModel):
    """The whole definition; a change is a new version (deals keep theirs)."""

    model_config = ConfigDict(
        extra="forbid", strict=True,
        json_schema_extra={"examples": [{
            "name": "硬件产品线", "is_default": False,
            "stages": [
                {"key": "initial_contact", "name": "初步接洽", "win_probability": 10},
                {"key": "needs_confirmed", "name": "需求确认", "win_probability": 30,
                 "required_fields": ["amount", "expected_close_date"]},
                {"key": "quote_negotiation", "name": "报价谈判", "win_probability": 70,
                 "required_artefacts": ["signed_requirements_doc"], "requires_approval": True},
                {"key": "won", "name": "赢单", "kind": "won", "win_probability": 100},
                {"key": "lost", "name": "输单", "kind": "lost", "win_probability": 0},
            ],
            "approval_threshold": {"amount": "300000", "currency": "CNY"},
            "cadence_days": 3,
        }]},
    )  # fmt: skip
    name: str = Field(max_length=100)
    is_default: bool = False
    active: bool = True
    stages: list[StageIn] = Field(max_length=30)
    approval_threshold: Money | None = Field(None, description="empty: the tenant's setting")
    approver_role: str = Field("", max_length=64, description="empty: the tenant's setting")
    quote_discount_threshold_percent: str = Field(
        "", max_length=12, pattern=r"^(\d{1,3}(\.\d{1,4})?)?$"
    )
    cadence_days: int = Field(0, ge=0, le=90, description="0: the tenant's setting")


class PipelineReplace(PipelineIn):
    model_config = ConfigDict(
        extra="forbid", strict=True,
        json_schema_extra={"examples": [{
            "name": "默认销售流程", "is_default": True, "expected_version": 1,
            "stages": [
                {"key": "initial_contact", "name": "初步接洽", "win_probability": 10},
                {"key": "solution", "name": "方案报价", "win_probability": 50, "allow_skip": True},
                {"key": "won", "name": "赢单", "kind": "won", "win_probability": 100},
                {"key": "lost", "name": "输单", "kind": "lost", "win_probability": 0},
            ],
        }]},
    )  # fmt: skip
    expected_version: int = Field(0, ge=0, description="the version you read; 0: no check")


class StageOut(BaseModel):
    key: str
    name: str
    kind: str
    win_probability: int
    position: int
    required_fields: list[str]
    required_artefacts: list[str]
    allow_skip: bool
    requires_approval: bool


class PipelineOut(BaseModel):
    id: str
    name: str
    version: int
    is_default: bool
    active: bool
    stages: list[StageOut]
    approval_threshold: Money | None
    approver_role: str
    quote_discount_threshold_percent: str
    cadence_days: int
    created_at: datetime
    updated_at: datetime


class PipelinePage(BaseModel):
    items: list[PipelineOut]
    next_cursor: str


def pipeline_input(body: PipelineIn) -> pb.PipelineInput:
    stages = [
        pb.Stage(**s.model_dump(exclude={"kind"}), kind=enum_number(pb.StageKind, KIND, s.kind))
        for s in body.stages
    ]
    return pb.PipelineInput(
        name=body.name, is_default=body.is_default, active=body.active, stages=stages,
        approval_threshold=money_to_proto(body.approval_threshold), approver_role=body.approver_role,
        quote_discount_threshold_percent=body.quote_discount_threshold_percent, cadence_days=body.cadence_days,
    )  # fmt: skip


def pipeline_out(p: pb.Pipeline) -> PipelineOut:
    return PipelineOut(
        id=p.id, name=p.name, version=p.version, is_default=p.is_default, active=p.active,
        stages=[
            StageOut(key=s.key, name=s.name, kind=enum_text(pb.StageKind, s.kind, KIND),
                     win_probability=s.win_probability, position=s.position,
                     required_fields=list(s.required_fields), required_artefacts=list(s.required_artefacts),
                     allow_skip=s.allow_skip, requires_approval=s.requires_approval)
            for s in p.stages
        ],
        approval_threshold=money_field(p, "approval_threshold"), approver_role=p.approver_role,
        quote_discount_threshold_percent=p.quote_discount_threshold_percent, cadence_days=p.cadence_days,
        created_at=p.created_at.ToDatetime(tzinfo=UTC), updated_at=p.updated_at.ToDatetime(tzinfo=UTC),
    )  # fmt: skip


@router.post(
    "/v1/pipelines", status_code=201, response_model=PipelineOut, summary="Create a pipeline"
)
async def create_pipeline(
    body: PipelineIn,
    caller: Annotated[Caller, Depends(authorize("pipeline:manage"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
    response: Response,
) -> PipelineOut:
    """Exactly one won and one lost stage, at least one open; made the default, it
    takes over from the previous default."""
    reply = await opportunity_service.CreatePipeline(
        pb.CreatePipelineRequest(pipeline=pipeline_input(body)), **options
    )
    set_etag(response, reply.pipeline.version)
    return pipeline_out(reply.pipeline)


@router.get(
    "/v1/pipelines", response_model=PipelinePage, summary="The tenant's pipelines, latest versions"
)
async def list_pipelines(
    caller: Annotated[Caller, Depends(authorize("pipeline:read"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
    include_inactive: Annotated[bool, Query()] = False,
    limit: Limit = DEFAULT,
    cursor: Cursor = "",
) -> PipelinePage:
    """A tenant without pipelines gets DOMAIN.md's default one (10 → 30 → 50 → 70 → 90 %)."""
    reply = await opportunity_service.ListPipelines(
        pb.ListPipelinesRequest(
            include_inactive=include_inactive,
            page=common_pb2.PageRequest(limit=limit, cursor=cursor),
        ),
        **options,
    )
    return PipelinePage(
        items=[pipeline_out(p) for p in reply.pipelines], next_cursor=reply.page.next_cursor
    )


@router.get(
    "/v1/pipelines/{pipeline_id}", response_model=PipelineOut, summary="Read a pipeline (a version)"
)
async def get_pipeline(
    pipeline_id: PipelineId,
    caller: Annotated[Caller, Depends(authorize("pipeline:read"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
    response: Response,
    version: Annotated[int, Query(ge=0, le=1_000_000, description="0: the latest")] = 0,
) -> PipelineOut:
    reply = await opportunity_service.GetPipeline(
        pb.GetPipelineRequest(id=pipeline_id, version=version), **options
    )
    set_etag(response, reply.pipeline.version)
    return pipeline_out(reply.pipeline)


@router.put(
    "/v1/pipelines/{pipeline_id}",
    responses=STALE,
    response_model=PipelineOut,
    summary="Replace a pipeline (new version)",
)
async def replace_pipeline(
    pipeline_id: PipelineId,
    body: PipelineReplace,
    caller: Annotated[Caller, Depends(authorize("pipeline:manage"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
    response: Response,
) -> PipelineOut:
    """Deals created under earlier versions keep their rules; a stale
    `expected_version` answers 409."""
    reply = await opportunity_service.UpdatePipeline(
        pb.UpdatePipelineRequest(
            id=pipeline_id, pipeline=pipeline_input(body), expected_version=body.expected_version
        ),
        **options,
    )
    set_etag(response, reply.pipeline.version)
    return pipeline_out(reply.pipeline)


@router.get(
    "/v1/opportunity-settings", summary="The tenant's opportunity settings, defaults included"
)
async def get_settings(
    caller: Annotated[Caller, Depends(authorize("pipeline:read"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
) -> dict[str, Any]:
    reply = await opportunity_service.GetOpportunitySettings(
        pb.GetOpportunitySettingsRequest(), **options
    )
    return struct_to_dict(reply.settings)


class OpportunitySettingsPatch(BaseModel):
    """Only the settings to change; the service names any it does not know."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {"approval_threshold": "800000", "cadence_days": 3, "dormant_after_days": 45}
            ]
        },
    )


@router.patch(
    "/v1/opportunity-settings", summary="Change settings (threshold, approver, cadence, dormancy)"
)
async def update_settings(
    overrides: OpportunitySettingsPatch,
    caller: Annotated[Caller, Depends(authorize("pipeline:manage"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
) -> dict[str, Any]:
    message = struct_pb2.Struct()
    message.update(overrides.model_dump())
    reply = await opportunity_service.UpdateOpportunitySettings(
        pb.UpdateOpportunitySettingsRequest(overrides=message), **options
    )
    return struct_to_dict(reply.settings)
