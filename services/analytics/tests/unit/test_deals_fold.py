"""The deal fold: order-free, so out-of-order delivery and a rebuild agree."""

import itertools
import random

from analytics.domain.deals import LOST, OPEN, WON, apply
from analytics.domain.projection import fold
from analytics_events import created, history, lost, moved, won


def _fold(events):
    deal = None
    for e in events:
        deal = apply(deal, e)
    return deal


def test_a_deals_events_give_its_state_stages_and_stays():
    events = [e for e in history() if e["payload"].get("opportunity_id") == "d1"]
    deal = _fold(events)
    assert (deal.status, deal.stage, deal.owner_id, deal.team_id) == (
        WON,
        "solution",
        "rep-1",
        "team-a",
    )
    assert str(deal.amount) == "300000" and deal.currency == "CNY"
    assert deal.entered == ("initial", "needs", "solution")
    assert [(w.stage, w.seconds) for w in deal.dwells] == [("initial", 172800), ("needs", 345600)]
    assert (
        deal.created_on.isoformat() == "2026-11-02" and deal.closed_on.isoformat() == "2026-11-20"
    )


def test_every_order_of_arrival_gives_the_same_deal():
    events = [
        created("d9"),
        moved("d9", "initial", "needs", dwell_days=1, version=2),
        moved("d9", "needs", "solution", dwell_days=2, version=3),
        lost("d9", from_stage="solution", version=4, competitor="友商"),
    ]
    expected = _fold(events)
    assert expected.status == LOST and expected.competitor == "友商"
    for order in itertools.permutations(events):
        assert _fold(order) == expected


def test_a_stage_change_before_the_creation_is_kept():
    early = moved("d9", "initial", "needs", dwell_days=1, version=2, amount="5000")
    deal = apply(None, early)
    assert (deal.stage, deal.status, deal.created_at) == ("needs", OPEN, None)
    deal = apply(deal, created("d9", amount="4000"))
    assert deal.stage == "needs" and str(deal.amount) == "5000"  # the newer version stands
    assert deal.created_on.isoformat() == "2026-11-02" and deal.pipeline_id == "p1"


def test_a_reopened_deal_is_open_again_without_its_loss():
    deal = _fold([created("d9"), lost("d9", from_stage="initial", version=2)])
    reopened = {
        "event_id": "r1",
        "event_type": "OpportunityReopened",
        "aggregate_version": 3,
        "occurred_at": "2026-11-25T00:00:00Z",
        "payload": {"opportunity_id": "d9", "to_stage": "needs", "from_status": "lost"},
    }
    deal = apply(deal, reopened)
    assert (deal.status, deal.stage, deal.loss_reason, deal.closed_on) == (OPEN, "needs", "", None)


def test_the_whole_log_folds_the_same_in_any_order():
    events = history() + history(tenant="t1")[1:2]  # an extra creation of another deal id
    shuffled = list(events)
    random.Random(7).shuffle(shuffled)
    assert fold(shuffled).deals == fold(events).deals
    assert fold(shuffled).pipelines == fold(events).pipelines


def test_won_deals_carry_their_creation_time_for_the_cycle():
    deal = apply(None, won("d9", from_stage="quote", version=5, created_at="2026-10-01T08:00:00Z"))
    assert deal.created_on.isoformat() == "2026-10-01" and deal.status == WON


def test_a_close_and_its_stage_change_share_a_version_and_the_close_states_the_deal():
    into_won = moved("d9", "quote", "won", dwell_days=3, version=5)
    closed = won("d9", from_stage="quote", version=5)
    for order in ([into_won, closed], [closed, into_won]):
        deal = _fold([created("d9"), *order])
        assert (deal.status, deal.stage, deal.precedence) == (WON, "quote", 3)
        assert [(w.stage, w.seconds) for w in deal.dwells] == [("quote", 259200)]
