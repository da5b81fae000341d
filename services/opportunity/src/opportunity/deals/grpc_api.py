"""OpportunityService RPCs of opportunities and their stages: proto in -> use case ->
proto out."""

from __future__ import annotations

from typing import Any, Protocol

from crm.opportunity.v1 import opportunity_pb2 as pb
from crm_runtime.principal import current_principal

from opportunity.deals.proto import (
    artefact_drafts,
    change_to_proto,
    opportunity_draft,
    opportunity_to_proto,
    query_from_proto,
)
from opportunity.deals.use_cases import OpportunityApp
from opportunity.proto import money_from_proto, page_of


class DealUseCases(Protocol):
    """What DealRpcs needs of the service's use cases (opportunity.apps.OpportunityApps)."""

    @property
    def deals(self) -> OpportunityApp: ...


class DealRpcs:
    apps: DealUseCases

    def CreateOpportunity(
        self, request: pb.CreateOpportunityRequest, context: Any
    ) -> pb.CreateOpportunityResponse:
        opp = self.apps.deals.create(
            current_principal(),
            opportunity_draft(request.opportunity),
            idempotency_key=request.idempotency_key,
        )
        return pb.CreateOpportunityResponse(opportunity=opportunity_to_proto(opp))

    def GetOpportunity(
        self, request: pb.GetOpportunityRequest, context: Any
    ) -> pb.GetOpportunityResponse:
        opp = self.apps.deals.get(current_principal(), request.id)
        return pb.GetOpportunityResponse(opportunity=opportunity_to_proto(opp))

    def UpdateOpportunity(
        self, request: pb.UpdateOpportunityRequest, context: Any
    ) -> pb.UpdateOpportunityResponse:
        opp = self.apps.deals.update(
            current_principal(),
            request.id,
            opportunity_draft(request.opportunity),
            tuple(request.update_mask),
            request.expected_version,
        )
        return pb.UpdateOpportunityResponse(opportunity=opportunity_to_proto(opp))

    def ListOpportunities(
        self, request: pb.ListOpportunitiesRequest, context: Any
    ) -> pb.ListOpportunitiesResponse:
        items, cursor = self.apps.deals.page(current_principal(), query_from_proto(request))
        return pb.ListOpportunitiesResponse(
            opportunities=[opportunity_to_proto(o) for o in items], page=page_of(cursor)
        )

    def ChangeStage(self, request: pb.ChangeStageRequest, context: Any) -> pb.ChangeStageResponse:
        move = self.apps.deals.change_stage(
            current_principal(),
            request.id,
            request.to_stage,
            artefact_drafts(list(request.artefacts)),
            request.note,
            request.expected_version,
        )
        outcome = (
            pb.CHANGE_STAGE_OUTCOME_APPROVAL_PENDING
            if move.pending
            else pb.CHANGE_STAGE_OUTCOME_APPLIED
        )
        return pb.ChangeStageResponse(
            outcome=outcome,
            opportunity=opportunity_to_proto(move.opportunity),
            approval_id=move.approval_id,
        )

    def MarkWon(self, request: pb.MarkWonRequest, context: Any) -> pb.MarkWonResponse:
        opp = self.apps.deals.mark_won(
            current_principal(),
            request.id,
            closed_date=request.closed_date,
            amount=money_from_proto(request.amount, request.HasField("amount"), "amount"),
            quote_id=request.quote_id,
            note=request.note,
            expected_version=request.expected_version,
        )
        return pb.MarkWonResponse(opportunity=opportunity_to_proto(opp))

    def MarkLost(self, request: pb.MarkLostRequest, context: Any) -> pb.MarkLostResponse:
        opp = self.apps.deals.mark_lost(
            current_principal(),
            request.id,
            loss_reason=request.loss_reason,
            competitor=request.competitor,
            closed_date=request.closed_date,
            note=request.note,
            expected_version=request.expected_version,
        )
        return pb.MarkLostResponse(opportunity=opportunity_to_proto(opp))

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
        return pb.ReopenOpportunityResponse(opportunity=opportunity_to_proto(opp))

    def GetStageHistory(
        self, request: pb.GetStageHistoryRequest, context: Any
    ) -> pb.GetStageHistoryResponse:
        changes, cursor = self.apps.deals.history(
            current_principal(), request.opportunity_id, request.page.limit, request.page.cursor
        )
        return pb.GetStageHistoryResponse(
            changes=[change_to_proto(c) for c in changes], page=page_of(cursor)
        )
