"""OpportunityService RPCs of pipelines and the tenant's opportunity settings: proto in
-> use case -> proto out."""

from __future__ import annotations

from typing import Any, Protocol

from crm.opportunity.v1 import opportunity_pb2 as pb
from crm_runtime.principal import current_principal
from crm_runtime.rpc.protojson import struct_to_dict
from google.protobuf import struct_pb2

from opportunity.pipelines.proto import pipeline_draft, pipeline_to_proto
from opportunity.pipelines.use_cases import PipelineApp
from opportunity.proto import page_of


def _struct(values: dict[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(values)
    return message


class PipelineUseCases(Protocol):
    """What PipelineRpcs needs of the service's use cases (opportunity.apps.OpportunityApps)."""

    @property
    def pipelines(self) -> PipelineApp: ...


class PipelineRpcs:
    apps: PipelineUseCases

    def CreatePipeline(
        self, request: pb.CreatePipelineRequest, context: Any
    ) -> pb.CreatePipelineResponse:
        pipeline = self.apps.pipelines.create(current_principal(), pipeline_draft(request.pipeline))
        return pb.CreatePipelineResponse(pipeline=pipeline_to_proto(pipeline))

    def GetPipeline(self, request: pb.GetPipelineRequest, context: Any) -> pb.GetPipelineResponse:
        pipeline = self.apps.pipelines.get(current_principal(), request.id, request.version)
        return pb.GetPipelineResponse(pipeline=pipeline_to_proto(pipeline))

    def ListPipelines(
        self, request: pb.ListPipelinesRequest, context: Any
    ) -> pb.ListPipelinesResponse:
        items, cursor = self.apps.pipelines.page(
            current_principal(), request.include_inactive, request.page.limit, request.page.cursor
        )
        return pb.ListPipelinesResponse(
            pipelines=[pipeline_to_proto(p) for p in items], page=page_of(cursor)
        )

    def UpdatePipeline(
        self, request: pb.UpdatePipelineRequest, context: Any
    ) -> pb.UpdatePipelineResponse:
        pipeline = self.apps.pipelines.update(
            current_principal(),
            request.id,
            pipeline_draft(request.pipeline),
            request.expected_version,
        )
        return pb.UpdatePipelineResponse(pipeline=pipeline_to_proto(pipeline))

    def GetOpportunitySettings(
        self, request: pb.GetOpportunitySettingsRequest, context: Any
    ) -> pb.GetOpportunitySettingsResponse:
        settings, version = self.apps.pipelines.settings(current_principal())
        return pb.GetOpportunitySettingsResponse(settings=_struct(settings), version=version)

    def UpdateOpportunitySettings(
        self, request: pb.UpdateOpportunitySettingsRequest, context: Any
    ) -> pb.UpdateOpportunitySettingsResponse:
        settings, version = self.apps.pipelines.update_settings(
            current_principal(), struct_to_dict(request.overrides), request.expected_version
        )
        return pb.UpdateOpportunitySettingsResponse(settings=_struct(settings), version=version)
