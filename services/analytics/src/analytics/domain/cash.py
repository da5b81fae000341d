"""Cash figures over receivables as of a day. Pure Python.

- Aging: what is still outstanding, by days past its due date: not yet due, 0-30,
  31-60, 61-90, 90+.
- Collection rate: of the amounts due in the period, the share paid.
- DSO: outstanding now / amounts due in the period x days in the period.
- Overdue (past its due date and not fully paid) by owner rep and by customer.
- Receipts vs plan per month: instalments due in each month of the period beside the
  receipts applied to receivables on days of that month.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from analytics.domain.filters import Period
from analytics.domain.funnel import Breakdown
from analytics.domain.receivables import Receivable

BUCKETS = ("not_due", "0-30", "31-60", "61-90", "90+")


@dataclass(frozen=True)
class MonthCash:
    month: str  # YYYY-MM
    planned: Decimal  # instalments due in the month
    received: Decimal  # receipts applied to receivables, by the receipt's day


@dataclass(frozen=True)
class Cash:
    buckets: list[Breakdown]  # in BUCKETS order
    outstanding: Decimal
    due_in_period: Decimal
    collected_of_due: Decimal
    collection_rate: float
    days_sales_outstanding: float
    overdue_by_owner: list[Breakdown]
    overdue_by_account: list[Breakdown]
    by_month: list[MonthCash]  # every month the period touches


def bucket(days_past_due: int) -> str:
    if days_past_due < 0:
        return "not_due"
    if days_past_due <= 30:
        return "0-30"
    if days_past_due <= 60:
        return "31-60"
    if days_past_due <= 90:
        return "61-90"
    return "90+"


def _ranked(counts: dict[str, int], amounts: dict[str, Decimal]) -> list[Breakdown]:
    rows = [Breakdown(k, counts[k], amounts[k]) for k in counts]
    return sorted(rows, key=lambda b: (-b.amount, b.key))


def cash(receivables: Sequence[Receivable], today: date, period: Period) -> Cash:
    live = [r for r in receivables if not r.replaced and r.due_on is not None]
    counts: dict[str, int] = defaultdict(int)
    amounts: dict[str, Decimal] = defaultdict(Decimal)
    owner_n: dict[str, int] = defaultdict(int)
    owner_sum: dict[str, Decimal] = defaultdict(Decimal)
    account_n: dict[str, int] = defaultdict(int)
    account_sum: dict[str, Decimal] = defaultdict(Decimal)
    for r in live:
        left = r.outstanding
        if not left:
            continue
        assert r.due_on is not None
        age = (today - r.due_on).days
        counts[bucket(age)] += 1
        amounts[bucket(age)] += left
        if age > 0:
            owner_n[r.owner_id] += 1
            owner_sum[r.owner_id] += left
            account_n[r.account_id] += 1
            account_sum[r.account_id] += left
    due = [r for r in live if period.holds(r.due_on)]
    due_total = sum((r.amount for r in due), Decimal(0))
    collected = sum((min(r.paid, r.amount) for r in due), Decimal(0))
    outstanding = sum(amounts.values(), Decimal(0))
    days = (period.last - period.first).days + 1
    dso = (
        float((outstanding / due_total * days).quantize(Decimal("0.1"), ROUND_HALF_EVEN))
        if due_total
        else 0.0
    )
    planned: dict[str, Decimal] = defaultdict(Decimal)
    received: dict[str, Decimal] = defaultdict(Decimal)
    for r in live:
        assert r.due_on is not None
        if period.holds(r.due_on):
            planned[r.due_on.strftime("%Y-%m")] += r.amount
        for a in r.live_allocations:
            if period.holds(a.received_on):
                assert a.received_on is not None
                received[a.received_on.strftime("%Y-%m")] += a.amount
    return Cash(
        buckets=[Breakdown(b, counts[b], amounts[b]) for b in BUCKETS],
        outstanding=outstanding,
        due_in_period=due_total,
        collected_of_due=collected,
        collection_rate=ratio_of(collected, due_total),
        days_sales_outstanding=dso,
        overdue_by_owner=_ranked(owner_n, owner_sum),
        overdue_by_account=_ranked(account_n, account_sum),
        by_month=[MonthCash(m, planned[m], received[m]) for m in months(period)],
    )


def months(period: Period) -> list[str]:
    """The months "YYYY-MM" the period touches, in order."""
    found, day = [], period.first.replace(day=1)
    while day <= period.last:
        found.append(day.strftime("%Y-%m"))
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return found


def ratio_of(part: Decimal, whole: Decimal) -> float:
    return float(part / whole) if whole else 0.0
