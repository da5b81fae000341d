"""Lead conversion through the gateway (ADR 17): a lead captured, assigned, contacted
and qualified becomes an account, a contact and an opportunity that read back through
their own routes; the lead shows the links; converting again answers the same records;
a lead whose company is an existing account joins it."""

from __future__ import annotations

import uuid

import pytest
from conversion_support import qualified_lead
from opportunity_support import ok


@pytest.fixture
def tenant(tenant_factory):
    return tenant_factory()


def test_a_qualified_lead_converts_and_its_records_read_back(tenant):
    lead, rep, token = qualified_lead(tenant)
    body = {
        "opportunity": {"amount": {"amount": "123.45", "currency": "CNY"}},
        "contact": {"title": "信息中心主任", "role": "decision_maker"},
    }
    with tenant.client(token) as client:
        done = ok(client.post(f"/v1/leads/{lead['id']}/convert", json=body), 201)
        assert done["account_created"] is True
        account, contact, opp = done["account"], done["contact"], done["opportunity"]
        assert (account["name"], account["source"], account["source_lead_id"]) == (
            lead["company"],
            "trade_show",
            lead["id"],
        )
        assert (contact["name"], contact["role"], contact["primary"]) == (
            "韩梅梅",
            "decision_maker",
            True,
        )
        assert opp["amount"] == {"amount": "123.45", "currency": "CNY"}
        assert (opp["name"], opp["owner_id"], opp["source"]) == (
            f"{lead['company']} – CRM",
            rep,
            "trade_show",
        )
        assert ok(client.get(f"/v1/accounts/{account['id']}"))["owner_id"] == rep
        assert ok(client.get(f"/v1/contacts/{contact['id']}"))["account_id"] == account["id"]
        read = ok(client.get(f"/v1/opportunities/{opp['id']}"))
        assert (read["account_id"], read["primary_contact_id"]) == (account["id"], contact["id"])
        converted = ok(client.get(f"/v1/leads/{lead['id']}"))
        assert converted["status"] == "converted"
        assert (converted["account_id"], converted["contact_id"], converted["opportunity_id"]) == (
            account["id"],
            contact["id"],
            opp["id"],
        )
        again = ok(client.post(f"/v1/leads/{lead['id']}/convert", json={}), 201)
        assert (again["account"]["id"], again["opportunity"]["id"]) == (account["id"], opp["id"])
        listed = ok(client.get("/v1/opportunities"))["items"]
        assert [o["id"] for o in listed] == [opp["id"]]


def test_the_idempotency_key_header_replays_the_conversion(tenant):
    lead, _, token = qualified_lead(tenant)
    headers = {"Idempotency-Key": f"convert-{uuid.uuid4()}"}
    with tenant.client(token) as client:
        first = ok(client.post(f"/v1/leads/{lead['id']}/convert", json={}, headers=headers), 201)
        second = ok(client.post(f"/v1/leads/{lead['id']}/convert", json={}, headers=headers), 201)
        assert second["opportunity"]["id"] == first["opportunity"]["id"]
        other = client.post(
            f"/v1/leads/{lead['id']}/convert",
            json={},
            headers={"Idempotency-Key": f"convert-{uuid.uuid4()}"},
        )
        assert other.status_code == 409
        assert first["account"]["id"] in other.json()["detail"]


def test_a_lead_of_an_existing_company_joins_its_account(tenant):
    company = f"苏州{uuid.uuid4().hex[:6]}精密机械有限公司"
    director = tenant.person("sales_director")[1]
    with tenant.client(director) as client:
        existing = ok(client.post("/v1/accounts", json={"name": company}), 201)
    lead, _, token = qualified_lead(tenant, company=company)
    with tenant.client(token) as client:
        done = ok(client.post(f"/v1/leads/{lead['id']}/convert", json={}), 201)
    assert done["account_created"] is False
    assert done["account"]["id"] == existing["id"]
    assert done["contact"]["account_id"] == existing["id"] and not done["contact"]["primary"]
    assert done["opportunity"]["account_id"] == existing["id"]


def test_unqualified_hidden_and_badly_overridden_conversions_are_refused(tenant, tenant_factory):
    rep, token = tenant.person("sales_rep")
    with tenant.client() as admin:
        fresh = ok(
            admin.post("/v1/leads", json={"name": "李四", "source": "web", "owner_id": rep}), 201
        )
    with tenant.client(token) as client:
        early = client.post(f"/v1/leads/{fresh['id']}/convert", json={})
        assert early.status_code == 409, early.text
        assert "only a qualified lead converts" in early.json()["detail"]
    lead, _, token = qualified_lead(tenant)
    with tenant.client(token) as client:
        bad = client.post(
            f"/v1/leads/{lead['id']}/convert",
            json={"account_id": "no-such-account", "account": {"name": "另一个名字"}},
        )
        assert bad.status_code == 422, bad.text
        assert {e["field"] for e in bad.json()["errors"]} >= {"account_id"}
        assert ok(client.get(f"/v1/leads/{lead['id']}"))["status"] == "qualified"
    other = tenant_factory()
    with other.client(other.key("sales_rep")) as client:
        hidden = client.post(f"/v1/leads/{lead['id']}/convert", json={})
        assert hidden.status_code == 404
