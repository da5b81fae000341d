"""One contract for the analytics storage seam (analytics.ports), run against both of
its implementations: the Mongo stores on the embedded MongoDB and the in-memory fake the
unit suite runs on, so that the fake cannot drift from the store."""

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from analytics.domain.deals import Deal, Dwell
from analytics.domain.lead_summary import DayRange, LeadCount
from analytics.domain.pipelines import apply as pipeline_apply
from analytics.domain.projection import fold
from analytics.memory import MemoryAnalyticsStorage
from analytics.store import MongoAnalyticsStorage, ensure_indexes
from analytics_events import cash_history, created, history, lead_history, pipeline
from crm_runtime.testing.storage import STORAGES, storage_for


class Boom(Exception):
    pass


@pytest.fixture(params=STORAGES)
def storage(request):
    return storage_for(
        request, MemoryAnalyticsStorage, MongoAnalyticsStorage, ensure_indexes, "analytics"
    )


def _deal(opp, **fields):
    base = {
        "pipeline_id": "p1",
        "owner_id": "rep-1",
        "team_id": "team-a",
        "stage": "needs",
        "amount": Decimal("123456789.123456789"),
        "currency": "CNY",
        "created_at": datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
        "version": 3,
        "entered": ("initial", "needs"),
        "dwells": (Dwell("initial", 86400, "e1"),),
    }
    return Deal(opportunity_id=opp, **{**base, **fields})


def test_a_deal_comes_back_as_it_was_put(storage):
    deal = _deal("d1", status="lost", closed_on=date(2026, 11, 20), loss_reason="price")
    storage.run(lambda s: s.deals("t1").put(deal))
    assert storage.run(lambda s: s.deals("t1").get("d1")) == deal
    assert storage.run(lambda s: s.deals("t2").get("d1")) is None


def test_deals_by_pipeline_and_by_closing_day_both_ends_included(storage):
    def put(s):
        repo = s.deals("t1")
        for opp, closed, pipeline_id in [
            ("a", date(2026, 10, 31), "p1"),
            ("b", date(2026, 11, 1), "p1"),
            ("c", date(2026, 11, 30), "p2"),
            ("d", date(2026, 12, 1), "p1"),
            ("e", None, "p1"),
        ]:
            repo.put(_deal(opp, pipeline_id=pipeline_id, closed_on=closed, status="won"))
        s.deals("t2").put(_deal("z", closed_on=date(2026, 11, 5)))

    storage.run(put)
    closed = storage.run(
        lambda s: s.deals("t1").closed_between(date(2026, 11, 1), date(2026, 11, 30))
    )
    assert [d.opportunity_id for d in closed] == ["b", "c"]
    in_p1 = storage.run(lambda s: s.deals("t1").in_pipeline("p1"))
    assert [d.opportunity_id for d in in_p1] == ["a", "b", "d", "e"]
    assert [d.opportunity_id for d in storage.run(lambda s: s.deals("t1").all())] == list("abcde")
    storage.run(lambda s: s.deals("t1").clear())
    assert storage.run(lambda s: s.deals("t1").all()) == []
    assert [d.opportunity_id for d in storage.run(lambda s: s.deals("t2").all())] == ["z"]


def test_pipelines_and_the_default_one(storage):
    p1 = pipeline_apply(None, pipeline("p1", 2, default=False))
    p2 = pipeline_apply(None, pipeline("p2", 1, default=True))

    def put(s):
        s.pipelines("t1").put(p1)
        s.pipelines("t1").put(p2)

    storage.run(put)
    assert storage.run(lambda s: s.pipelines("t1").get("p1")) == p1
    assert storage.run(lambda s: s.pipelines("t1").default()) == p2
    assert storage.run(lambda s: s.pipelines("t2").default()) is None
    assert [p.pipeline_id for p in storage.run(lambda s: s.pipelines("t1").all())] == ["p1", "p2"]


def test_lead_counts_add_up_per_day_and_source(storage):
    def count(s):
        counts = s.lead_counts("t1")
        counts.increment("2026-11-20", "web")
        counts.increment("2026-11-20", "web", 2)
        counts.increment("2026-11-22", "api")
        counts.increment("2026-11-23", "web")
        s.lead_counts("t2").increment("2026-11-20", "web")

    storage.run(count)
    days = DayRange(date(2026, 11, 20), date(2026, 11, 22))
    assert storage.run(lambda s: s.lead_counts("t1").between(days)) == [
        LeadCount("2026-11-20", "web", 3),
        LeadCount("2026-11-22", "api", 1),
    ]
    assert len(storage.run(lambda s: s.lead_counts("t1").all())) == 3


def test_the_event_log_keeps_each_event_once_in_the_order_they_occurred(storage):
    events = history()
    late = created("early", at="2026-10-01T00:00:00Z")

    def log(s):
        for e in [*events, late]:
            s.event_log("t1").append(e)

    storage.run(log)
    logged = list(storage.run(lambda s: list(s.event_log("t1").events())))
    assert logged[0]["event_id"] == late["event_id"]
    assert {e["event_id"] for e in logged} == {e["event_id"] for e in [*events, late]}
    first = next(e for e in logged if e["event_id"] == events[1]["event_id"])
    assert {k: first[k] for k in ("event_type", "tenant_id", "payload")} == {
        k: events[1][k] for k in ("event_type", "tenant_id", "payload")
    }
    assert storage.tenants() == ["t1"]
    with pytest.raises(Exception):  # noqa: B017 - DuplicateKeyError on Mongo, ValueError here
        storage.run(lambda s: s.event_log("t1").append(events[0]))


def test_an_event_is_handled_once_and_a_failed_effect_leaves_nothing(storage):
    event = created("d1")
    put = lambda s: s.deals("t1").put(_deal("d1"))  # noqa: E731
    assert storage.handle_once("h", event, put) is True
    assert storage.handle_once("h", event, put) is False

    def fail(s):
        s.deals("t1").put(_deal("d2"))
        raise Boom

    with pytest.raises(Boom):
        storage.handle_once("h", created("d2"), fail)
    assert storage.run(lambda s: s.deals("t1").get("d2")) is None


def test_lead_facts_by_creation_and_follow_up_day(storage):
    facts = fold(lead_history()).leads

    def put(s):
        for lead in facts.values():
            s.leads("t1").put(lead)
        s.leads("t2").put(facts["l1"])

    storage.run(put)
    assert storage.run(lambda s: s.leads("t1").get("l2")) == facts["l2"]
    created = storage.run(
        lambda s: s.leads("t1").created_between(date(2026, 11, 3), date(2026, 11, 4))
    )
    assert [lead.lead_id for lead in created] == ["l2", "l3"]
    touched = storage.run(
        lambda s: s.leads("t1").followed_up_between(date(2026, 11, 4), date(2026, 11, 6))
    )
    assert [lead.lead_id for lead in touched] == ["l0", "l1", "l2"]
    assert [lead.lead_id for lead in storage.run(lambda s: s.leads("t1").all())] == [
        "l0",
        "l1",
        "l2",
        "l3",
    ]
    storage.run(lambda s: s.leads("t1").clear())
    assert storage.run(lambda s: s.leads("t1").all()) == []
    assert len(storage.run(lambda s: s.leads("t2").all())) == 1


def test_the_leads_of_won_deals(storage):
    def put(s):
        s.deals("t1").put(_deal("a", status="won", source_lead_id="l1"))
        s.deals("t1").put(_deal("b", status="lost", source_lead_id="l2"))
        s.deals("t1").put(_deal("c", status="won"))
        s.deals("t2").put(_deal("z", status="won", source_lead_id="l9"))

    storage.run(put)
    assert storage.run(lambda s: s.deals("t1").won_lead_ids()) == {"l1"}


def test_receivables_by_id_and_plan_and_the_replaced_plans(storage):
    facts = fold(cash_history()).receivables

    def put(s):
        for r in facts.values():
            s.receivables("t1").put(r)
        s.receivables("t1").mark_replaced("p0")
        s.receivables("t1").mark_replaced("p0")
        s.receivables("t2").put(facts["r1"])

    storage.run(put)
    assert storage.run(lambda s: s.receivables("t1").some(["r2", "nope"])) == {"r2": facts["r2"]}
    assert [r.receivable_id for r in storage.run(lambda s: s.receivables("t1").of_plan("p1"))] == [
        "r1",
        "r2",
    ]
    assert storage.run(lambda s: s.receivables("t1").replaced_plans()) == {"p0"}
    assert storage.run(lambda s: s.receivables("t2").replaced_plans()) == set()
    assert [r.receivable_id for r in storage.run(lambda s: s.receivables("t1").all())] == [
        "r0",
        "r1",
        "r2",
        "r3",
        "r4",
    ]
    storage.run(lambda s: s.receivables("t1").clear())
    assert storage.run(lambda s: s.receivables("t1").all()) == []
    assert storage.run(lambda s: s.receivables("t1").replaced_plans()) == set()
    assert len(storage.run(lambda s: s.receivables("t2").all())) == 1


def test_deals_and_leads_reminded_of_a_missed_cadence_by_due_day(storage):
    at = datetime(2026, 11, 10, 8, tzinfo=UTC)
    lead = replace(fold(lead_history()).leads["l1"], overdue=((at, "rep-1"),))

    def put(s):
        s.deals("t1").put(_deal("a", overdue=((at, "rep-1"),)))
        s.deals("t1").put(_deal("b"))
        s.leads("t1").put(lead)
        s.leads("t1").put(fold(lead_history()).leads["l2"])

    storage.run(put)
    on_the_day = (date(2026, 11, 10), date(2026, 11, 10))
    assert [
        d.opportunity_id for d in storage.run(lambda s: s.deals("t1").reminded_between(*on_the_day))
    ] == ["a"]
    assert storage.run(lambda s: s.deals("t1").get("a")).overdue == ((at, "rep-1"),)
    assert storage.run(lambda s: s.leads("t1").reminded_between(*on_the_day)) == [lead]
    assert (
        storage.run(
            lambda s: s.leads("t1").reminded_between(date(2026, 11, 11), date(2026, 11, 30))
        )
        == []
    )
