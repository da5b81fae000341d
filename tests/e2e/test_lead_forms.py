"""Web forms, custom fields and channels through the gateway on the whole stack: a tenant
admin defines fields and a form; anonymous visitors submit it as JSON and as an HTML
form would; bots filling the honeypot are told "received" and leave no trace; limits,
unknown keys, bad values and other tenants are refused."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

PAGE = "https://www.example.cn"
FIELDS = {
    "fields": [
        {"key": "budget", "label": "预算", "type": "number", "min_value": 0, "decimals": 2},
        {"key": "visit_date", "label": "拜访日期", "type": "date"},
        {
            "key": "segment",
            "label": "客户分层",
            "type": "choice",
            "choices": ["大客户", "中小企业"],
        },
    ]
}
FORM = {
    "name": "官网-产品试用申请",
    "fields": ["name", "phone", "company", "budget", "segment"],
    "allowed_origins": [PAGE],
    "channel_detail": "产品试用",
    "tags": ["试用"],
}


@pytest.fixture
def tenant(tenant_factory):
    made = tenant_factory()
    assert made.admin("PUT", "/v1/lead-custom-fields", json=FIELDS).status_code == 200
    return made


def _form(tenant, **changes: Any) -> dict[str, Any]:
    made = tenant.admin("POST", "/v1/lead-forms", json={**FORM, **changes})
    assert made.status_code == 201, made.text
    return made.json()


def _submit(tenant, form, **kwargs: Any) -> httpx.Response:
    headers = {"Origin": PAGE, **kwargs.pop("headers", {})}
    return httpx.post(f"{tenant.url}{form['submit_path']}", headers=headers, timeout=15, **kwargs)


def _leads(tenant, **params: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = tenant.admin("GET", "/v1/leads", params=params).json()["items"]
    return found


def _eventually(read, expected_count: int) -> list[dict[str, Any]]:
    """Commits become visible to the next read a moment later on the embedded MongoDB."""
    deadline = time.monotonic() + 5
    found = read()
    while len(found) != expected_count and time.monotonic() < deadline:
        time.sleep(0.05)
        found = read()
    return found


def test_anonymous_submissions_become_leads_of_the_forms_channel(tenant):
    form = _form(tenant)
    as_json = _submit(
        tenant,
        form,
        json={"name": "王芳", "phone": "13800138000", "budget": 50000, "segment": "大客户"},
    )
    assert as_json.status_code == 201 and as_json.json() == {"status": "received"}
    assert as_json.headers["access-control-allow-origin"] == PAGE
    as_html = _submit(
        tenant,
        form,
        content="name=%E6%9D%8E%E9%9B%B7&company=%E6%9D%AD%E5%B7%9E%E5%88%B6%E9%80%A0"
        "&budget=1200.50&segment=&website=",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert as_html.status_code == 201, as_html.text
    leads = _eventually(lambda: _leads(tenant, tag="web:产品试用"), 2)
    by_name = {lead["name"]: lead for lead in leads}
    assert set(by_name) == {"王芳", "李雷"}
    wang = by_name["王芳"]
    assert wang["source"] == "web" and wang["channel_detail"] == "产品试用"
    assert wang["tags"] == ["试用", "web:产品试用"]
    assert wang["custom_fields"] == {"budget": 50000, "segment": "大客户"}
    assert wang["phone"] == "+8613800138000" and wang["score"] > 0
    assert by_name["李雷"]["custom_fields"] == {"budget": 1200.5}
    audit = tenant.admin("GET", "/v1/audit-log", params={"actor_id": f"form:{form['id']}"})
    entries = audit.json()["items"]
    assert [(e["action"], e["status"]) for e in entries] == [("lead_form:submit", 201)] * 2


def test_a_bot_filling_the_honeypot_is_told_received_and_leaves_no_trace(tenant, mongo):
    form = _form(tenant)
    leads, outbox = mongo["crm_lead"]["leads"], mongo["crm_lead"]["outbox"]
    bot = _submit(tenant, form, json={"name": "cheap pills", "website": "http://spam.example"})
    human = _submit(tenant, form, json={"name": "赵敏"})
    assert (bot.status_code, bot.json()) == (human.status_code, human.json())
    assert bot.status_code == 201 and bot.json() == {"status": "received"}
    (zhao,) = _eventually(lambda: _leads(tenant), 1)
    assert zhao["name"] == "赵敏" and zhao["created_by"] == f"form:{form['id']}"
    assert leads.count_documents({"tenant_id": tenant.id}) == 1
    mine = {"envelope.tenant_id": tenant.id}
    assert outbox.count_documents(mine) > 0
    assert outbox.count_documents({**mine, "envelope.aggregate_id": {"$ne": zhao["id"]}}) == 0
    audit = tenant.admin("GET", "/v1/audit-log", params={"actor_id": f"form:{form['id']}"})
    assert [e["status"] for e in audit.json()["items"]] == [201]  # the bot is only a metric


def test_unknown_keys_are_404_and_revoked_forms_stop_at_once(tenant):
    form = _form(tenant)
    unknown = httpx.post(f"{tenant.url}/v1/forms/lf_unknown/leads", json={"name": "x"}, timeout=15)
    assert unknown.status_code == 404
    assert tenant.admin("DELETE", f"/v1/lead-forms/{form['id']}").status_code == 204
    assert _submit(tenant, form, json={"name": "x"}).status_code == 404


def test_a_busy_client_address_is_refused_429(tenant):
    form = _form(tenant, limit_per_address_per_hour=2)
    codes = [_submit(tenant, form, json={"name": f"访客{i}"}).status_code for i in range(3)]
    assert codes == [201, 201, 429]


def test_values_the_tenants_fields_refuse_are_422_by_name_and_store_nothing(tenant):
    form = _form(tenant)
    refused = _submit(tenant, form, json={"name": "王芳", "budget": "很多", "segment": "政府"})
    assert refused.status_code == 422
    assert {e["field"]: e["message"] for e in refused.json()["errors"]} == {
        "custom_fields.budget": "must be a number",
        "custom_fields.segment": "must be one of 大客户, 中小企业",
    }
    assert refused.headers["access-control-allow-origin"] == PAGE
    unknown = _submit(tenant, form, json={"name": "王芳", "visit_date": "2026-12-01"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "visit_date"
    assert _leads(tenant) == []


def test_custom_fields_through_the_lead_api_typed_in_and_out_and_retired_kept(tenant):
    with tenant.client() as admin:
        made = admin.post(
            "/v1/leads",
            json={
                "name": "孙丽",
                "source": "trade_show",
                "channel_detail": "2026 上海工博会",
                "custom_fields": {"budget": "88000.5", "visit_date": "2026-12-01"},
            },
        )
        assert made.status_code == 201, made.text
        lead = made.json()
        assert lead["custom_fields"] == {"budget": 88000.5, "visit_date": "2026-12-01"}
        bad = admin.post(
            "/v1/leads",
            json={"name": "x", "source": "web", "custom_fields": {"budget": -1, "nope": "1"}},
        )
        assert bad.status_code == 422
        assert {e["field"] for e in bad.json()["errors"]} == {
            "custom_fields.budget",
            "custom_fields.nope",
        }
        kept = admin.put("/v1/lead-custom-fields", json={"fields": FIELDS["fields"][1:]})
        assert [f["key"] for f in kept.json()["retired"]] == ["budget"]
        assert admin.get(f"/v1/leads/{lead['id']}").json()["custom_fields"]["budget"] == 88000.5
        changed = admin.put(
            "/v1/lead-custom-fields",
            json={"fields": [{"key": "budget", "label": "预算", "type": "text"}]},
        )
        assert changed.status_code == 422
        assert changed.json()["errors"][0]["field"] == "fields[0].type"
        shows = admin.get("/v1/leads", params={"tag": "trade_show:2026 上海工博会"}).json()
        assert [x["id"] for x in shows["items"]] == [lead["id"]]


def test_another_tenants_admin_cannot_see_or_manage_the_form(tenant, tenant_factory):
    form = _form(tenant)
    other = tenant_factory()
    assert other.admin("GET", "/v1/lead-forms").json()["items"] == []
    for method, body in (("GET", None), ("PATCH", {"enabled": False}), ("DELETE", None)):
        answer = other.admin(method, f"/v1/lead-forms/{form['id']}", json=body)
        assert answer.status_code == 404, method
    assert tenant.admin("GET", f"/v1/lead-forms/{form['id']}").json()["enabled"] is True
    # the form's leads go to the form's tenant, whoever posts
    assert _submit(tenant, form, json={"name": "周杰"}).status_code == 201
    assert _eventually(lambda: _leads(tenant), 1)[0]["name"] == "周杰"
    assert _leads(other) == []


def test_a_form_must_take_a_name_and_only_fields_the_tenant_has(tenant):
    answer = tenant.admin(
        "POST", "/v1/lead-forms", json={**FORM, "fields": ["phone", "colour", "phone"]}
    )
    assert answer.status_code == 422
    assert {(e["field"], e["message"]) for e in answer.json()["errors"]} == {
        ("fields[1]", "is not a lead field or custom field of this tenant"),
        ("fields[2]", "is listed twice"),
        ("fields", "must include name: a lead needs one"),
    }
    marketing = tenant.key("marketing")
    with tenant.client(marketing) as client:
        assert client.post("/v1/lead-forms", json=FORM).status_code == 201
    rep = tenant.key("sales_rep")
    with tenant.client(rep) as client:
        assert client.post("/v1/lead-forms", json=FORM).status_code == 403
