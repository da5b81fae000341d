"""Receivables folded order-free from the payment events, and the cash figures."""

import itertools
from datetime import date
from decimal import Decimal

from analytics.domain.cash import bucket, cash, months
from analytics.domain.filters import Period
from analytics.domain.projection import fold
from analytics_events import cash_history, plan

TODAY = date(2026, 11, 24)
NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))


def test_receivables_paid_released_and_replaced():
    r = fold(cash_history()).receivables
    assert (r["r1"].paid, r["r1"].outstanding) == (Decimal(100), Decimal(0))
    assert (r["r2"].paid, r["r2"].outstanding) == (Decimal(50), Decimal(150))
    assert r["r0"].replaced and not r["r3"].replaced


def test_every_order_gives_the_same_receivables():
    events = cash_history()
    expected = fold(events).receivables
    for order in itertools.islice(itertools.permutations(events), 0, 5040, 7):
        assert fold(order).receivables == expected


def test_a_replacing_plan_before_the_plan_it_replaces():
    replacing = plan("p2", [("r3", "300", "2026-12-10")], replaces="p0")
    original = plan("p0", [("r0", "999", "2026-11-05")])
    assert fold([replacing, original]).receivables["r0"].replaced


def test_aging_collection_dso_and_overdue():
    c = cash(list(fold(cash_history()).receivables.values()), TODAY, NOVEMBER)
    assert [(b.key, b.count, b.amount) for b in c.buckets] == [
        ("not_due", 1, Decimal(300)),
        ("0-30", 0, Decimal(0)),
        ("31-60", 1, Decimal(150)),
        ("61-90", 0, Decimal(0)),
        ("90+", 1, Decimal(400)),
    ]
    assert c.outstanding == Decimal(850)
    assert (c.due_in_period, c.collected_of_due, c.collection_rate) == (
        Decimal(100),
        Decimal(100),
        1.0,
    )
    assert c.days_sales_outstanding == 255.0  # 850 / 100 x 30 days
    assert [(b.key, b.amount) for b in c.overdue_by_owner] == [
        ("rep-2", Decimal(400)),
        ("rep-1", Decimal(150)),
    ]
    assert [b.key for b in c.overdue_by_account] == ["acc-2", "acc-1"]


def test_buckets_by_days_past_due():
    assert [bucket(d) for d in (-1, 0, 30, 31, 60, 61, 90, 91)] == [
        "not_due",
        "0-30",
        "0-30",
        "31-60",
        "31-60",
        "61-90",
        "61-90",
        "90+",
    ]


def test_receipts_against_the_plan_per_month():
    c = cash(
        list(fold(cash_history()).receivables.values()),
        TODAY,
        Period(date(2026, 10, 15), date(2026, 11, 30)),
    )
    assert [(m.month, m.planned, m.received) for m in c.by_month] == [
        ("2026-10", Decimal(200), Decimal(0)),
        ("2026-11", Decimal(100), Decimal(150)),  # r1 100 + r2 50 received 11-10; a3 released
    ]
    assert months(Period(date(2025, 12, 31), date(2026, 1, 1))) == ["2025-12", "2026-01"]
