"""The operator command on the embedded MongoDB: a check finds a drifted read model, a
rebuild from the event log repairs it, and the figures are those of the live fold."""

import random
from datetime import date

from analytics.apps import build as build_app
from analytics.rebuild import main, run
from analytics.store import ensure_indexes
from analytics_events import history
from crm_runtime.principal import Principal
from crm_runtime.testing.fixtures import settings_for
from crm_runtime.wiring import build

DIRECTOR = Principal("t1", "dir", ("sales_director",), "all")


def test_check_then_rebuild(mongo_client, mongo_uri, database_name, capsys):
    settings = settings_for("analytics", "api", mongo_uri, database_name)
    app = build(settings, mongo_client, ensure_indexes, build_app)
    app.today = lambda: date(2026, 11, 24)
    events = history() + history(tenant="t2")
    random.Random(5).shuffle(events)
    for e in events + events[:5]:
        app.on_event(e)
    funnel = app.funnel(DIRECTOR)
    results = app.results(DIRECTOR, group="team")
    assert run(app, "", check=True) == 0
    mongo_client[database_name].deal_facts.update_one(
        {"tenant_id": "t1", "opportunity_id": "d3"}, {"$set": {"stage": "quote"}}
    )
    assert run(app, "", check=True) == 1
    assert run(app, "t1", check=False) == 0
    assert run(app, "", check=True) == 0
    assert app.funnel(DIRECTOR) == funnel and app.results(DIRECTOR, group="team") == results
    out = capsys.readouterr().out
    assert "t1: DIFFERS" in out and "deals d3:" in out and "t2: equal to its log" in out
    assert "t1: rebuilt from 11 events (4 deals, 1 pipelines)" in out


def test_the_command_line_reads_its_settings_from_the_environment(
    mongo_client, mongo_uri, database_name, monkeypatch, capsys
):
    settings = settings_for("analytics", "api", mongo_uri, database_name)
    app = build(settings, mongo_client, ensure_indexes, build_app)
    for e in history(tenant="t7"):
        app.on_event(e)
    monkeypatch.setenv("CRM_MONGO_URI", mongo_uri)
    monkeypatch.setenv("CRM_MONGO_DB", database_name)
    assert main(["--tenant", "t7", "--check"]) == 0
    assert main(["--tenant", "t7"]) == 0
    out = capsys.readouterr().out
    assert "t7: equal to its log" in out and "t7: rebuilt from 11 events" in out
