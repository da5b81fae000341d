"""Report figures to crm.analytics.v1 messages (money as units + nanos, exactly)."""

from __future__ import annotations

from decimal import Decimal

from crm.analytics.v1 import analytics_pb2 as pb
from crm.common.v1 import common_pb2

from analytics.domain.activity import Conversion, RepActivity
from analytics.domain.cash import Cash
from analytics.domain.funnel import Breakdown, Funnel
from analytics.domain.results import Figures, GroupResults

NANOS = Decimal(1_000_000_000)


def money(amount: Decimal, currency: str) -> common_pb2.Money:
    units = int(amount)  # towards zero, so units and nanos share the sign
    nanos = int((amount - units) * NANOS)
    return common_pb2.Money(currency=currency, units=units, nanos=nanos)


def _breakdown(b: Breakdown, currency: str) -> pb.FunnelBreakdown:
    return pb.FunnelBreakdown(key=b.key, count=b.count, amount=money(b.amount, currency))


def funnel_reply(f: Funnel, currency: str) -> pb.GetFunnelResponse:
    return pb.GetFunnelResponse(
        pipeline_id=f.pipeline_id,
        stages=[
            pb.FunnelStage(
                stage=s.stage,
                name=s.name,
                count=s.open_count,
                amount=money(s.open_amount, currency),
                reached=s.reached,
                conversion_to_next=s.conversion_to_next,
                mean_dwell_days=s.dwell_days.mean,
                median_dwell_days=s.dwell_days.median,
                p90_dwell_days=s.dwell_days.p90,
                dwell_samples=s.dwell_days.count,
            )
            for s in f.stages
        ],
        won_count=f.won_count,
        won_amount=money(f.won_amount, currency),
        lost_count=f.lost_count,
        lost_amount=money(f.lost_amount, currency),
        loss_reasons=[_breakdown(b, currency) for b in f.loss_reasons],
        competitors=[_breakdown(b, currency) for b in f.competitors],
    )


def _figures(group: str, f: Figures, currency: str) -> pb.Results:
    return pb.Results(
        group=group,
        revenue_won=money(f.revenue_won, currency),
        deals_won=f.deals_won,
        deals_lost=f.deals_lost,
        average_deal=money(f.average_deal, currency),
        win_rate=f.win_rate,
        mean_cycle_days=f.cycle_days.mean,
        median_cycle_days=f.cycle_days.median,
        p90_cycle_days=f.cycle_days.p90,
        cycle_samples=f.cycle_days.count,
    )


def results_reply(rows: list[GroupResults], currency: str) -> pb.GetResultsResponse:
    out = []
    for row in rows:
        current = _figures(row.group, row.current, currency)
        current.previous.CopyFrom(_figures(row.group, row.previous, currency))
        out.append(current)
    return pb.GetResultsResponse(results=out)


def activity_reply(reps: list[RepActivity]) -> pb.GetActivityResponse:
    return pb.GetActivityResponse(
        reps=[
            pb.RepActivity(
                user_id=r.user_id,
                follow_ups_by_kind=r.follow_ups_by_kind,
                mean_first_response_hours=r.first_response_hours.mean,
                median_first_response_hours=r.first_response_hours.median,
                p90_first_response_hours=r.first_response_hours.p90,
                first_responses=r.first_response_hours.count,
                sla_due=r.sla_due,
                sla_met=r.sla_met,
                sla_compliance=r.sla_compliance,
                overdue_cadences=r.overdue_cadences,
            )
            for r in reps
        ]
    )


def conversion_reply(rows: list[Conversion]) -> pb.GetLeadConversionResponse:
    return pb.GetLeadConversionResponse(
        rows=[
            pb.LeadConversion(
                group=r.group,
                leads=r.leads,
                converted=r.converted,
                won=r.won,
                lead_to_opportunity=r.lead_to_opportunity,
                opportunity_to_won=r.opportunity_to_won,
                lead_to_won=r.lead_to_won,
            )
            for r in rows
        ]
    )


def _overdue(b: Breakdown, currency: str) -> pb.OverdueGroup:
    return pb.OverdueGroup(key=b.key, count=b.count, outstanding=money(b.amount, currency))


def cash_reply(c: Cash, currency: str) -> pb.GetReceivablesAgingResponse:
    return pb.GetReceivablesAgingResponse(
        buckets=[
            pb.AgingBucket(bucket=b.key, count=b.count, amount=money(b.amount, currency))
            for b in c.buckets
        ],
        collection_rate=c.collection_rate,
        days_sales_outstanding=c.days_sales_outstanding,
        outstanding=money(c.outstanding, currency),
        due_in_period=money(c.due_in_period, currency),
        collected_of_due=money(c.collected_of_due, currency),
        overdue_by_owner=[_overdue(b, currency) for b in c.overdue_by_owner],
        overdue_by_account=[_overdue(b, currency) for b in c.overdue_by_account],
        by_month=[
            pb.MonthCash(
                month=m.month,
                planned=money(m.planned, currency),
                received=money(m.received, currency),
            )
            for m in c.by_month
        ],
    )
