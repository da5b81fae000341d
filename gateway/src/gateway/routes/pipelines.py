"""/v1/pipelines and /v1/opportunity-settings: a tenant's sales stages, their gates and
approval rules, every change a new version that deals created earlier do not see; and
the figures pipelines fall back on (approval threshold, approver, cadence, dormancy)."""

from __future__ import annotations

from typing import Annotated

from crm.common.v1 import common_pb2
from crm.opportunity.v1 import opportunity_pb2 as pb
from fastapi import APIRouter, Depends, Path, Query, Response

from gateway.access.guard import authorize
from gateway.conventions.created import created
from gateway.conventions.etag import IfMatch, if_match_version, set_etag
from gateway.conventions.paging import DEFAULT, Cursor, Limit
from gateway.conventions.problems import PROBLEM_RESPONSES
from gateway.dependencies import CallOptions, OpportunityClient
from gateway.identity.caller import Caller
from gateway.schemas.opportunity_settings import (
    OpportunitySettings,
    OpportunitySettingsPatch,
)
from gateway.schemas.pipelines import (
    PipelineIn,
    PipelineOut,
    PipelinePage,
    PipelineReplace,
    pipeline_input,
    pipeline_out,
)
from gateway.schemas.values import STALE, settings_out, settings_struct

router = APIRouter(tags=["pipelines"], responses=PROBLEM_RESPONSES)
PipelineId = Annotated[str, Path(min_length=1, max_length=64, description="The pipeline's id")]


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
    created(response, f"/v1/pipelines/{reply.pipeline.id}", reply.pipeline.version)
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
    if_match: IfMatch = None,
) -> PipelineOut:
    """Deals created under earlier versions keep their rules; a stale `If-Match`
    answers 412."""
    reply = await opportunity_service.UpdatePipeline(
        pb.UpdatePipelineRequest(
            id=pipeline_id,
            pipeline=pipeline_input(body),
            expected_version=if_match_version(if_match),
        ),
        **options,
    )
    set_etag(response, reply.pipeline.version)
    return pipeline_out(reply.pipeline)


@router.get(
    "/v1/opportunity-settings",
    response_model=OpportunitySettings,
    summary="The tenant's opportunity settings, defaults included (ETag)",
)
async def get_settings(
    caller: Annotated[Caller, Depends(authorize("pipeline:read"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
    response: Response,
) -> OpportunitySettings:
    reply = await opportunity_service.GetOpportunitySettings(
        pb.GetOpportunitySettingsRequest(), **options
    )
    set_etag(response, reply.version)
    return settings_out(OpportunitySettings, reply.settings)


@router.patch(
    "/v1/opportunity-settings",
    response_model=OpportunitySettings,
    summary="Change settings (threshold, approver, cadence, dormancy; If-Match)",
)
async def update_settings(
    overrides: OpportunitySettingsPatch,
    caller: Annotated[Caller, Depends(authorize("pipeline:manage"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
    response: Response,
    if_match: IfMatch = None,
) -> OpportunitySettings:
    reply = await opportunity_service.UpdateOpportunitySettings(
        pb.UpdateOpportunitySettingsRequest(
            overrides=settings_struct(overrides), expected_version=if_match_version(if_match)
        ),
        **options,
    )
    set_etag(response, reply.version)
    return settings_out(OpportunitySettings, reply.settings)
