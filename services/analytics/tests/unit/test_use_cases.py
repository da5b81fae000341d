"""The use cases on the in-memory storage: once per event, per tenant, per data scope,
and a rebuild from the event log that gives the same figures as the live fold."""

import random
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from analytics.app import AnalyticsApp
from analytics.memory import MemoryAnalyticsStorage
from analytics_events import cash_history, created, history, lead_history
from crm_runtime.errors import NotFound, ValidationFailed
from crm_runtime.principal import Principal

DIRECTOR = Principal("t1", "dir", ("sales_director",), "all")
MANAGER_B = Principal("t1", "mgr-b", ("sales_manager",), "team", "team-b")
REP_1 = Principal("t1", "rep-1", ("sales_rep",), "own", "team-a")
NOVEMBER = {"closed_date_from": "2026-11-01", "closed_date_to": "2026-11-30"}


@pytest.fixture
def app():
    app = AnalyticsApp(MemoryAnalyticsStorage(), today=lambda: date(2026, 11, 24))
    for e in history():
        assert app.on_event(e)
    return app


def _figures(app, who=DIRECTOR, **kwargs):
    f = app.funnel(who, **kwargs)
    rows = app.results(who, group="owner", **NOVEMBER)
    return (
        [(s.stage, s.open_count, s.open_amount, s.reached, s.dwell_days) for s in f.stages],
        (f.won_count, f.won_amount, f.lost_count, f.lost_amount, f.loss_reasons, f.competitors),
        rows,
    )


def test_a_redelivered_event_is_ignored(app):
    event = created("d5", amount="1")
    assert app.on_event(event) is True
    before = _figures(app)
    assert app.on_event(event) is False
    assert _figures(app) == before


def test_the_data_scope_decides_whose_deals_count(app):
    assert [s.reached for s in app.funnel(DIRECTOR).stages] == [4, 3, 1, 1]
    assert [s.reached for s in app.funnel(MANAGER_B).stages] == [2, 1, 0, 0]
    assert [s.reached for s in app.funnel(REP_1).stages] == [2, 2, 1, 1]
    assert [s.reached for s in app.funnel(DIRECTOR, owner_id="rep-2").stages] == [2, 1, 0, 0]
    assert app.results(MANAGER_B, **NOVEMBER) == []
    assert [r.group for r in app.results(REP_1, group="owner", **NOVEMBER)] == ["rep-1"]


def test_another_tenants_figures_are_not_seen(app):
    for e in history(tenant="t2"):
        app.on_event(e)
    app.on_event(created("t2-only", tenant="t2", amount="5"))
    other = Principal("t2", "dir", ("sales_director",), "all")
    assert app.funnel(DIRECTOR).stages[0].open_amount == Decimal(20000)
    assert app.funnel(other).stages[0].open_amount == Decimal(20005)
    assert app.check("t1") == [] and app.check("t2") == []


def test_the_cohort_is_the_deals_created_in_the_period(app):
    app.on_event(created("d6", amount="7", at="2026-10-01T00:00:00Z"))
    assert app.funnel(DIRECTOR).stages[0].reached == 4
    old = app.funnel(DIRECTOR, created_on_from="2026-10-01", created_on_to="2026-10-31")
    assert old.stages[0].open_amount == Decimal(7)


def test_bad_filters_name_the_field(app):
    for kwargs, field in [
        ({"created_on_from": "2026-13-01"}, "created_on_from"),
        ({"currency": "rmb"}, "currency"),
    ]:
        with pytest.raises(ValidationFailed) as err:
            app.funnel(DIRECTOR, **kwargs)
        assert err.value.violations[0].field == field
    with pytest.raises(ValidationFailed) as err:
        app.results(DIRECTOR, group="product")
    assert err.value.violations[0].field == "group_by"
    with pytest.raises(NotFound):
        app.funnel(DIRECTOR, pipeline_id="nope")


def test_a_tenant_without_a_default_pipeline_must_name_one():
    app = AnalyticsApp(MemoryAnalyticsStorage(), today=lambda: date(2026, 11, 24))
    with pytest.raises(ValidationFailed) as err:
        app.funnel(DIRECTOR)
    assert err.value.violations[0].field == "pipeline_id"


def test_a_rebuild_from_the_log_gives_the_same_figures_as_the_live_fold():
    events = history()
    shuffled = list(events)
    random.Random(3).shuffle(shuffled)  # live: out of order, some twice
    live = AnalyticsApp(MemoryAnalyticsStorage(), today=lambda: date(2026, 11, 24))
    for e in shuffled + shuffled[:4]:
        live.on_event(e)
    expected = _figures(live)
    assert live.check("t1") == []
    done = live.rebuild("t1")
    assert (done.events, done.deals, done.pipelines) == (len(events), 4, 1)
    assert _figures(live) == expected
    assert live.check("t1") == []
    assert live.storage.tenants() == ["t1"]


def test_the_check_reports_a_read_model_that_drifted(app):
    def tamper(stores):
        deals = stores.deals("t1")
        deals.put(replace(deals.get("d4"), amount=Decimal(1)))

    app.storage.run(tamper)
    [line] = app.check("t1")
    assert line.startswith("deals d4:")
    app.rebuild("t1")
    assert app.check("t1") == []


def test_activity_and_lead_conversion_within_the_scope_and_rebuilt_the_same():
    app = AnalyticsApp(
        MemoryAnalyticsStorage(),
        today=lambda: date(2026, 11, 24),
        now=lambda: datetime(2026, 11, 24, tzinfo=UTC),
    )
    events = lead_history() + history()
    random.Random(2).shuffle(events)
    for e in events:
        app.on_event(e)
    month = {"created_on_from": "2026-11-01", "created_on_to": "2026-11-30"}
    reps = app.activity(DIRECTOR, **month)
    assert [(r.user_id, r.sla_met, r.sla_due) for r in reps] == [("rep-1", 1, 2), ("rep-2", 0, 1)]
    assert [r.user_id for r in app.activity(REP_1, **month)] == ["rep-1"]
    rows = app.lead_conversion(DIRECTOR, group="source", **month)
    assert [(r.group, r.leads, r.converted, r.won) for r in rows] == [
        ("expo", 1, 0, 0),
        ("web", 2, 1, 1),
    ]
    assert [r.group for r in app.lead_conversion(MANAGER_B, group="owner", **month)] == ["rep-2"]
    with pytest.raises(ValidationFailed) as err:
        app.lead_conversion(DIRECTOR, group="colour")
    assert err.value.violations[0].field == "group_by"
    before = (app.activity(DIRECTOR, **month), app.lead_conversion(DIRECTOR, **month))
    assert app.check("t1") == []
    app.rebuild("t1")
    assert (app.activity(DIRECTOR, **month), app.lead_conversion(DIRECTOR, **month)) == before


def test_cash_within_the_scope_and_rebuilt_the_same():
    app = AnalyticsApp(MemoryAnalyticsStorage(), today=lambda: date(2026, 11, 24))
    events = cash_history()
    random.Random(4).shuffle(events)
    for e in events:
        app.on_event(e)
    november = {"due_date_from": "2026-11-01", "due_date_to": "2026-11-30"}
    director = app.cash(DIRECTOR, **november)
    assert director.outstanding == Decimal(850)
    assert app.cash(MANAGER_B, **november).outstanding == Decimal(400)
    assert app.cash(REP_1, **november).collection_rate == 1.0
    with pytest.raises(ValidationFailed) as err:
        app.cash(DIRECTOR, due_date_from="2026-12-01", due_date_to="2026-11-01")
    assert err.value.violations[0].field == "due_date_from"
    assert app.check("t1") == []
    app.rebuild("t1")
    assert app.cash(DIRECTOR, **november) == director and app.check("t1") == []
