"""Results per group beside the period before: revenue, counts, win rate, cycle."""

from datetime import date
from decimal import Decimal

from analytics.domain.filters import Period
from analytics.domain.projection import fold
from analytics.domain.results import results, window
from analytics_events import created, history, won

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))


def _deals(events):
    return list(fold(events).deals.values())


def test_results_per_rep_with_the_previous_period():
    october_win = [
        created("d8", amount="1000.10", at="2026-09-01T00:00:00Z"),
        won(
            "d8",
            from_stage="quote",
            version=2,
            closed="2026-10-15",
            amount="1000.10",
            created_at="2026-09-01T00:00:00Z",
        ),
    ]
    rows = results(_deals(history() + october_win), NOVEMBER, "owner")
    assert [r.group for r in rows] == ["rep-1"]
    now, before = rows[0].current, rows[0].previous
    assert (now.revenue_won, now.deals_won, now.deals_lost) == (Decimal(300000), 1, 1)
    assert (now.average_deal, now.win_rate, now.cycle_days.mean) == (Decimal("300000.00"), 0.5, 18)
    assert (before.revenue_won, before.deals_won, before.win_rate) == (Decimal("1000.10"), 1, 1.0)
    assert before.cycle_days.mean == 44


def test_average_deal_is_exact_to_the_cent():
    events = [
        won(f"w{i}", from_stage="quote", version=2, amount=amount)
        for i, amount in enumerate(["100.00", "100.00", "100.01"])
    ]
    [row] = results(_deals(events), NOVEMBER, "")
    assert row.current.average_deal == Decimal("100.00")
    assert row.current.revenue_won == Decimal("300.01")


def test_by_month_beside_the_month_before():
    events = [
        won("a", from_stage="quote", version=2, closed="2026-10-31", amount="10"),
        won("b", from_stage="quote", version=2, closed="2026-11-01", amount="20"),
    ]
    rows = results(_deals(events), NOVEMBER, "month")
    assert [(r.group, r.current.revenue_won, r.previous.revenue_won) for r in rows] == [
        ("2026-11", Decimal(20), Decimal(10)),
    ]
    assert window(NOVEMBER, "month") == (date(2026, 10, 1), date(2026, 11, 30))
    assert window(Period(date(2026, 1, 5), date(2026, 1, 9)), "month")[0] == date(2025, 12, 1)
    assert window(NOVEMBER, "") == (date(2026, 10, 2), date(2026, 11, 30))
