"""OpportunityService RPCs of pipelines, settings, opportunities, stages and
approvals: proto in -> use case -> proto out."""

from __future__ import annotations

from typing import Any

from crm.opportunity.v1 import opportunity_pb2 as pb
from crm_runtime.principal import current_principal
from crm_runtime.protojson import struct_to_dict
from google.protobuf import struct_pb2

from opportunity import deal_convert as convert
from opportunity.approval_app import ApprovalQuery
from opportunity.apps import OpportunityApps
from opportunity.grpc_accounts import page_of
from opportunity.grpc_convert import enum_name, money_from_proto


def _struct(values: dict[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(values)
    return message


class PipelineRpcs:
    apps: OpportunityApps

    def CreatePipeline(
        self, request: pb.CreatePipelineRequest, context: Any
    ) -> pb.CreatePipelineResponse:
        pipeline = self.apps.pipelines.create(
            current_principal(), convert.pipeline_draft(request.pipeline)
        )
        return pb.CreatePipelineResponse(pipeline=convert.pipeline_to_proto(pipeline))

    def GetPipeline(self, request: pb.GetPipelineRequest, context: Any) -> pb.GetPipelineResponse:
        pipeline = self.apps.pipelines.get(current_principal(), request.id, request.version)
        return pb.GetPipelineResponse(pipeline=convert.pipeline_to_proto(pipeline))

    def ListPipelines(
        self, request: pb.ListPipelinesRequest, context: Any
    ) -> pb.ListPipelinesResponse:
        items, cursor = self.apps.pipelines.page(
            current_principal(), request.include_inactive, request.page.limit, request.page.cursor
        )
        return pb.ListPipelinesResponse(
            pipelines=[convert.pipeline_to_proto(p) for p in items], page=page_of(cursor)
        )

    def UpdatePipeline(
        self, request: pb.UpdatePipelineRequest, context: Any
    ) -> pb.UpdatePipelineResponse:
        pipeline = self.apps.pipelines.update(
            current_principal(),
            request.id,
            convert.pipeline_draft(request.pipeline),
            request.expected_version,
        )
        return pb.UpdatePipelineResponse(pipeline=convert.pipeline_to_proto(pipeline))

    def GetOpportunitySettings(
        self, request: pb.GetOpportunitySettingsRequest, context: Any
    ) -> pb.GetOpportunitySettingsResponse:
        return pb.GetOpportunitySettingsResponse(
            settings=_struct(self.apps.pipelines.settings(current_principal()))
        )

    def UpdateOpportunitySettings(
        self, request: pb.UpdateOpportunitySettingsRequest, context: Any
    ) -> pb.UpdateOpportunitySettingsResponse:
        settings = self.apps.pipelines.update_settings(
            current_principal(), struct_to_dict(request.overrides)
        )
        return pb.UpdateOpportunitySettingsResponse(settings=_struct(settings))


class DealRpcs:
    apps: OpportunityApps

    def CreateOpportunity(
        self, request: pb.CreateOpportunityRequest, context: Any
    ) -> pb.CreateOpportunityResponse:
        opp = self.apps.deals.create(
            current_principal(), convert.opportunity_draft(request.opportunity),
            idempotency_key=request.idempotency_key,
        )  # fmt: skip
        return pb.CreateOpportunityResponse(opportunity=convert.opportunity_to_proto(opp))

    def GetOpportunity(
        self, request: pb.GetOpportunityRequest, context: Any
    ) -> pb.GetOpportunityResponse:
        opp = self.apps.deals.get(current_principal(), request.id)
        return pb.GetOpportunityResponse(opportunity=convert.opportunity_to_proto(opp))

    def UpdateOpportunity(
        self, request: pb.UpdateOpportunityRequest, context: Any
    ) -> pb.UpdateOpportunityResponse:
        opp = self.apps.deals.update(
            current_principal(), request.id, convert.opportunity_draft(request.opportunity),
            tuple(request.update_mask), request.expected_version,
        )  # fmt: skip
        return pb.UpdateOpportunityResponse(opportunity=convert.opportunity_to_proto(opp))

    def ListOpportunities(
        self, request: pb.ListOpportunitiesRequest, context: Any
    ) -> pb.ListOpportunitiesResponse:
        items, cursor = self.apps.deals.page(current_principal(), convert.query_from_proto(request))
        return pb.ListOpportunitiesResponse(
            opportunities=[convert.opportunity_to_proto(o) for o in items], page=page_of(cursor)
        )

    def ChangeStage(self, request: pb.ChangeStageRequest, context: Any) -> pb.ChangeStageResponse:
        move = self.apps.deals.change_stage(
            current_principal(), request.id, request.to_stage,
            convert.artefact_drafts(list(request.artefacts)), request.note, request.expected_version,
        )  # fmt: skip
        outcome = (
            pb.CHANGE_STAGE_OUTCOME_APPROVAL_PENDING
            if move.pending
            else pb.CHANGE_STAGE_OUTCOME_APPLIED
        )
        return pb.ChangeStageResponse(
            outcome=outcome, opportunity=convert.opportunity_to_proto(move.opportunity),
            approval_id=move.approval_id,
        )  # fmt: skip

    def MarkWon(self, request: pb.MarkWonRequest, context: Any) -> pb.MarkWonResponse:
        opp = self.apps.deals.mark_won(
            current_principal(), request.id, closed_date=request.closed_date,
            amount=money_from_proto(request.amount, request.HasField("amount"), "amount"),
            quote_id=request.quote_id, note=request.note, expected_version=request.expected_version,
        )  # fmt: skip
        return pb.MarkWonResponse(opportunity=convert.opportunity_to_proto(opp))

    def MarkLost(self, request: pb.MarkLostRequest, context: Any) -> pb.MarkLostResponse:
        opp = self.apps.deals.mark_lost(
            current_principal(), request.id, loss_reason=request.loss_reason,
            competitor=request.competitor, closed_date=request.closed_date, note=request.note,
            expected_version=request.expected_version,
        )  # fmt: skip
        return pb.MarkLostResponse(opportunity=convert.opportunity_to_proto(opp))

    def ReopenOpportunity(
        self, request: pb.ReopenOpportunityRequest, context: Any
    ) -> pb.ReopenOpportunityResponse:
        opp = self.apps.deals.reopen(
            current_principal(),
            request.id,
            request.to_stage,
            request.reason,
            request.expected_version,
        )
        return pb.ReopenOpportunityResponse(opportunity=convert.opportunity_to_proto(opp))

    def GetStageHistory(
        self, request: pb.GetStageHistoryRequest, context: Any
    ) -> pb.GetStageHistoryResponse:
        changes, cursor = self.apps.deals.history(
            current_principal(), request.opportunity_id, request.page.limit, request.page.cursor
        )
        return pb.GetStageHistoryResponse(
            changes=[convert.change_to_proto(c) for c in changes], page=page_of(cursor)
        )


class ApprovalRpcs:
    apps: OpportunityApps

    def ListApprovals(
        self, request: pb.ListApprovalsRequest, context: Any
    ) -> pb.ListApprovalsResponse:
        query = ApprovalQuery(
            statuses=tuple(enum_name(pb.ApprovalStatus, s, convert.APPROVAL_STATUS) or "unspecified" for s in request.statuses),
            kinds=tuple(enum_name(pb.ApprovalKind, k, convert.APPROVAL_KIND) or "unspecified" for k in request.kinds),
            opportunity_id=request.opportunity_id, assigned_to_me=request.assigned_to_me,
            limit=request.page.limit, cursor=request.page.cursor,
        )  # fmt: skip
        items, cursor = self.apps.approvals.page(current_principal(), query)
        return pb.ListApprovalsResponse(
            approvals=[convert.approval_to_proto(a) for a in items], page=page_of(cursor)
        )

    def DecideApproval(
        self, request: pb.DecideApprovalRequest, context: Any
    ) -> pb.DecideApprovalResponse:
        decision = enum_name(pb.Decision, request.decision, "DECISION_") or "unspecified"
        decided = self.apps.approvals.decide(
            current_principal(), request.approval_id, decision, request.reason, request.decision_key
        )
        opp = convert.opportunity_to_proto(decided.opportunity) if decided.opportunity else None
        return pb.DecideApprovalResponse(
            approval=convert.approval_to_proto(decided.approval), opportunity=opp
        )
