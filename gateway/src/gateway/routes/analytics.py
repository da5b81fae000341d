"""/v1/analytics: read models built from events (AnalyticsService over gRPC)."""

from __future__ import annotations

from typing import Annotated, Any

from crm.analytics.v1 import analytics_pb2
from fastapi import APIRouter, Depends, Query

from gateway.access.guard import authorize
from gateway.conventions.problems import PROBLEM_RESPONSES
from gateway.dependencies import AnalyticsClient, CallOptions
from gateway.identity.caller import Caller
from gateway.schemas.analytics import LeadCountOut, LeadSummary
from gateway.schemas.values import DATE_OR_EMPTY

router = APIRouter(prefix="/v1/analytics", tags=["analytics"], responses=PROBLEM_RESPONSES)


def _day(description: str) -> Any:
    return Query(
        pattern=DATE_OR_EMPTY,
        max_length=10,
        description=f"{description} (UTC, YYYY-MM-DD); empty: the default",
    )


@router.get(
    "/leads/summary",
    response_model=LeadSummary,
    summary="Leads captured per source and UTC day (default: the last 30 days)",
)
async def lead_summary(
    caller: Annotated[Caller, Depends(authorize("analytics:read"))],
    analytics_service: AnalyticsClient,
    options: CallOptions,
    day_from: Annotated[str, _day("First day, inclusive")] = "",
    day_to: Annotated[str, _day("Last day, inclusive")] = "",
) -> LeadSummary:
    reply = await analytics_service.GetLeadSummary(
        analytics_pb2.GetLeadSummaryRequest(
            days=analytics_pb2.DayRange(from_day=day_from, to_day=day_to)
        ),
        **options,
    )
    return LeadSummary(
        counts=[LeadCountOut(day=c.day, source=c.source, count=c.count) for c in reply.counts],
        total=reply.total,
    )
