"""The analytics report routes of the gateway against an in-process analytics service
on the embedded MongoDB, its read models fed with the opportunity's events: money as
decimal strings, the data scope of a rep / manager / director, another tenant unseen,
problem+json naming the field. The worker's side: services/analytics/tests/worker."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
from analytics.apps import build as build_app
from analytics.grpc_api import register
from analytics.store import ensure_indexes
from analytics_events import cash_history, history, lead_history
from crm_runtime.principal import Principal
from crm_runtime.rpc.server import GrpcApp
from crm_runtime.testing.fixtures import settings_for
from crm_runtime.wiring import build
from gateway.identity.api_keys import ApiKeyStore
from gateway_support import seed
from pymongo import AsyncMongoClient

pytest_plugins = ["gateway_support"]  # fixtures: redis_url, tenant_id, gateway_app
NOVEMBER = {"closed_date_from": "2026-11-01", "closed_date_to": "2026-11-30"}
CREATED = {"created_on_from": "2026-11-01", "created_on_to": "2026-11-30"}


@pytest.fixture
def analytics(mongo_client, mongo_uri, database_name):
    database = f"{database_name}_analytics"
    settings = settings_for("analytics", "api", mongo_uri, database, CRM_GRPC_HOST="127.0.0.1")
    app = build(settings, mongo_client, ensure_indexes, build_app)
    app.today = lambda: date(2026, 11, 24)
    app.now = lambda: datetime(2026, 11, 24, tzinfo=UTC)
    server = GrpcApp(settings, register(app))
    server.start()
    yield app, f"127.0.0.1:{server.port}"
    server.stop(grace=0)
    mongo_client.drop_database(database)


def _key(mongo_uri, database, principal):
    async def main():
        client = AsyncMongoClient(mongo_uri, tz_aware=True)
        try:
            return (await ApiKeyStore(client[database]).issue(principal, "tests")).token
        finally:
            await client.close()

    return asyncio.run(main())


@pytest.fixture
def api(mongo_uri, database_name, gateway_app, tenant_id, analytics):
    app, address = analytics
    seed(mongo_uri, database_name, tenant_id)
    seed(mongo_uri, database_name, f"{tenant_id}-other")
    for e in (
        history(tenant=tenant_id) + lead_history(tenant=tenant_id) + cash_history(tenant=tenant_id)
    ):
        app.on_event(e)
    client = gateway_app(CRM_ANALYTICS_ADDR=address)
    people = {
        "director": Principal(tenant_id, "dir-1", ("sales_director",), "all"),
        "manager_b": Principal(tenant_id, "mgr-b", ("sales_manager",), "team", "team-b"),
        "rep_1": Principal(tenant_id, "rep-1", ("sales_rep",), "own", "team-a"),
        "finance": Principal(tenant_id, "fin-1", ("finance",), "all"),
        "other_director": Principal(f"{tenant_id}-other", "dir-9", ("sales_director",), "all"),
    }
    keys = {who: _key(mongo_uri, database_name, p) for who, p in people.items()}

    def call(who, path, **params):
        return client.get(path, params=params, headers={"Authorization": f"Bearer {keys[who]}"})

    return call


def _ok(response):
    assert response.status_code == 200, response.text
    return response.json()


def test_the_funnel_by_data_scope(api):
    f = _ok(api("director", "/v1/analytics/funnel", **CREATED))
    assert f["pipeline_id"] == "p1"
    initial, needs, _solution, _quote = f["stages"]
    assert (initial["stage"], initial["name"]) == ("initial", "初步接触")
    assert initial["open"] == {"count": 1, "amount": {"amount": "20000", "currency": "CNY"}}
    assert [s["reached"] for s in f["stages"]] == [4, 3, 1, 1]
    assert needs["conversion_to_next"] == pytest.approx(1 / 3)
    assert initial["dwell_days"] == {"samples": 3, "mean": 2.0, "median": 2.0, "p90": 3.0}
    assert f["won"] == {"count": 1, "amount": {"amount": "300000", "currency": "CNY"}}
    assert f["lost"]["amount"] == {"amount": "50000.5", "currency": "CNY"}
    assert f["loss_reasons"] == [
        {"key": "price", "count": 1, "amount": {"amount": "50000.5", "currency": "CNY"}}
    ]
    assert [c["key"] for c in f["competitors"]] == ["友商"]
    team_b = _ok(api("manager_b", "/v1/analytics/funnel", **CREATED))
    assert [s["reached"] for s in team_b["stages"]] == [2, 1, 0, 0]
    mine = _ok(api("rep_1", "/v1/analytics/funnel", **CREATED))
    assert (mine["won"]["count"], mine["lost"]["count"], mine["stages"][0]["reached"]) == (1, 1, 2)
    other = api("other_director", "/v1/analytics/funnel", pipeline_id="p1")
    assert other.status_code == 404  # tenant B has no such pipeline in its figures


def test_results_beside_the_previous_period(api):
    rows = _ok(api("director", "/v1/analytics/results", group_by="owner", **NOVEMBER))["results"]
    assert [r["group"] for r in rows] == ["rep-1"]
    now = rows[0]["current"]
    assert now["revenue_won"] == {"amount": "300000", "currency": "CNY"}
    assert now["average_deal"] == {"amount": "300000", "currency": "CNY"}
    assert (now["deals_won"], now["deals_lost"], now["win_rate"]) == (1, 1, 0.5)
    assert now["cycle_days"] == {"samples": 1, "mean": 18.0, "median": 18.0, "p90": 18.0}
    assert rows[0]["previous"]["deals_won"] == 0
    assert _ok(api("manager_b", "/v1/analytics/results", **NOVEMBER))["results"] == []


def test_activity_and_lead_conversion_by_scope(api):
    reps = _ok(api("director", "/v1/analytics/activity", **CREATED))["reps"]
    assert reps[0] == {
        "user_id": "rep-1",
        "follow_ups_by_kind": {"call": 2, "visit": 1},
        "first_response_hours": {"samples": 2, "mean": 25.0, "median": 25.0, "p90": 48.0},
        "sla": {"due": 2, "met": 1, "compliance": 0.5},
        "overdue_cadences": 0,
    }
    assert [
        r["user_id"] for r in _ok(api("rep_1", "/v1/analytics/activity", **CREATED))["reps"]
    ] == ["rep-1"]
    rows = _ok(api("director", "/v1/analytics/lead-conversion", group_by="source", **CREATED))[
        "rows"
    ]
    assert [(r["group"], r["leads"], r["converted"], r["won"]) for r in rows] == [
        ("expo", 1, 0, 0),
        ("web", 2, 1, 1),
    ]
    assert rows[1]["lead_to_won"] == 0.5
    team_b = _ok(api("manager_b", "/v1/analytics/lead-conversion", group_by="owner", **CREATED))
    assert [r["group"] for r in team_b["rows"]] == ["rep-2"]
    assert _ok(api("other_director", "/v1/analytics/lead-conversion", **CREATED))["rows"] == []


def test_cash_for_finance_and_directors(api):
    november = {"due_date_from": "2026-11-01", "due_date_to": "2026-11-30"}
    c = _ok(api("finance", "/v1/analytics/cash", **november))
    assert [(b["bucket"], b["count"], b["outstanding"]["amount"]) for b in c["aging"]] == [
        ("not_due", 1, "300"),
        ("0-30", 0, "0"),
        ("31-60", 1, "150"),
        ("61-90", 0, "0"),
        ("90+", 1, "400"),
    ]
    assert (c["outstanding"], c["collection_rate"], c["days_sales_outstanding"]) == (
        {"amount": "850", "currency": "CNY"},
        1.0,
        255.0,
    )
    assert [(o["key"], o["outstanding"]["amount"]) for o in c["overdue_by_owner"]] == [
        ("rep-2", "400"),
        ("rep-1", "150"),
    ]
    assert c["by_month"] == [
        {
            "month": "2026-11",
            "planned": {"amount": "100", "currency": "CNY"},
            "received": {"amount": "150", "currency": "CNY"},
        }
    ]
    assert _ok(api("director", "/v1/analytics/cash", **november)) == c
    assert api("rep_1", "/v1/analytics/cash").status_code == 403
    assert _ok(api("other_director", "/v1/analytics/cash"))["outstanding"]["amount"] == "0"


def test_bad_filters_are_problems_naming_the_field(api):
    for path, params, field in [
        (
            "/v1/analytics/results",
            {"closed_date_from": "2026-11-30", "closed_date_to": "2026-11-01"},
            "closed_date_from",
        ),
        ("/v1/analytics/funnel", {"created_on_to": "2026-02-30"}, "created_on_to"),
        ("/v1/analytics/results", {"group_by": "product"}, "group_by"),
        ("/v1/analytics/funnel", {"currency": "rmb"}, "currency"),
        ("/v1/analytics/activity", {"created_on_from": "2026-04-31"}, "created_on_from"),
        ("/v1/analytics/lead-conversion", {"group_by": "colour"}, "group_by"),
        (
            "/v1/analytics/cash",
            {"due_date_from": "2026-12-01", "due_date_to": "2026-11-01"},
            "due_date_from",
        ),
    ]:
        response = api("director", path, **params)
        assert response.status_code == 422, (path, params, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert field in [e["field"] for e in response.json()["errors"]], response.json()
