"""AnalyticsService servicer: proto in -> use case -> proto out."""

from __future__ import annotations

from typing import Any

from crm.analytics.v1 import analytics_pb2, analytics_pb2_grpc
from crm_runtime.errors import FieldViolation, require
from crm_runtime.principal import current_principal

from analytics.app import DEFAULT_CURRENCY, AnalyticsApp
from analytics.domain.lead_summary import total
from analytics.proto import (
    activity_reply,
    cash_reply,
    conversion_reply,
    funnel_reply,
    results_reply,
)

SERVICE_NAME = analytics_pb2.DESCRIPTOR.services_by_name["AnalyticsService"].full_name


class AnalyticsServicer(analytics_pb2_grpc.AnalyticsServiceServicer):
    def __init__(self, app: AnalyticsApp) -> None:
        self.app = app

    def GetLeadSummary(
        self, request: analytics_pb2.GetLeadSummaryRequest, context: Any
    ) -> analytics_pb2.GetLeadSummaryResponse:
        counts = self.app.lead_summary(
            current_principal(), request.days.from_day, request.days.to_day
        )
        return analytics_pb2.GetLeadSummaryResponse(
            counts=[
                analytics_pb2.LeadCount(day=c.day, source=c.source, count=c.count) for c in counts
            ],
            total=total(counts),
        )

    def GetFunnel(
        self, request: analytics_pb2.GetFunnelRequest, context: Any
    ) -> analytics_pb2.GetFunnelResponse:
        if request.group_by:
            require([FieldViolation("group_by", "is not supported on the funnel; filter instead")])
        found = self.app.funnel(
            current_principal(),
            pipeline_id=request.pipeline_id,
            created_on_from=request.days.from_day,
            created_on_to=request.days.to_day,
            owner_id=request.owner_id,
            team_id=request.team_id,
            currency=request.currency,
        )
        return funnel_reply(found, request.currency or DEFAULT_CURRENCY)

    def GetResults(
        self, request: analytics_pb2.GetResultsRequest, context: Any
    ) -> analytics_pb2.GetResultsResponse:
        rows = self.app.results(
            current_principal(),
            closed_date_from=request.days.from_day,
            closed_date_to=request.days.to_day,
            group=request.group_by,
            owner_id=request.owner_id,
            team_id=request.team_id,
            currency=request.currency,
        )
        return results_reply(rows, request.currency or DEFAULT_CURRENCY)

    def GetActivity(
        self, request: analytics_pb2.GetActivityRequest, context: Any
    ) -> analytics_pb2.GetActivityResponse:
        if request.user_ids:
            require([FieldViolation("user_ids", "is not supported; filter by owner_id")])
        reps = self.app.activity(
            current_principal(),
            created_on_from=request.days.from_day,
            created_on_to=request.days.to_day,
            owner_id=request.owner_id,
            team_id=request.team_id,
        )
        return activity_reply(reps)

    def GetLeadConversion(
        self, request: analytics_pb2.GetLeadConversionRequest, context: Any
    ) -> analytics_pb2.GetLeadConversionResponse:
        rows = self.app.lead_conversion(
            current_principal(),
            created_on_from=request.days.from_day,
            created_on_to=request.days.to_day,
            group=request.group_by,
            owner_id=request.owner_id,
            team_id=request.team_id,
        )
        return conversion_reply(rows)

    def GetReceivablesAging(
        self, request: analytics_pb2.GetReceivablesAgingRequest, context: Any
    ) -> analytics_pb2.GetReceivablesAgingResponse:
        found = self.app.cash(
            current_principal(),
            due_date_from=request.days.from_day,
            due_date_to=request.days.to_day,
            owner_id=request.owner_id,
            team_id=request.team_id,
            currency=request.currency,
        )
        return cash_reply(found, request.currency or DEFAULT_CURRENCY)


def register(app: AnalyticsApp) -> Any:
    def add(server: Any) -> list[str]:
        analytics_pb2_grpc.add_AnalyticsServiceServicer_to_server(AnalyticsServicer(app), server)
        return [SERVICE_NAME]

    return add
