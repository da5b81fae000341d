"""The customer 360 view through the gateway: a converted lead's account with its
contact, deals, sums and follow-ups (its own and the lead's from before the
conversion) and its receivables (none yet); contracts, whose service serves no RPCs
yet, degrade to a marker instead of failing the view; another tenant's account is 404."""

from __future__ import annotations

import pytest
from conversion_support import qualified_lead
from opportunity_support import cny, ok


@pytest.fixture
def tenant(tenant_factory):
    return tenant_factory()


def test_the_360_view_composes_every_part_and_marks_the_missing_ones(tenant, tenant_factory):
    lead, rep, token = qualified_lead(tenant)
    with tenant.client(token) as client:
        ok(
            client.post(
                f"/v1/leads/{lead['id']}/follow-ups",
                json={"kind": "call", "notes": "展会后首次电话"},
            ),
            201,
        )
        body = {"opportunity": {"amount": cny("123.45")}}
        done = ok(client.post(f"/v1/leads/{lead['id']}/convert", json=body), 201)
        account_id, opp_id = done["account"]["id"], done["opportunity"]["id"]
        ok(
            client.post(
                f"/v1/accounts/{account_id}/follow-ups", json={"kind": "visit", "notes": "上门拜访"}
            ),
            201,
        )
        second = {"name": "二期扩容", "account_id": account_id, "amount": cny("0.55")}
        ok(client.post("/v1/opportunities", json=second), 201)
        view = ok(client.get(f"/v1/accounts/{account_id}/360"))
    assert view["account"]["id"] == account_id and view["account"]["owner_id"] == rep
    assert [c["id"] for c in view["contacts"]] == [done["contact"]["id"]]
    assert {o["id"] for o in view["open_opportunities"]} >= {opp_id}
    assert len(view["open_opportunities"]) == 2 and view["closed_opportunities"] == []
    assert view["open_pipeline"] == {"amount": "124", "currency": "CNY"}
    assert view["won_total"] is None
    assert [f["notes"] for f in view["recent_follow_ups"]] == ["上门拜访"]
    assert [x["id"] for x in view["converted_leads"]] == [lead["id"]]
    assert view["converted_leads"][0]["converted_opportunity_id"] == opp_id
    assert [f["notes"] for f in view["lead_follow_ups"]] == ["展会后首次电话"]
    assert view["parts"]["leads"] == {"status": "ok", "reason": ""}
    for part in ("contracts", "receivables"):  # both services answer: none for this account
        assert view["parts"][part] == {"status": "ok", "reason": ""}, view["parts"]
        assert view[part] == []
    other = tenant_factory()
    with other.client() as stranger:
        hidden = stranger.get(f"/v1/accounts/{account_id}/360")
    assert hidden.status_code == 404
    assert hidden.headers["content-type"] == "application/problem+json"
