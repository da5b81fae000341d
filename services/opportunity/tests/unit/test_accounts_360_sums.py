"""Customer 360 sums and ordering (pure): open pipeline and won total as exact
decimals in the account's main currency, lost deals left out, closed deals newest
first."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from opportunity.domain.account360 import split, sums, view_limit
from opportunity.domain.money import Money
from opportunity.domain.opportunity import Opportunity, Status

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _deal(i: int, status: Status, amount: str | None, currency: str = "CNY", closed: str = ""):
    return Opportunity(
        id=f"o{i}",
        tenant_id="t1",
        name=f"d{i}",
        account_id="a1",
        owner_id="u1",
        pipeline_id="p",
        pipeline_version=1,
        stage="s",
        stage_entered_at=T0,
        probability=10,
        created_by="u1",
        created_at=T0 + timedelta(days=i),
        updated_at=T0 + timedelta(days=i),
        status=status,
        amount=Money(Decimal(amount), currency) if amount else None,
        closed_date=closed,
    )


def test_sums_are_exact_and_leave_lost_deals_and_other_currencies_out():
    deals = [
        _deal(1, Status.OPEN, "0.10"),
        _deal(2, Status.OPEN, "0.20"),
        _deal(3, Status.WON, "1000000000000.01"),
        _deal(4, Status.LOST, "5"),
        _deal(5, Status.OPEN, "9", "USD"),
        _deal(6, Status.OPEN, None),
    ]
    found = sums(deals)
    assert found.open_pipeline == Money(Decimal("0.30"), "CNY")
    assert found.won_total == Money(Decimal("1000000000000.01"), "CNY")
    assert found.left_out == 1


def test_no_priced_deal_means_no_sums():
    assert sums([_deal(1, Status.OPEN, None)]).open_pipeline is None
    assert sums([]).won_total is None


def test_open_deals_newest_first_and_closed_by_closing_date():
    deals = [
        _deal(1, Status.OPEN, None),
        _deal(2, Status.OPEN, None),
        _deal(3, Status.WON, "1", closed="2026-03-01"),
        _deal(4, Status.LOST, "1", closed="2026-02-01"),
    ]
    opened, closed = split(deals, 10)
    assert [d.id for d in opened] == ["o2", "o1"]
    assert [d.id for d in closed] == ["o3", "o4"]
    assert split(deals, 1) == ([deals[1]], [deals[2]])
    assert (view_limit(0), view_limit(5), view_limit(1000)) == (20, 5, 100)
