"""Editing a lead through the gateway (If-Match, field errors, duplicates) and checking
for duplicates before capture."""

from __future__ import annotations

import pytest


@pytest.fixture
def tenant(tenant_factory):
    return tenant_factory()


def _owned_lead(tenant, **fields):
    rep, token = tenant.person("sales_rep")
    with tenant.client() as admin:
        response = admin.post(
            "/v1/leads", json={"name": "周芷若", "source": "web", "owner_id": rep, **fields}
        )
    assert response.status_code == 201, response.text
    return response.json(), token


def test_a_rep_edits_their_lead_with_if_match_and_a_stale_tag_gets_412(tenant):
    lead, token = _owned_lead(tenant, phone="13800138000")
    with tenant.client(token) as rep:
        changed = rep.patch(
            f"/v1/leads/{lead['id']}",
            json={"email": "Zhou@Example.CN", "notes": "展会认识"},
            headers={"If-Match": f'"{lead["version"]}"'},
        )
        assert changed.status_code == 200, changed.text
        body = changed.json()
        assert (body["email"], body["notes"], body["phone"]) == (
            "zhou@example.cn",
            "展会认识",
            "+8613800138000",
        )
        assert changed.headers["ETag"] == f'"{body["version"]}"'
        stale = rep.patch(
            f"/v1/leads/{lead['id']}",
            json={"notes": "覆盖"},
            headers={"If-Match": f'"{lead["version"]}"'},
        )
        assert stale.status_code == 412, stale.text
        assert stale.headers["ETag"] == f'"{body["version"]}"'
        assert rep.get(f"/v1/leads/{lead['id']}").json()["notes"] == "展会认识"


def test_bad_edits_name_the_field_and_change_nothing(tenant):
    lead, token = _owned_lead(tenant)
    with tenant.client(token) as rep:
        bad_phone = rep.patch(f"/v1/leads/{lead['id']}", json={"phone": "12345", "notes": "x"})
        assert bad_phone.status_code == 422
        assert "phone" in {e["field"] for e in bad_phone.json()["errors"]}
        operator = rep.patch(f"/v1/leads/{lead['id']}", json={"name": {"$gt": ""}})
        assert operator.status_code == 422
        owner = rep.patch(f"/v1/leads/{lead['id']}", json={"owner_id": "someone"})
        assert owner.status_code == 422
        assert rep.get(f"/v1/leads/{lead['id']}").json()["version"] == lead["version"]


def test_duplicate_check_finds_the_tenants_lead_in_any_spelling(tenant, tenant_factory):
    lead, _ = _owned_lead(tenant, phone="13800138000", email="zr@example.cn")
    probe = {"phone": "+86 138-0013-8000", "email": "ZR@example.cn"}
    with tenant.client() as admin:
        found = admin.post("/v1/lead-duplicate-checks", json=probe)
        assert found.status_code == 200, found.text
        assert found.json()["matches"] == [
            {"lead_id": lead["id"], "matched_on": ["phone", "email"]}
        ]
        assert admin.post("/v1/leads", json={"name": "x", "source": "web"}).status_code == 201
    other = tenant_factory()
    with other.client() as stranger:
        assert stranger.post("/v1/lead-duplicate-checks", json=probe).json()["matches"] == []


def test_custom_values_and_channel_detail_are_edited_by_key(tenant):
    fields = {
        "fields": [
            {"key": "budget", "label": "预算", "type": "number", "min_value": 0},
            {"key": "wechat_id", "label": "微信号", "type": "text", "required": True},
        ]
    }
    assert tenant.admin("PUT", "/v1/lead-custom-fields", json=fields).status_code == 200
    lead, token = _owned_lead(
        tenant, source="trade_show", custom_fields={"wechat_id": "zr88", "budget": 1000}
    )
    with tenant.client(token) as rep:
        changed = rep.patch(
            f"/v1/leads/{lead['id']}",
            json={"custom_fields": {"budget": "2500.5"}, "channel_detail": "进博会"},
        )
        assert changed.status_code == 200, changed.text
        body = changed.json()
        assert body["custom_fields"] == {"budget": 2500.5, "wechat_id": "zr88"}
        assert "trade_show:进博会" in body["tags"]
        cleared = rep.patch(f"/v1/leads/{lead['id']}", json={"custom_fields": {"wechat_id": None}})
        assert cleared.status_code == 422
        assert cleared.json()["errors"][0]["field"] == "custom_fields.wechat_id"
        negative = rep.patch(f"/v1/leads/{lead['id']}", json={"custom_fields": {"budget": -1}})
        assert negative.status_code == 422
        assert rep.get(f"/v1/leads/{lead['id']}").json()["custom_fields"]["budget"] == 2500.5
