"""The funnel of a known history: counts, amounts, reach, conversion, dwell, losses."""

from decimal import Decimal

from analytics.domain.funnel import funnel
from analytics.domain.projection import fold
from analytics.domain.stats import spread
from analytics_events import history


def _funnel():
    p = fold(history())
    return funnel(p.pipelines["p1"], sorted(p.deals.values(), key=lambda d: d.opportunity_id))


def test_open_deals_are_counted_and_summed_in_their_stage():
    stages = {s.stage: s for s in _funnel().stages}
    assert list(stages) == ["initial", "needs", "solution", "quote"]
    assert (stages["initial"].open_count, stages["initial"].open_amount) == (1, Decimal(20000))
    assert (stages["needs"].open_count, stages["needs"].open_amount) == (1, Decimal(80000))
    assert stages["solution"].open_count == stages["quote"].open_count == 0
    assert stages["needs"].name == "需求确认"


def test_reach_and_conversion_count_a_won_deal_through_every_stage():
    stages = _funnel().stages
    assert [s.reached for s in stages] == [4, 3, 1, 1]
    assert [round(s.conversion_to_next, 4) for s in stages] == [0.75, 0.3333, 1.0, 1.0]


def test_dwell_in_days_from_the_stage_history():
    initial, needs, solution, _ = _funnel().stages
    assert (initial.dwell_days.mean, initial.dwell_days.median, initial.dwell_days.p90) == (2, 2, 3)
    assert (needs.dwell_days.count, needs.dwell_days.mean) == (1, 4)
    assert solution.dwell_days.count == 0


def test_won_lost_reasons_and_competitors():
    f = _funnel()
    assert (f.won_count, f.won_amount, f.lost_count, f.lost_amount) == (
        1,
        Decimal(300000),
        1,
        Decimal("50000.50"),
    )
    assert [(b.key, b.count) for b in f.loss_reasons] == [("price", 1)]
    assert [(b.key, b.amount) for b in f.competitors] == [("友商", Decimal("50000.50"))]


def test_spread_uses_nearest_rank_percentiles():
    s = spread([float(x) for x in range(1, 11)])
    assert (s.count, s.mean, s.median, s.p90) == (10, 5.5, 5.5, 9)
    assert spread([]).count == 0
