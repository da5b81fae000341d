"""POST /v1/leads/{id}/convert and GET /v1/accounts/{id}/360 against in-process lead and
opportunity services on the embedded MongoDB (the opportunity service calling the lead
service through its real client); contract and payment are closed ports, as down
services look. The whole stack: tests/e2e/test_lead_conversion.py, test_account_360.py."""

from __future__ import annotations

from typing import Any

import pytest

pytest_plugins = ["gateway_support"]  # fixtures: service_api (the services in-process)


@pytest.fixture
def api(service_api):
    return service_api


def _ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


def _qualified(api) -> dict[str, Any]:
    lead = _ok(
        api(
            "admin",
            "POST",
            "/v1/leads",
            json={
                "name": "韩梅梅",
                "company": "杭州云栖智能科技有限公司",
                "source": "trade_show",
                "phone": "13600136000",
                "product_line": "CRM",
            },
        ),
        201,
    )
    _ok(
        api(
            "sales_manager",
            "POST",
            f"/v1/leads/{lead['id']}/assign",
            json={"owner_id": "sales_rep-1"},
        )
    )
    for status in ("contacted", "qualified"):
        _ok(api("sales_rep", "POST", f"/v1/leads/{lead['id']}/status", json={"status": status}))
    return lead


def test_a_conversion_answers_the_records_and_again_the_same(api):
    lead = _qualified(api)
    early = api(
        "sales_rep",
        "POST",
        f"/v1/leads/{lead['id']}/convert",
        json={"opportunity": {"amount": {"amount": "1.5", "currency": "cny"}}},
    )
    assert early.status_code == 422  # the gateway's own check of the currency
    body = {"opportunity": {"amount": {"amount": "123.45", "currency": "CNY"}}}
    answer = api("sales_rep", "POST", f"/v1/leads/{lead['id']}/convert", json=body)
    done = _ok(answer, 201)
    assert answer.headers["Location"] == f"/v1/opportunities/{done['opportunity']['id']}"
    assert done["account_created"] is True
    assert done["opportunity"]["amount"] == {"amount": "123.45", "currency": "CNY"}
    assert done["opportunity"]["name"] == "杭州云栖智能科技有限公司 – CRM"
    again = _ok(api("sales_rep", "POST", f"/v1/leads/{lead['id']}/convert", json={}), 201)
    assert again["opportunity"]["id"] == done["opportunity"]["id"]
    converted = _ok(api("sales_rep", "GET", f"/v1/leads/{lead['id']}"))
    assert (converted["status"], converted["account_id"]) == ("converted", done["account"]["id"])
    other_key = api(
        "sales_rep",
        "POST",
        f"/v1/leads/{lead['id']}/convert",
        json={},
        headers={"Idempotency-Key": "another"},
    )
    assert other_key.status_code == 409 and done["account"]["id"] in other_key.json()["detail"]
    hidden = api("sales_rep", "POST", f"/v1/leads/{lead['id']}/convert", json={}, tenant="t-other")
    assert hidden.status_code == 404


def test_a_lead_that_is_not_qualified_is_409_naming_its_status(api):
    lead = _ok(api("admin", "POST", "/v1/leads", json={"name": "李四", "source": "web"}), 201)
    refused = api("sales_director", "POST", f"/v1/leads/{lead['id']}/convert", json={})
    assert refused.status_code == 409
    assert "it is new" in refused.json()["detail"]


def test_the_360_view_degrades_the_parts_whose_services_are_down(api):
    lead = _qualified(api)
    _ok(
        api(
            "sales_rep",
            "POST",
            f"/v1/leads/{lead['id']}/follow-ups",
            json={"kind": "call", "notes": "展会后首次电话"},
        ),
        201,
    )
    body = {"opportunity": {"amount": {"amount": "100.10", "currency": "CNY"}}}
    done = _ok(api("sales_rep", "POST", f"/v1/leads/{lead['id']}/convert", json=body), 201)
    account_id = done["account"]["id"]
    view = _ok(api("sales_rep", "GET", f"/v1/accounts/{account_id}/360"))
    assert view["open_pipeline"] == {"amount": "100.1", "currency": "CNY"}
    assert [c["id"] for c in view["contacts"]] == [done["contact"]["id"]]
    assert [o["id"] for o in view["open_opportunities"]] == [done["opportunity"]["id"]]
    assert [x["id"] for x in view["converted_leads"]] == [lead["id"]]
    assert [f["notes"] for f in view["lead_follow_ups"]] == ["展会后首次电话"]
    assert view["parts"]["leads"]["status"] == "ok"
    for part in ("contracts", "receivables"):
        assert view["parts"][part]["status"] == "unavailable"
        assert view["parts"][part]["reason"].startswith("UNAVAILABLE")
    hidden = api("sales_rep", "GET", f"/v1/accounts/{account_id}/360", tenant="t-other")
    assert hidden.status_code == 404
