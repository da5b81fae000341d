"""Results of closed deals per group and period: revenue won, deals won and lost,
average deal size, win rate (won / closed) and sales cycle length (created -> won),
with the previous period beside them. Pure Python."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from analytics.domain.deals import LOST, WON, Deal
from analytics.domain.filters import Period
from analytics.domain.stats import Spread, average, ratio, spread


@dataclass(frozen=True)
class Figures:
    revenue_won: Decimal
    deals_won: int
    deals_lost: int
    average_deal: Decimal
    win_rate: float
    cycle_days: Spread  # of the deals won


@dataclass(frozen=True)
class GroupResults:
    group: str
    current: Figures
    previous: Figures


def figures(deals: Sequence[Deal]) -> Figures:
    won = [d for d in deals if d.status == WON]
    lost = sum(1 for d in deals if d.status == LOST)
    revenue = sum((d.amount for d in won), Decimal(0))
    cycles = [
        float((d.closed_on - d.created_on).days)
        for d in won
        if d.closed_on is not None and d.created_on is not None
    ]
    return Figures(
        revenue_won=revenue,
        deals_won=len(won),
        deals_lost=lost,
        average_deal=average(revenue, len(won)),
        win_rate=ratio(len(won), len(won) + lost),
        cycle_days=spread(cycles),
    )


def _key(group_by: str) -> Callable[[Deal], str]:
    if group_by == "owner":
        return lambda d: d.owner_id
    if group_by == "team":
        return lambda d: d.team_id
    if group_by == "month":
        return lambda d: d.closed_on.strftime("%Y-%m") if d.closed_on else ""
    return lambda d: ""


def window(period: Period, group_by: str) -> tuple[date, date]:
    """The days of closes `results` needs: the period and the one before it (by month,
    from the first day of the calendar month before the period's first)."""
    if group_by != "month":
        return period.previous().first, period.last
    first = period.first.replace(day=1)
    month_before = (
        date(first.year - 1, 12, 1) if first.month == 1 else first.replace(month=first.month - 1)
    )
    return month_before, period.last


def _month_before(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"


def results(deals: Sequence[Deal], period: Period, group_by: str) -> list[GroupResults]:
    """One row per group that closed a deal in `period` or the period before it; by
    month, one row per month of `period` with a close, beside the calendar month before."""
    key = _key(group_by)
    closed = [d for d in deals if d.status in (WON, LOST)]
    if group_by == "month":
        by_month: dict[str, list[Deal]] = defaultdict(list)
        for d in closed:
            by_month[key(d)].append(d)
        months = sorted({key(d) for d in closed if period.holds(d.closed_on)})
        return [
            GroupResults(m, figures(by_month[m]), figures(by_month.get(_month_before(m), [])))
            for m in months
        ]
    before = period.previous()
    now: dict[str, list[Deal]] = defaultdict(list)
    then: dict[str, list[Deal]] = defaultdict(list)
    for d in closed:
        if period.holds(d.closed_on):
            now[key(d)].append(d)
        elif before.holds(d.closed_on):
            then[key(d)].append(d)
    groups = sorted(set(now) | set(then))
    return [GroupResults(g, figures(now[g]), figures(then[g])) for g in groups]
