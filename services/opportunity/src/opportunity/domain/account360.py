"""Customer 360 (客户360视图), the opportunity service's part: an account's deals split
into open and closed, most recent first, and the sums of its open pipeline and of what
it has won. Pure Python. Amounts are summed per currency; the view reports the currency
most of the account's priced deals use (a tenant's deals are nearly always all in CNY),
and says how many deals in other currencies the sums leave out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from opportunity.domain.money import Money
from opportunity.domain.opportunity import Opportunity, Status

DEFAULT_LIMIT, MAX_LIMIT = 20, 100


@dataclass(frozen=True)
class DealSums:
    open_pipeline: Money | None  # None: no open deal has an amount
    won_total: Money | None
    left_out: int  # priced deals in another currency than the one reported


def view_limit(asked: int) -> int:
    """How many deals of each kind and follow-ups the view lists: 0 means 20."""
    return DEFAULT_LIMIT if asked <= 0 else min(asked, MAX_LIMIT)


def split(deals: Iterable[Opportunity], limit: int) -> tuple[list[Opportunity], list[Opportunity]]:
    """Open deals, newest first, and closed ones, most recently closed first."""
    deals = list(deals)
    opened = sorted(
        (d for d in deals if d.status is Status.OPEN),
        key=lambda d: (d.created_at, d.id),
        reverse=True,
    )
    closed = sorted(
        (d for d in deals if d.status is not Status.OPEN),
        key=lambda d: (d.closed_date, d.updated_at, d.id),
        reverse=True,
    )
    return opened[:limit], closed[:limit]


def sums(deals: Iterable[Opportunity]) -> DealSums:
    priced = [d for d in deals if d.amount is not None and d.status is not Status.LOST]
    if not priced:
        return DealSums(None, None, 0)
    currencies = Counter(d.amount.currency for d in priced if d.amount is not None)
    currency = currencies.most_common(1)[0][0]
    open_total, won_total = Decimal(0), Decimal(0)
    has_open = has_won = False
    for d in priced:
        if d.amount is None or d.amount.currency != currency:
            continue
        if d.status is Status.OPEN:
            open_total, has_open = open_total + d.amount.amount, True
        else:
            won_total, has_won = won_total + d.amount.amount, True
    return DealSums(
        Money(open_total, currency) if has_open else None,
        Money(won_total, currency) if has_won else None,
        sum(n for c, n in currencies.items() if c != currency),
    )
