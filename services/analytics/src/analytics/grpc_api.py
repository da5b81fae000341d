"""AnalyticsService servicer: proto in -> use case -> proto out."""

from __future__ import annotations

from typing import Any

from crm.analytics.v1 import analytics_pb2, analytics_pb2_grpc
from crm_runtime.principal import current_principal

from analytics.app import AnalyticsApp
from analytics.domain.lead_summary import total

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


def register(app: AnalyticsApp) -> Any:
    def add(server: Any) -> list[str]:
        analytics_pb2_grpc.add_AnalyticsServiceServicer_to_server(AnalyticsServicer(app), server)
        return [SERVICE_NAME]

    return add
