"""The lead issue through the gateway: rules and round-robin, the pool and its claim
race, follow-ups, the lifecycle, lists and scopes, configuration errors."""

from __future__ import annotations

import threading

import pytest


@pytest.fixture
def tenant(tenant_factory):
    return tenant_factory()


def _lead(client, **fields):
    response = client.post("/v1/leads", json={"name": "赵敏", "source": "web", **fields})
    assert response.status_code == 201, response.text
    return response.json()


def test_rules_route_new_leads_round_robin_with_the_reason(tenant):
    wei, _ = tenant.person("sales_rep")
    fang, _ = tenant.person("sales_rep")
    for rep in (wei, fang):
        assert (
            tenant.admin("PUT", f"/v1/lead-reps/{rep}", json={"groups": ["east"]}).status_code
            == 200
        )
    rules = {"rules": [{"name": "east", "group": "east", "regions": ["上海"]}]}
    assert tenant.admin("PUT", "/v1/lead-assignment-rules", json=rules).status_code == 200
    with tenant.client() as admin:
        owners = [_lead(admin, region="上海")["owner_id"] for _ in range(4)]
        elsewhere = _lead(admin, region="拉萨")
    assert sorted(owners) == sorted([wei, fang, wei, fang]) and owners[0] != owners[1]
    assert elsewhere["owner_id"] == "" and elsewhere["assignment_rule"] == "pool"
    reps = {r["id"]: r["open_leads"] for r in tenant.admin("GET", "/v1/lead-reps").json()["items"]}
    assert reps == {wei: 2, fang: 2}


def test_two_reps_claiming_one_pool_lead_one_wins_one_gets_409(tenant):
    with tenant.client() as admin:
        lead = _lead(admin)
    reps = [tenant.person("sales_rep") for _ in range(2)]
    barrier, codes = threading.Barrier(2), []

    def claim(token):
        with tenant.client(token) as client:
            barrier.wait()
            codes.append(client.post(f"/v1/leads/{lead['id']}/claim").status_code)

    threads = [threading.Thread(target=claim, args=(token,)) for _, token in reps]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [200, 409]


def test_a_rep_works_a_lead_follow_ups_and_lifecycle(tenant):
    rep, token = tenant.person("sales_rep")
    with tenant.client() as admin:
        lead = _lead(admin, phone="13700137000")
        assigned = admin.post(
            f"/v1/leads/{lead['id']}/assign", json={"owner_id": rep, "reason": "熟客"}
        )
    assert assigned.status_code == 403  # admins configure; managers and directors assign
    manager = tenant.person("sales_manager")[1]
    with tenant.client(manager) as client:
        assert (
            client.post(f"/v1/leads/{lead['id']}/assign", json={"owner_id": rep}).status_code == 200
        )
    with tenant.client(token) as client:
        for notes in ("首次电话", "发送方案"):
            assert (
                client.post(
                    f"/v1/leads/{lead['id']}/follow-ups", json={"kind": "call", "notes": notes}
                ).status_code
                == 201
            )
        listed = client.get(f"/v1/leads/{lead['id']}/follow-ups").json()["items"]
        assert [f["notes"] for f in listed] == ["发送方案", "首次电话"]
        no_reason = client.post(f"/v1/leads/{lead['id']}/status", json={"status": "disqualified"})
        assert no_reason.status_code == 422
        assert "reason" in {e["field"] for e in no_reason.json()["errors"]}
        illegal = client.post(f"/v1/leads/{lead['id']}/status", json={"status": "converted"})
        assert illegal.status_code == 409
        qualified = client.post(f"/v1/leads/{lead['id']}/status", json={"status": "qualified"})
        assert qualified.status_code == 200 and qualified.json()["status"] == "qualified"
        mine = client.get("/v1/leads").json()["items"]
    assert [x["id"] for x in mine] == [lead["id"]]  # a rep sees their own leads only


def test_lists_filter_and_search(tenant):
    with tenant.client() as admin:
        a = _lead(admin, name="孙悟空", company="花果山科技", source="referral", tags=["VIP"])
        _lead(admin, name="猪八戒", company="高老庄贸易", source="web")
        assert [
            x["id"] for x in admin.get("/v1/leads", params={"q": "花果山"}).json()["items"]
        ] == [a["id"]]
        assert [
            x["id"] for x in admin.get("/v1/leads", params={"source": "referral"}).json()["items"]
        ] == [a["id"]]
        assert [x["id"] for x in admin.get("/v1/leads", params={"tag": "VIP"}).json()["items"]] == [
            a["id"]
        ]
        bad = admin.get("/v1/leads", params={"status": "sleeping"})
    assert bad.status_code == 422


def test_bad_settings_name_the_setting(tenant):
    response = tenant.admin(
        "PATCH", "/v1/lead-settings", json={"recycle_after_days": "soon", "nope": 1}
    )
    assert response.status_code == 422
    assert {"recycle_after_days", "nope"} <= {e["field"] for e in response.json()["errors"]}
    ok = tenant.admin("PATCH", "/v1/lead-settings", json={"duplicate_policy": "reject"})
    assert ok.status_code == 200 and ok.json()["duplicate_policy"] == "reject"
    with tenant.client() as admin:
        _lead(admin, phone="13600136000")
        assert (
            admin.post(
                "/v1/leads", json={"name": "x", "source": "web", "phone": "+86 136-0013-6000"}
            ).status_code
            == 409
        )
