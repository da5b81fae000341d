"""OpportunityService RPCs of approvals: proto in -> use case -> proto out."""

from __future__ import annotations

from typing import Any, Protocol

from crm.opportunity.v1 import opportunity_pb2 as pb
from crm_runtime.principal import current_principal

from opportunity.approvals.proto import APPROVAL_KIND, APPROVAL_STATUS, approval_to_proto
from opportunity.approvals.use_cases import ApprovalApp, ApprovalQuery
from opportunity.deals.proto import opportunity_to_proto
from opportunity.proto import enum_name, page_of


class ApprovalUseCases(Protocol):
    """What ApprovalRpcs needs of the service's use cases (opportunity.apps.OpportunityApps)."""

    @property
    def approvals(self) -> ApprovalApp: ...


class ApprovalRpcs:
    apps: ApprovalUseCases

    def ListApprovals(
        self, request: pb.ListApprovalsRequest, context: Any
    ) -> pb.ListApprovalsResponse:
        query = ApprovalQuery(
            statuses=tuple(
                enum_name(pb.ApprovalStatus, s, APPROVAL_STATUS) or "unspecified"
                for s in request.statuses
            ),
            kinds=tuple(
                enum_name(pb.ApprovalKind, k, APPROVAL_KIND) or "unspecified" for k in request.kinds
            ),
            opportunity_id=request.opportunity_id,
            assigned_to_me=request.assigned_to_me,
            limit=request.page.limit,
            cursor=request.page.cursor,
        )
        items, cursor = self.apps.approvals.page(current_principal(), query)
        return pb.ListApprovalsResponse(
            approvals=[approval_to_proto(a) for a in items], page=page_of(cursor)
        )

    def DecideApproval(
        self, request: pb.DecideApprovalRequest, context: Any
    ) -> pb.DecideApprovalResponse:
        decision = enum_name(pb.Decision, request.decision, "DECISION_") or "unspecified"
        decided = self.apps.approvals.decide(
            current_principal(), request.approval_id, decision, request.reason, request.decision_key
        )
        opp = opportunity_to_proto(decided.opportunity) if decided.opportunity else None
        return pb.DecideApprovalResponse(
            approval=approval_to_proto(decided.approval), opportunity=opp
        )
