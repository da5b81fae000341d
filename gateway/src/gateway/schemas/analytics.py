"""Analytics read models (GET /v1/analytics/...): lead counts, funnel, results."""

from __future__ import annotations

from crm.analytics.v1 import analytics_pb2
from crm.common.v1 import common_pb2
from pydantic import BaseModel, Field

from gateway.schemas.values import Money, money_out


class LeadCountOut(BaseModel):
    day: str
    source: str
    count: int


class LeadSummary(BaseModel):
    counts: list[LeadCountOut]
    total: int


# Funnel and results (GET /v1/analytics/funnel, /v1/analytics/results) ----------------


class Spread(BaseModel):
    """Days: mean, median and 90th percentile (nearest rank) of the measured values."""

    samples: int
    mean: float
    median: float
    p90: float


class CountAmount(BaseModel):
    count: int
    amount: Money


class FunnelStageOut(BaseModel):
    stage: str
    name: str
    open: CountAmount = Field(description="deals in the stage now and their amount")
    reached: int = Field(description="deals of the cohort that entered the stage or went past it")
    conversion_to_next: float = Field(
        description="share of `reached` that reached the next stage (after the last: won), 0..1"
    )
    dwell_days: Spread = Field(description="completed stays in the stage, from the stage history")


class BreakdownOut(BaseModel):
    key: str = Field(description='a loss reason or competitor; "(none)" when not given')
    count: int
    amount: Money


class FunnelOut(BaseModel):
    pipeline_id: str
    stages: list[FunnelStageOut]
    won: CountAmount
    lost: CountAmount
    loss_reasons: list[BreakdownOut]
    competitors: list[BreakdownOut]


class FiguresOut(BaseModel):
    revenue_won: Money
    deals_won: int
    deals_lost: int
    average_deal: Money
    win_rate: float = Field(description="won / (won + lost), 0..1")
    cycle_days: Spread = Field(description="created -> won, of the deals won")


class ResultsRow(BaseModel):
    group: str = Field(description="owner id, team id or YYYY-MM by `group_by`; empty: all")
    current: FiguresOut
    previous: FiguresOut = Field(
        description="the period of the same length before (by month: the month before)"
    )


class ResultsOut(BaseModel):
    results: list[ResultsRow]


def _money(message: common_pb2.Money) -> Money:
    found = money_out(message)
    assert found is not None
    return found


def _breakdown(b: analytics_pb2.FunnelBreakdown) -> BreakdownOut:
    return BreakdownOut(key=b.key, count=b.count, amount=_money(b.amount))


def funnel_out(reply: analytics_pb2.GetFunnelResponse) -> FunnelOut:
    return FunnelOut(
        pipeline_id=reply.pipeline_id,
        stages=[
            FunnelStageOut(
                stage=s.stage,
                name=s.name,
                open=CountAmount(count=s.count, amount=_money(s.amount)),
                reached=s.reached,
                conversion_to_next=s.conversion_to_next,
                dwell_days=Spread(
                    samples=s.dwell_samples,
                    mean=s.mean_dwell_days,
                    median=s.median_dwell_days,
                    p90=s.p90_dwell_days,
                ),
            )
            for s in reply.stages
        ],
        won=CountAmount(count=reply.won_count, amount=_money(reply.won_amount)),
        lost=CountAmount(count=reply.lost_count, amount=_money(reply.lost_amount)),
        loss_reasons=[_breakdown(b) for b in reply.loss_reasons],
        competitors=[_breakdown(b) for b in reply.competitors],
    )


def _figures(r: analytics_pb2.Results) -> FiguresOut:
    return FiguresOut(
        revenue_won=_money(r.revenue_won),
        deals_won=r.deals_won,
        deals_lost=r.deals_lost,
        average_deal=_money(r.average_deal),
        win_rate=r.win_rate,
        cycle_days=Spread(
            samples=r.cycle_samples,
            mean=r.mean_cycle_days,
            median=r.median_cycle_days,
            p90=r.p90_cycle_days,
        ),
    )


def results_out(reply: analytics_pb2.GetResultsResponse) -> ResultsOut:
    return ResultsOut(
        results=[
            ResultsRow(group=r.group, current=_figures(r), previous=_figures(r.previous))
            for r in reply.results
        ]
    )


# Activity and lead conversion (GET /v1/analytics/activity, /v1/analytics/lead-conversion)


class SlaOut(BaseModel):
    due: int = Field(description="leads whose first-follow-up deadline passed or was met")
    met: int = Field(description="of those, followed up by the deadline")
    compliance: float = Field(description="met / due, 0..1")


class RepActivityOut(BaseModel):
    user_id: str
    follow_ups_by_kind: dict[str, int]
    first_response_hours: Spread
    sla: SlaOut
    overdue_cadences: int = Field(
        description="reminders due in the period that a lead's or deal's next follow-up was missed"
    )


class ActivityOut(BaseModel):
    reps: list[RepActivityOut]


class LeadConversionRow(BaseModel):
    group: str = Field(description="source, owner id, team id or YYYY-MM by `group_by`")
    leads: int
    converted: int = Field(description="became an opportunity")
    won: int = Field(description="whose opportunity was won")
    lead_to_opportunity: float
    opportunity_to_won: float
    lead_to_won: float


class LeadConversionOut(BaseModel):
    rows: list[LeadConversionRow]


def activity_out(reply: analytics_pb2.GetActivityResponse) -> ActivityOut:
    return ActivityOut(
        reps=[
            RepActivityOut(
                user_id=r.user_id,
                follow_ups_by_kind=dict(sorted(r.follow_ups_by_kind.items())),
                first_response_hours=Spread(
                    samples=r.first_responses,
                    mean=r.mean_first_response_hours,
                    median=r.median_first_response_hours,
                    p90=r.p90_first_response_hours,
                ),
                sla=SlaOut(due=r.sla_due, met=r.sla_met, compliance=r.sla_compliance),
                overdue_cadences=r.overdue_cadences,
            )
            for r in reply.reps
        ]
    )


def lead_conversion_out(reply: analytics_pb2.GetLeadConversionResponse) -> LeadConversionOut:
    return LeadConversionOut(
        rows=[
            LeadConversionRow(
                group=r.group,
                leads=r.leads,
                converted=r.converted,
                won=r.won,
                lead_to_opportunity=r.lead_to_opportunity,
                opportunity_to_won=r.opportunity_to_won,
                lead_to_won=r.lead_to_won,
            )
            for r in reply.rows
        ]
    )


# Cash (GET /v1/analytics/cash) ---------------------------------------------------------


class AgingBucketOut(BaseModel):
    bucket: str = Field(description="days past due: not_due, 0-30, 31-60, 61-90, 90+")
    count: int
    outstanding: Money


class OverdueOut(BaseModel):
    key: str = Field(description="owner id or account id")
    count: int
    outstanding: Money


class MonthCashOut(BaseModel):
    month: str = Field(description="YYYY-MM")
    planned: Money = Field(description="instalments due in the month")
    received: Money = Field(description="receipts applied to receivables, by the receipt's day")


class CashOut(BaseModel):
    aging: list[AgingBucketOut]
    outstanding: Money
    due_in_period: Money
    collected_of_due: Money
    collection_rate: float = Field(description="collected_of_due / due_in_period, 0..1")
    days_sales_outstanding: float = Field(description="outstanding / due_in_period x days")
    overdue_by_owner: list[OverdueOut]
    overdue_by_account: list[OverdueOut]
    by_month: list[MonthCashOut] = Field(description="receipts vs plan, every month of the period")


def _overdue(g: analytics_pb2.OverdueGroup) -> OverdueOut:
    return OverdueOut(key=g.key, count=g.count, outstanding=_money(g.outstanding))


def cash_out(reply: analytics_pb2.GetReceivablesAgingResponse) -> CashOut:
    return CashOut(
        aging=[
            AgingBucketOut(bucket=b.bucket, count=b.count, outstanding=_money(b.amount))
            for b in reply.buckets
        ],
        outstanding=_money(reply.outstanding),
        due_in_period=_money(reply.due_in_period),
        collected_of_due=_money(reply.collected_of_due),
        collection_rate=reply.collection_rate,
        days_sales_outstanding=reply.days_sales_outstanding,
        overdue_by_owner=[_overdue(g) for g in reply.overdue_by_owner],
        overdue_by_account=[_overdue(g) for g in reply.overdue_by_account],
        by_month=[
            MonthCashOut(month=m.month, planned=_money(m.planned), received=_money(m.received))
            for m in reply.by_month
        ],
    )
