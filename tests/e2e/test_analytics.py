"""Deals through the gateway reach the analytics read models through the real stack
(opportunity api -> outbox -> RabbitMQ -> analytics worker) and come back out as the
funnel and results, each caller within their data scope."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from opportunity_support import cny, move, ok, ready_deal


@pytest.fixture(scope="module")
def tenant(tenant_factory):
    return tenant_factory()


def _until(fetch, found, seconds=15.0):
    started = time.monotonic()
    while True:
        value = fetch()
        if found(value) or time.monotonic() - started > seconds:
            return value
        time.sleep(0.1)


def test_deals_become_the_funnel_and_results_of_their_owner(tenant):
    today = datetime.now(UTC).date().isoformat()
    rep_id, rep_token = tenant.person("sales_rep")
    _, other_token = tenant.person("sales_rep")
    with tenant.client(rep_token) as rep:
        won = ready_deal(rep, "118000.50")
        for stage in ("needs_confirmed", "solution"):
            ok(move(rep, won["id"], stage))
        body = {"closed_date": today, "amount": cny("118000.50")}
        ok(rep.post(f"/v1/opportunities/{won['id']}/won", json=body))
        lost = ready_deal(rep, "60000")
        ok(move(rep, lost["id"], "needs_confirmed"))
        body = {"loss_reason": "price", "competitor": "某友商", "closed_date": today}
        ok(rep.post(f"/v1/opportunities/{lost['id']}/lost", json=body))
        ready_deal(rep, "30000")  # open in the first stage
    director = tenant.client(tenant.person("sales_director")[1])
    params = {"created_on_from": today, "created_on_to": today}
    funnel = _until(
        lambda: ok(director.get("/v1/analytics/funnel", params=params)),
        lambda f: (
            f["won"]["count"] == 1 and f["lost"]["count"] == 1 and f["stages"][0]["reached"] == 3
        ),
    )
    first, needs, solution = funnel["stages"][:3]
    assert first["stage"] == "initial_contact" and first["open"] == {
        "count": 1,
        "amount": cny("30000"),
    }
    assert [first["reached"], needs["reached"], solution["reached"]] == [3, 2, 1]
    # Both deals left "needs confirmed": one to the solution, one into the lost stage.
    assert needs["conversion_to_next"] == 0.5 and needs["dwell_days"]["samples"] == 2
    assert funnel["won"]["amount"] == cny("118000.5")
    assert funnel["competitors"] == [{"key": "某友商", "count": 1, "amount": cny("60000")}]
    with tenant.client(rep_token) as rep:
        assert ok(rep.get("/v1/analytics/funnel", params=params)) == funnel
        rows = ok(
            rep.get(
                "/v1/analytics/results", params={"closed_date_from": today, "group_by": "owner"}
            )
        )
    [row] = rows["results"]
    assert (row["group"], row["current"]["deals_won"], row["current"]["win_rate"]) == (
        rep_id,
        1,
        0.5,
    )
    assert row["current"]["average_deal"] == cny("118000.5")
    with tenant.client(other_token) as other:
        mine = ok(other.get("/v1/analytics/funnel", params=params))
    assert mine["won"]["count"] == 0 and mine["stages"][0]["reached"] == 0
    director.close()
