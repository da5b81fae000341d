"""/v1/analytics: read models built from events (AnalyticsService over gRPC)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from crm.analytics.v1 import analytics_pb2
from fastapi import APIRouter, Depends, Query

from gateway.access.guard import authorize
from gateway.conventions.problems import PROBLEM_RESPONSES
from gateway.dependencies import AnalyticsClient, CallOptions
from gateway.identity.caller import Caller
from gateway.schemas.analytics import (
    ActivityOut,
    CashOut,
    FunnelOut,
    LeadConversionOut,
    LeadCountOut,
    LeadSummary,
    ResultsOut,
    activity_out,
    cash_out,
    funnel_out,
    lead_conversion_out,
    results_out,
)
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


def _id(description: str) -> Any:
    return Query(max_length=64, description=description)


def _currency() -> Any:
    return Query(
        pattern=r"^([A-Z]{3})?$", description="ISO 4217: deals in this currency; empty: CNY"
    )


def _date(description: str) -> Any:
    return Query(pattern=DATE_OR_EMPTY, max_length=10, description=f"{description} (UTC)")


@router.get(
    "/funnel",
    response_model=FunnelOut,
    summary="The funnel of one pipeline: deals per stage, conversion, dwell time, losses",
    description=(
        "Over the deals created in the period (default: the last 30 days), within the "
        "caller's data scope (a rep: own deals; a manager: the team's; a director: all), "
        "narrowed by `owner_id` / `team_id`. Built from the opportunity events (ADR 0033)."
    ),
)
async def funnel(
    caller: Annotated[Caller, Depends(authorize("analytics:read"))],
    analytics_service: AnalyticsClient,
    options: CallOptions,
    pipeline_id: Annotated[str, _id("pipeline; empty: the tenant's default pipeline")] = "",
    created_on_from: Annotated[str, _date("first day of creation, inclusive")] = "",
    created_on_to: Annotated[str, _date("last day of creation, inclusive")] = "",
    owner_id: Annotated[str, _id("only this owner's deals")] = "",
    team_id: Annotated[str, _id("only this team's deals")] = "",
    currency: Annotated[str, _currency()] = "",
) -> FunnelOut:
    reply = await analytics_service.GetFunnel(
        analytics_pb2.GetFunnelRequest(
            pipeline_id=pipeline_id,
            days=analytics_pb2.DayRange(from_day=created_on_from, to_day=created_on_to),
            owner_id=owner_id,
            team_id=team_id,
            currency=currency,
        ),
        **options,
    )
    return funnel_out(reply)


@router.get(
    "/results",
    response_model=ResultsOut,
    summary="Revenue won, deals won and lost, average deal, win rate, sales cycle",
    description=(
        "Of the deals closed in the period (default: the last 30 days), per `group_by`, "
        "beside the period of the same length before it (by month: the month before). "
        "Within the caller's data scope, narrowed by `owner_id` / `team_id`."
    ),
)
async def results(
    caller: Annotated[Caller, Depends(authorize("analytics:read"))],
    analytics_service: AnalyticsClient,
    options: CallOptions,
    closed_date_from: Annotated[str, _date("first closing day, inclusive")] = "",
    closed_date_to: Annotated[str, _date("last closing day, inclusive")] = "",
    group_by: Annotated[
        Literal["", "owner", "team", "month"], Query(description="one row per ...; empty: all")
    ] = "",
    owner_id: Annotated[str, _id("only this owner's deals")] = "",
    team_id: Annotated[str, _id("only this team's deals")] = "",
    currency: Annotated[str, _currency()] = "",
) -> ResultsOut:
    reply = await analytics_service.GetResults(
        analytics_pb2.GetResultsRequest(
            days=analytics_pb2.DayRange(from_day=closed_date_from, to_day=closed_date_to),
            group_by=group_by,
            owner_id=owner_id,
            team_id=team_id,
            currency=currency,
        ),
        **options,
    )
    return results_out(reply)


@router.get(
    "/activity",
    response_model=ActivityOut,
    summary="Per rep: follow-ups by kind, first-response time of leads, SLA compliance",
    description=(
        "Follow-ups logged in the period; first response (hours from a lead's creation to "
        "its first follow-up) and SLA compliance (the share of leads followed up by their "
        "first-follow-up deadline, of those whose deadline passed or was met) of the leads "
        "created in the period. Within the caller's data scope (ADR 0034)."
    ),
)
async def activity(
    caller: Annotated[Caller, Depends(authorize("analytics:read"))],
    analytics_service: AnalyticsClient,
    options: CallOptions,
    created_on_from: Annotated[str, _date("first day, inclusive")] = "",
    created_on_to: Annotated[str, _date("last day, inclusive")] = "",
    owner_id: Annotated[str, _id("only this rep")] = "",
    team_id: Annotated[str, _id("only this team's leads")] = "",
) -> ActivityOut:
    reply = await analytics_service.GetActivity(
        analytics_pb2.GetActivityRequest(
            days=analytics_pb2.DayRange(from_day=created_on_from, to_day=created_on_to),
            owner_id=owner_id,
            team_id=team_id,
        ),
        **options,
    )
    return activity_out(reply)


@router.get(
    "/lead-conversion",
    response_model=LeadConversionOut,
    summary="Lead -> opportunity -> won of the leads created in the period",
    description="Per source (the lead's channel), owner, team or month; within the caller's data scope.",
)
async def lead_conversion(
    caller: Annotated[Caller, Depends(authorize("analytics:read"))],
    analytics_service: AnalyticsClient,
    options: CallOptions,
    created_on_from: Annotated[str, _date("first day of creation, inclusive")] = "",
    created_on_to: Annotated[str, _date("last day of creation, inclusive")] = "",
    group_by: Annotated[
        Literal["", "source", "owner", "team", "month"],
        Query(description="one row per ...; empty: all"),
    ] = "",
    owner_id: Annotated[str, _id("only this owner's leads")] = "",
    team_id: Annotated[str, _id("only this team's leads")] = "",
) -> LeadConversionOut:
    reply = await analytics_service.GetLeadConversion(
        analytics_pb2.GetLeadConversionRequest(
            days=analytics_pb2.DayRange(from_day=created_on_from, to_day=created_on_to),
            group_by=group_by,
            owner_id=owner_id,
            team_id=team_id,
        ),
        **options,
    )
    return lead_conversion_out(reply)


@router.get(
    "/cash",
    response_model=CashOut,
    summary="Receivables aging, collection rate, DSO, overdue by rep and customer",
    description=(
        "Aging of what is outstanding as of today, by days past due; collection rate and "
        "days sales outstanding over the receivables due in the period (default: the last "
        "30 days); overdue by owner rep and by customer. From the payment events (ADR 0034). "
        "Finance, directors and admins."
    ),
)
async def cash(
    caller: Annotated[Caller, Depends(authorize("analytics:cash_read"))],
    analytics_service: AnalyticsClient,
    options: CallOptions,
    due_date_from: Annotated[str, _date("first due date, inclusive")] = "",
    due_date_to: Annotated[str, _date("last due date, inclusive")] = "",
    owner_id: Annotated[str, _id("only this owner's receivables")] = "",
    team_id: Annotated[str, _id("only this team's receivables")] = "",
    currency: Annotated[str, _currency()] = "",
) -> CashOut:
    reply = await analytics_service.GetReceivablesAging(
        analytics_pb2.GetReceivablesAgingRequest(
            days=analytics_pb2.DayRange(from_day=due_date_from, to_day=due_date_to),
            owner_id=owner_id,
            team_id=team_id,
            currency=currency,
        ),
        **options,
    )
    return cash_out(reply)
