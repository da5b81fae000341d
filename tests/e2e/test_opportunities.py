"""The opportunity issue through the gateway: accounts with the duplicate check,
contacts and the relationship map, pipelines, deals through gated stages, big deals
through the director's approval, won / lost / reopen with their history, lists and
scopes, stale writes, and other tenants."""

from __future__ import annotations

import pytest
from opportunity_support import (
    DOC,
    account,
    cny,
    contact,
    deal,
    move,
    ok,
    pending_approval,
    ready_deal,
)

CODE = "91350100M000100Y43"


@pytest.fixture(scope="module")
def tenant(tenant_factory):
    return tenant_factory()


@pytest.fixture(scope="module")
def rep(tenant):
    user_id, token = tenant.person("sales_rep")
    with tenant.client(token) as client:
        yield user_id, client


@pytest.fixture(scope="module")
def director(tenant):
    with tenant.client(tenant.person("sales_director")[1]) as client:
        yield client


def test_accounts_are_checked_for_duplicates_and_contacts_map_their_reports(rep, tenant):
    _, client = rep
    made = account(client, name="深圳蓝海贸易有限公司", unified_social_credit_code=CODE.lower())
    assert made["unified_social_credit_code"] == CODE and made["normalized_name"] == "深圳蓝海贸易"
    twin = client.post("/v1/accounts", json={"name": "深圳 蓝海贸易"})
    assert twin.status_code == 409 and made["id"] in twin.json()["detail"]
    bad = client.post(
        "/v1/accounts", json={"name": "另一家", "unified_social_credit_code": "91350100M000100Y44"}
    )
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["unified_social_credit_code"]
    found = ok(client.get("/v1/account-duplicates", params={"unified_social_credit_code": CODE}))[
        "matches"
    ]
    assert [(m["account_id"], m["matched_on"]) for m in found] == [(made["id"], "credit_code")]
    boss = contact(client, made["id"], name="赵总")
    staff = contact(client, made["id"], name="钱工", role="user", reports_to_contact_id=boss["id"])
    cycle = client.patch(f"/v1/contacts/{boss['id']}", json={"reports_to_contact_id": staff["id"]})
    assert (
        cycle.status_code == 422 and cycle.json()["errors"][0]["field"] == "reports_to_contact_id"
    )
    tree = ok(client.get(f"/v1/accounts/{made['id']}/relationship-map"))
    assert [(n["contact"]["id"], n["depth"]) for n in tree["nodes"]] == [
        (boss["id"], 0),
        (staff["id"], 1),
    ]
    assert tree["missing_roles"] == ["influencer", "finance"]


def test_a_gate_names_the_missing_artefact_then_the_move_succeeds(rep):
    _, client = rep
    opp = ready_deal(client)
    assert (opp["stage"], opp["probability"], opp["amount"]) == (
        "initial_contact",
        10,
        cny("120000"),
    )
    skip = move(client, opp["id"], "solution")
    assert skip.status_code == 422 and skip.json()["errors"][0]["field"] == "to_stage"
    for stage in ("needs_confirmed", "solution"):
        ok(move(client, opp["id"], stage))
    gated = move(client, opp["id"], "quote_negotiation")
    assert gated.status_code == 422
    assert gated.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in gated.json()["errors"]] == ["artefacts.signed_requirements_doc"]
    moved = ok(move(client, opp["id"], "quote_negotiation", artefacts=[DOC]))
    assert moved["outcome"] == "applied" and moved["opportunity"]["probability"] == 70


def test_a_big_deal_waits_for_the_director_who_approves_once(rep, director):
    _, client = rep
    opp, approval_id = pending_approval(client)
    assert opp["stage"] == "solution" and opp["pending_approval_id"] == approval_id
    queue = ok(
        director.get("/v1/approvals", params={"status": "pending", "assigned_to_me": "true"})
    )["items"]
    assert approval_id in [a["id"] for a in queue]
    assert (
        client.post(
            f"/v1/approvals/{approval_id}/decision", json={"decision": "approve"}
        ).status_code
        == 403
    )
    body = {"decision": "approve", "decision_key": "oa-callback-1"}
    decided = ok(director.post(f"/v1/approvals/{approval_id}/decision", json=body))
    assert decided["approval"]["status"] == "approved"
    assert decided["opportunity"]["stage"] == "quote_negotiation"
    assert (
        ok(director.post(f"/v1/approvals/{approval_id}/decision", json=body)) == decided
    )  # OA retried
    again = director.post(
        f"/v1/approvals/{approval_id}/decision", json={"decision": "reject", "reason": "x"}
    )
    assert again.status_code == 409
    history = ok(client.get(f"/v1/opportunities/{opp['id']}/stage-history"))["items"]
    assert (
        history[-1]["to_stage"] == "quote_negotiation" and history[-1]["approval_id"] == approval_id
    )


def test_a_rejection_records_its_reason(rep, director):
    _, client = rep
    opp, approval_id = pending_approval(client, "600000")
    no_reason = director.post(f"/v1/approvals/{approval_id}/decision", json={"decision": "reject"})
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    rejected = ok(
        director.post(
            f"/v1/approvals/{approval_id}/decision",
            json={"decision": "reject", "reason": "价格底线不够"},
        )
    )
    assert (
        rejected["approval"]["reason"] == "价格底线不够"
        and rejected["opportunity"]["stage"] == "solution"
    )
    mine = ok(client.get("/v1/approvals", params={"opportunity_id": opp["id"]}))["items"]
    assert [(a["status"], a["reason"]) for a in mine] == [("rejected", "价格底线不够")]


def test_won_lost_and_reopen_with_their_history(rep):
    _, client = rep
    opp = ready_deal(client)
    missing = client.post(f"/v1/opportunities/{opp['id']}/won", json={"closed_date": ""})
    assert missing.status_code == 422 and {e["field"] for e in missing.json()["errors"]} == {
        "closed_date",
        "amount",
    }
    won = ok(
        client.post(
            f"/v1/opportunities/{opp['id']}/won",
            json={"closed_date": "2026-11-20", "amount": cny("118000.50")},
        )
    )
    assert (won["status"], won["stage"], won["amount"]) == ("won", "won", cny("118000.5"))
    assert (
        client.post(
            f"/v1/opportunities/{opp['id']}/lost", json={"loss_reason": "price"}
        ).status_code
        == 409
    )
    reopened = ok(
        client.post(f"/v1/opportunities/{opp['id']}/reopen", json={"reason": "客户追加需求"})
    )
    assert (reopened["status"], reopened["stage"]) == ("open", "initial_contact")
    no_reason = client.post(f"/v1/opportunities/{opp['id']}/lost", json={"loss_reason": ""})
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "loss_reason"
    lost = ok(
        client.post(
            f"/v1/opportunities/{opp['id']}/lost",
            json={"loss_reason": "price", "competitor": "某友商"},
        )
    )
    assert (lost["status"], lost["loss_reason"], lost["competitor"]) == ("lost", "price", "某友商")
    steps = [
        (c["from_stage"], c["to_stage"])
        for c in ok(client.get(f"/v1/opportunities/{opp['id']}/stage-history"))["items"]
    ]
    assert steps == [
        ("", "initial_contact"),
        ("initial_contact", "won"),
        ("won", "initial_contact"),
        ("initial_contact", "lost"),
    ]


def test_a_stale_write_is_412_and_loses_nothing(rep):
    _, client = rep
    opp = ready_deal(client)
    tag = client.get(f"/v1/opportunities/{opp['id']}").headers["ETag"]
    assert tag == f'"{opp["version"]}"'
    first = ok(
        client.patch(
            f"/v1/opportunities/{opp['id']}",
            json={"next_step": "安排演示"},
            headers={"If-Match": tag},
        )
    )
    stale = client.patch(
        f"/v1/opportunities/{opp['id']}", json={"next_step": "发报价"}, headers={"If-Match": tag}
    )
    assert stale.status_code == 412 and stale.headers["ETag"] == f'"{first["version"]}"'
    assert (
        ok(client.get(f"/v1/opportunities/{opp['id']}"))["next_step"]
        == first["next_step"]
        == "安排演示"
    )


def test_lists_filter_by_stage_owner_amount_and_date(tenant, rep):
    rep_id, client = rep
    acme = account(client)
    made = [
        deal(
            client,
            acme["id"],
            name=f"清单{i}",
            amount=cny(str(100 * (i + 1))),
            expected_close_date=f"2031-01-{10 + i}",
        )
        for i in range(3)
    ]
    ok(move(client, made[2]["id"], "needs_confirmed"))
    listed = ok(
        client.get(
            "/v1/opportunities",
            params={"stage": "needs_confirmed", "owner_id": rep_id, "account_id": acme["id"]},
        )
    )
    assert [o["id"] for o in listed["items"]] == [made[2]["id"]]
    ranged = ok(
        client.get(
            "/v1/opportunities",
            params={
                "account_id": acme["id"],
                "amount_min": "100",
                "amount_max": "200",
                "sort": "amount",
            },
        )
    )["items"]
    assert [o["id"] for o in ranged] == [made[0]["id"], made[1]["id"]]
    dated = ok(
        client.get(
            "/v1/opportunities",
            params={
                "account_id": acme["id"],
                "close_date_from": "2031-01-11",
                "close_date_to": "2031-01-12",
            },
        )
    )["items"]
    assert {o["id"] for o in dated} == {made[1]["id"], made[2]["id"]}
    first = ok(client.get("/v1/opportunities", params={"account_id": acme["id"], "limit": 2}))
    rest = ok(
        client.get(
            "/v1/opportunities", params={"account_id": acme["id"], "cursor": first["next_cursor"]}
        )
    )
    assert [o["id"] for o in first["items"] + rest["items"]] == [m["id"] for m in reversed(made)]
    other_rep = tenant.person("sales_rep")[1]
    with tenant.client(other_rep) as theirs:
        assert ok(theirs.get("/v1/opportunities"))["items"] == []
        assert theirs.get(f"/v1/opportunities/{made[0]['id']}").status_code == 404
    bad = client.get("/v1/opportunities", params={"amount_min": "1.5e3"})
    assert bad.status_code == 422


def test_other_tenants_never_see_a_thing(tenant_factory, rep):
    _, client = rep
    opp = ready_deal(client)
    stranger = tenant_factory()
    with stranger.client(stranger.key("sales_director")) as theirs:
        assert theirs.get(f"/v1/opportunities/{opp['id']}").status_code == 404
        assert theirs.get(f"/v1/accounts/{opp['account_id']}").status_code == 404
        assert (
            ok(theirs.get("/v1/account-duplicates", params={"name": opp["account_name"]}))[
                "matches"
            ]
            == []
        )
        assert ok(theirs.get("/v1/opportunities"))["items"] == []
    with stranger.client(stranger.key("sales_rep")) as theirs:
        same_name = account(theirs, name=opp["account_name"])  # no clash across tenants
        assert same_name["id"] != opp["account_id"]


def test_pipelines_are_versioned_and_settings_named(tenant):
    listed = ok(tenant.admin("GET", "/v1/pipelines"))["items"]
    default = next(p for p in listed if p["is_default"])
    stages = [
        {
            k: s[k]
            for k in (
                "key",
                "name",
                "kind",
                "win_probability",
                "required_fields",
                "required_artefacts",
                "allow_skip",
                "requires_approval",
            )
        }
        for s in default["stages"]
    ]
    body = {"name": default["name"], "is_default": True, "stages": stages, "cadence_days": 3}
    read = {"If-Match": f'"{default["version"]}"'}
    changed = ok(tenant.admin("PUT", f"/v1/pipelines/{default['id']}", json=body, headers=read))
    assert changed["version"] == default["version"] + 1 and changed["cadence_days"] == 3
    stale = tenant.admin("PUT", f"/v1/pipelines/{default['id']}", json=body, headers=read)
    assert stale.status_code == 412
    old = ok(
        tenant.admin(
            "GET", f"/v1/pipelines/{default['id']}", params={"version": default["version"]}
        )
    )
    assert old["cadence_days"] == 0
    bad = tenant.admin(
        "PATCH", "/v1/opportunity-settings", json={"dormant_after_days": "soon", "nope": 1}
    )
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {
        "dormant_after_days",
        "nope",
    }
    settings = ok(
        tenant.admin("PATCH", "/v1/opportunity-settings", json={"approval_threshold": "800000"})
    )
    assert (
        settings["approval_threshold"] == "800000" and settings["approver_role"] == "sales_director"
    )
