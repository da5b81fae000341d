"""Public web forms in the gateway, on the embedded MongoDB and the real Redis, with every
service's port closed: what the gateway decides alone (keys, origins, CORS, limits, the
honeypot, reading the body) is proven here, and a submission that gets past all of it
is seen trying to reach the lead service (503). The capture itself: tests/e2e."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from crm_runtime import metrics
from crm_runtime.errors import NotFound
from gateway.lead_forms import KEY_PREFIX, LeadForm, LeadFormStore, ensure_form_indexes
from gateway_support import seed
from pymongo import AsyncMongoClient

pytest_plugins = ["gateway_support"]  # fixtures: redis_url, tenant_id, gateway_app

PAGE = "https://www.example.cn"
SETTINGS: dict[str, Any] = {
    "name": "官网试用",
    "fields": ["name", "phone", "company"],
    "allowed_origins": [PAGE],
    "source": "web",
    "channel_detail": "官网试用",
    "tags": ["试用"],
    "honeypot_field": "website",
    "limit_per_minute": 60,
    "limit_per_address_per_hour": 20,
    "redirect_url": "",
}


def _store(mongo_uri, database_name, scenario):
    async def main():
        client: AsyncMongoClient = AsyncMongoClient(mongo_uri, tz_aware=True)
        try:
            db = client[database_name]
            await ensure_form_indexes(db)
            return await scenario(LeadFormStore(db, cache_seconds=60))
        finally:
            await client.close()

    return asyncio.run(main())


def _form(mongo_uri, database_name, tenant, **changes) -> LeadForm:
    async def scenario(store):
        return await store.create(tenant, "admin", {**SETTINGS, **changes})

    return _store(mongo_uri, database_name, scenario)


@pytest.fixture
def setup(mongo_uri, database_name, gateway_app, tenant_id):
    seeded = seed(mongo_uri, database_name, tenant_id)
    client = gateway_app()
    return seeded, client, lambda **changes: _form(mongo_uri, database_name, tenant_id, **changes)


def _count(outcome: str) -> float:
    return metrics.GATEWAY_FORM_SUBMISSIONS.labels("gateway", outcome)._value.get()


def test_keys_are_random_unique_found_only_while_usable_and_tenant_scoped(mongo_uri, database_name):
    async def scenario(store):
        a = await store.create("t1", "admin", SETTINGS)
        b = await store.create("t1", "admin", SETTINGS)
        found = await store.by_key(a.key)
        await store.update("t1", a.id, {"enabled": False}, None)
        disabled = await store.by_key(a.key)
        await store.update("t1", a.id, {"enabled": True}, None)
        enabled = await store.by_key(a.key)
        await store.revoke("t1", a.id)
        revoked = await store.by_key(a.key)
        with pytest.raises(NotFound):
            await store.get("t2", b.id)
        with pytest.raises(NotFound):
            await store.update("t1", a.id, {"name": "x"}, None)  # revoked forms stay revoked
        return a, b, found, disabled, enabled, revoked

    a, b, found, disabled, enabled, revoked = _store(mongo_uri, database_name, scenario)
    assert a.key.startswith(KEY_PREFIX) and len(a.key) == 35 and a.key != b.key
    assert found == a and disabled is None and enabled is not None and revoked is None


def test_an_unknown_key_is_404_and_an_origin_not_allowed_is_403(setup):
    _, client, make = setup
    form = make()
    unknown = client.post("/v1/forms/lf_nothing/leads", json={"name": "王芳"})
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
    refused = _count("refused_origin")
    for headers in ({"Origin": "https://evil.example"}, {}, {"Origin": "null"}):
        answer = client.post(f"/v1/forms/{form.key}/leads", json={"name": "王芳"}, headers=headers)
        assert answer.status_code == 403, headers
        assert "access-control-allow-origin" not in answer.headers
    assert _count("refused_origin") == refused + 3
    # the Referer's origin stands in for a missing Origin (older browsers, WeChat)
    by_referer = client.post(
        f"/v1/forms/{form.key}/leads",
        json={"name": "王芳", "website": "http://spam"},
        headers={"Referer": f"{PAGE}/try?utm=1"},
    )
    assert by_referer.status_code == 201


def test_a_preflight_answers_allowed_origins_only(setup):
    _, client, make = setup
    form = make()
    ok = client.options(
        f"/v1/forms/{form.key}/leads",
        headers={"Origin": PAGE, "Access-Control-Request-Method": "POST"},
    )
    assert ok.status_code == 204
    assert ok.headers["access-control-allow-origin"] == PAGE
    assert ok.headers["access-control-allow-methods"] == "POST"
    assert ok.headers["access-control-allow-headers"] == "Content-Type, Idempotency-Key"
    bad = client.options(f"/v1/forms/{form.key}/leads", headers={"Origin": "https://evil.cn"})
    assert bad.status_code == 403 and "access-control-allow-origin" not in bad.headers
    anyone = make(allowed_origins=[])
    open_form = client.options(f"/v1/forms/{anyone.key}/leads", headers={"Origin": "https://x.cn"})
    assert open_form.headers["access-control-allow-origin"] == "*"


def test_a_filled_honeypot_is_answered_as_a_success_and_reaches_no_service(setup):
    _, client, make = setup
    form = make()
    before = _count("honeypot")
    bot = client.post(
        f"/v1/forms/{form.key}/leads",
        json={"name": "buy now", "website": "http://spam.example"},
        headers={"Origin": PAGE},
    )
    # The lead service's port is closed: a real capture would be 503 (next test).
    assert bot.status_code == 201 and bot.json() == {"status": "received"}
    assert bot.headers["access-control-allow-origin"] == PAGE
    assert _count("honeypot") == before + 1
    redirecting = make(redirect_url="https://www.example.cn/thanks")
    html_bot = client.post(
        f"/v1/forms/{redirecting.key}/leads",
        content="name=x&website=spam",
        headers={"Origin": PAGE, "Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert html_bot.status_code == 303
    assert html_bot.headers["location"] == "https://www.example.cn/thanks"


def test_a_real_submission_tries_the_lead_service_with_cors_headers_on_the_problem(setup):
    _, client, make = setup
    form = make()
    answer = client.post(
        f"/v1/forms/{form.key}/leads",
        content="name=%E7%8E%8B%E8%8A%B3&phone=13800138000&website=",
        headers={"Origin": PAGE, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 503, answer.text
    assert answer.headers["access-control-allow-origin"] == PAGE
    assert "X-Request-Id" in answer.headers["access-control-expose-headers"]


@pytest.mark.parametrize(
    ("content", "content_type", "status", "field"),
    [
        ('{"name": "王芳", "fax": "1"}', "application/json", 422, "fax"),
        ('{"name": {"$gt": ""}}', "application/json", 422, "name"),
        ('{"name": true}', "application/json", 422, "name"),
        ('{"name": "王芳", "phone": 13800138000}', "application/json", 422, "phone"),
        ('["王芳"]', "application/json", 422, "body"),
        ("name=a&name=b", "application/x-www-form-urlencoded", 422, "name"),
        ("{not json", "application/json", 400, None),
        ("name=王芳", "text/plain", 415, None),
        ("name=%FF", "application/x-www-form-urlencoded", 400, None),
    ],
)
def test_bodies_a_form_does_not_take_are_refused_by_name(
    setup, content, content_type, status, field
):
    _, client, make = setup
    form = make()
    answer = client.post(
        f"/v1/forms/{form.key}/leads",
        content=content.encode(),
        headers={"Origin": PAGE, "Content-Type": content_type},
    )
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["access-control-allow-origin"] == PAGE
    if field:
        assert [e["field"] for e in answer.json()["errors"]] == [field]


def test_a_body_over_64_kib_is_413(setup):
    _, client, make = setup
    form = make()
    answer = client.post(
        f"/v1/forms/{form.key}/leads",
        json={"name": "x" * (70 * 1024)},
        headers={"Origin": PAGE},
    )
    assert answer.status_code == 413


def test_each_client_address_has_its_own_small_budget_bots_included(setup):
    _, client, make = setup
    form = make(limit_per_address_per_hour=2)
    answers = [
        client.post(
            f"/v1/forms/{form.key}/leads",
            json={"name": "bot", "website": "spam"},
            headers={"Origin": PAGE},
        )
        for _ in range(3)
    ]
    assert [a.status_code for a in answers] == [201, 201, 429]
    refused = answers[-1]
    assert int(refused.headers["retry-after"]) > 0 and refused.headers["ratelimit-limit"] == "2"
    assert refused.headers["access-control-allow-origin"] == PAGE
    other_form = make(limit_per_address_per_hour=2)  # another form: a budget of its own
    assert (
        client.post(
            f"/v1/forms/{other_form.key}/leads",
            json={"name": "bot", "website": "spam"},
            headers={"Origin": PAGE},
        ).status_code
        == 201
    )


def test_the_form_as_a_whole_has_a_budget_too(setup):
    _, client, make = setup
    form = make(limit_per_minute=1)
    codes = [
        client.post(
            f"/v1/forms/{form.key}/leads", json={"website": "spam"}, headers={"Origin": PAGE}
        ).status_code
        for _ in range(2)
    ]
    assert codes == [201, 429]


def test_admins_manage_only_their_tenants_forms(mongo_uri, database_name, gateway_app, setup):
    seeded, client, make = setup
    form = make()
    other = seed(mongo_uri, database_name, f"t-{uuid.uuid4().hex[:10]}")
    mine = {"Authorization": f"Bearer {seeded.admin_key}"}
    theirs = {"Authorization": f"Bearer {other.admin_key}"}
    listed = client.get("/v1/lead-forms", headers=mine).json()["items"]
    assert [f["id"] for f in listed] == [form.id]
    assert listed[0]["submit_path"] == f"/v1/forms/{form.key}/leads"
    assert client.get("/v1/lead-forms", headers=theirs).json()["items"] == []
    for method in ("GET", "PATCH", "DELETE"):
        body = {"enabled": False} if method == "PATCH" else None
        answer = client.request(method, f"/v1/lead-forms/{form.id}", json=body, headers=theirs)
        assert answer.status_code == 404, method
    read = client.get(f"/v1/lead-forms/{form.id}", headers=mine)
    assert read.headers["etag"] == '"1"'
    stale = client.patch(
        f"/v1/lead-forms/{form.id}", json={"enabled": False}, headers={**mine, "If-Match": '"7"'}
    )
    assert stale.status_code == 412
    off = client.patch(f"/v1/lead-forms/{form.id}", json={"enabled": False}, headers=mine)
    assert off.status_code == 200 and off.json()["enabled"] is False and off.json()["version"] == 2
    submit = {"json": {"website": "x"}, "headers": {"Origin": PAGE}}
    assert client.post(f"/v1/forms/{form.key}/leads", **submit).status_code == 404
    client.patch(f"/v1/lead-forms/{form.id}", json={"enabled": True}, headers=mine)
    assert client.post(f"/v1/forms/{form.key}/leads", **submit).status_code == 201
    assert client.delete(f"/v1/lead-forms/{form.id}", headers=mine).status_code == 204
    assert client.post(f"/v1/forms/{form.key}/leads", **submit).status_code == 404
    gone = client.get(f"/v1/lead-forms/{form.id}", headers=mine)
    assert gone.status_code == 404 and "revoked" in gone.json()["detail"]
    assert client.delete(f"/v1/lead-forms/{form.id}", headers=mine).status_code == 404
    listed = client.get("/v1/lead-forms", headers=mine).json()["items"]
    assert form.id not in [f["id"] for f in listed]
    audited = client.get("/v1/lead-forms?include_revoked=true", headers=mine).json()["items"]
    assert [f["revoked"] for f in audited if f["id"] == form.id] == [True]


def test_origins_and_the_redirect_are_checked_and_origins_kept_as_browsers_send_them(setup):
    seeded, client, make = setup
    form = make()
    mine = {"Authorization": f"Bearer {seeded.admin_key}"}
    bad = client.patch(
        f"/v1/lead-forms/{form.id}",
        json={
            "allowed_origins": ["https://ok.cn", "https://x.cn/path", "ftp://x.cn"],
            "redirect_url": "javascript:alert(1)",
        },
        headers=mine,
    )
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == [
        "allowed_origins[1]",
        "allowed_origins[2]",
        "redirect_url",
    ]
    good = client.patch(
        f"/v1/lead-forms/{form.id}",
        json={"allowed_origins": ["HTTPS://WWW.Example.cn:443", "http://localhost:8000"]},
        headers=mine,
    )
    assert good.json()["allowed_origins"] == ["https://www.example.cn", "http://localhost:8000"]
    assert client.get(f"/v1/lead-forms/{form.id}", headers=mine).json()["version"] == 2


def test_an_idempotency_key_replays_a_submission_per_form(setup):
    _, client, make = setup
    form, other = make(), make()
    headers = {"Origin": PAGE, "Idempotency-Key": "page-submit-1"}
    body = {"name": "王芳", "website": "http://spam"}  # the honeypot: no service needed
    first = client.post(f"/v1/forms/{form.key}/leads", json=body, headers=headers)
    again = client.post(f"/v1/forms/{form.key}/leads", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true" and again.json() == first.json()
    assert again.headers["access-control-allow-origin"] == PAGE
    changed = client.post(
        f"/v1/forms/{form.key}/leads", json={**body, "name": "李雷"}, headers=headers
    )
    assert changed.status_code == 422
    assert [e["field"] for e in changed.json()["errors"]] == ["Idempotency-Key"]
    elsewhere = client.post(f"/v1/forms/{other.key}/leads", json=body, headers=headers)
    assert elsewhere.status_code == 201 and "idempotent-replayed" not in elsewhere.headers
