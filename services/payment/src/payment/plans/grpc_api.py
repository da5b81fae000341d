"""PaymentService RPCs of payment plans and receivables: proto in -> use case -> proto out."""

from __future__ import annotations

from typing import Any, Protocol

from crm.common.v1 import common_pb2
from crm.payment.v1 import payment_pb2 as pb
from crm_runtime.errors import FieldViolation, ValidationFailed
from crm_runtime.principal import current_principal

from payment.plans.proto import (
    contract_from_request,
    day_from_proto,
    plan_to_proto,
    query_from_proto,
    receivable_to_proto,
    term_from_proto,
)
from payment.plans.use_cases import PlanApp


class PlanUseCases(Protocol):
    """What PlanRpcs needs of the service's use cases (payment.apps.PaymentApps)."""

    @property
    def plans(self) -> PlanApp: ...


class PlanRpcs:
    apps: PlanUseCases

    def CreatePaymentPlan(
        self, request: pb.CreatePaymentPlanRequest, context: Any
    ) -> pb.CreatePaymentPlanResponse:
        terms = [term_from_proto(i, t) for i, t in enumerate(request.instalments)]
        plan = self.apps.plans.create(current_principal(), contract_from_request(request), terms)
        return pb.CreatePaymentPlanResponse(plan=plan_to_proto(plan, self.apps.plans.clock()))

    def GetPaymentPlan(
        self, request: pb.GetPaymentPlanRequest, context: Any
    ) -> pb.GetPaymentPlanResponse:
        plan = self.apps.plans.get(current_principal(), request.id, request.contract_id)
        return pb.GetPaymentPlanResponse(plan=plan_to_proto(plan, self.apps.plans.clock()))

    def GetReceivable(
        self, request: pb.GetReceivableRequest, context: Any
    ) -> pb.GetReceivableResponse:
        found = self.apps.plans.get_receivable(current_principal(), request.id)
        return pb.GetReceivableResponse(
            receivable=receivable_to_proto(found, self.apps.plans.clock())
        )

    def ReachMilestone(
        self, request: pb.ReachMilestoneRequest, context: Any
    ) -> pb.ReachMilestoneResponse:
        reached = day_from_proto(request.reached_date, "reached_date")
        assert reached is not None
        found = self.apps.plans.reach_milestone(
            current_principal(), request.receivable_id, reached, request.expected_version
        )
        return pb.ReachMilestoneResponse(
            receivable=receivable_to_proto(found, self.apps.plans.clock())
        )

    def WriteOffReceivable(
        self, request: pb.WriteOffReceivableRequest, context: Any
    ) -> pb.WriteOffReceivableResponse:
        found = self.apps.plans.write_off(
            current_principal(), request.receivable_id, request.reason, request.expected_version
        )
        return pb.WriteOffReceivableResponse(
            receivable=receivable_to_proto(found, self.apps.plans.clock())
        )

    def DisputeReceivable(
        self, request: pb.DisputeReceivableRequest, context: Any
    ) -> pb.DisputeReceivableResponse:
        found = self.apps.plans.dispute(
            current_principal(), request.receivable_id, request.reason, request.expected_version
        )
        return pb.DisputeReceivableResponse(
            receivable=receivable_to_proto(found, self.apps.plans.clock())
        )

    def ResolveReceivableDispute(
        self, request: pb.ResolveReceivableDisputeRequest, context: Any
    ) -> pb.ResolveReceivableDisputeResponse:
        found = self.apps.plans.resolve_dispute(
            current_principal(), request.receivable_id, request.expected_version
        )
        return pb.ResolveReceivableDisputeResponse(
            receivable=receivable_to_proto(found, self.apps.plans.clock())
        )

    def ListReceivables(
        self, request: pb.ListReceivablesRequest, context: Any
    ) -> pb.ListReceivablesResponse:
        if request.sort not in ("", "-created_at"):
            raise ValidationFailed([FieldViolation("sort", "only -created_at (newest first)")])
        app = self.apps.plans
        found, cursor = app.page_receivables(
            current_principal(),
            query_from_proto(request.filter),
            request.page.limit,
            request.page.cursor,
        )
        now = app.clock()
        return pb.ListReceivablesResponse(
            receivables=[receivable_to_proto(r, now) for r in found],
            page=common_pb2.PageResponse(next_cursor=cursor),
        )
