"""The opportunity routes of the gateway against an in-process opportunity service on
the embedded MongoDB: REST shapes, money as strings, problem+json naming fields, 412 on
stale writes, approvals by the director. The whole stack: tests/e2e/test_opportunities.py."""

from __future__ import annotations

import pytest
from crm_runtime.rpc.server import GrpcApp
from crm_runtime.testing.fixtures import settings_for
from crm_runtime.wiring import build
from gateway_support import api_key, seed
from opportunity.grpc_api import OpportunityApps, register
from opportunity.indexes import ensure_indexes

pytest_plugins = ["gateway_support"]  # fixtures: redis_url, tenant_id, gateway_app
DOC = {"kind": "signed_requirements_doc", "name": "需求确认书", "file_uri": "s3://docs/1.pdf"}


@pytest.fixture
def opportunity_address(mongo_client, mongo_uri, database_name):
    database = f"{database_name}_opp"
    settings = settings_for("opportunity", "api", mongo_uri, database, CRM_GRPC_HOST="127.0.0.1")
    app = GrpcApp(
        settings, register(build(settings, mongo_client, ensure_indexes, OpportunityApps.build))
    )
    app.start()
    yield f"127.0.0.1:{app.port}"
    app.stop(grace=0)
    mongo_client.drop_database(database)


@pytest.fixture
def api(mongo_uri, database_name, gateway_app, tenant_id, opportunity_address):
    seed(mongo_uri, database_name, tenant_id)
    client = gateway_app(CRM_OPPORTUNITY_ADDR=opportunity_address)

    def call(role, method, path, headers_extra=None, **kwargs):
        token = api_key(mongo_uri, database_name, tenant_id, f"{role}-1", role)
        headers = {"Authorization": f"Bearer {token}", **(headers_extra or {})}
        return client.request(method, path, headers=headers, **kwargs)

    return call


def _ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


def test_a_deal_goes_through_its_gates_and_the_directors_approval(api):
    rep = "sales_rep"
    account = _ok(
        api(
            rep,
            "POST",
            "/v1/accounts",
            json={
                "name": "上海云图科技有限公司",
                "unified_social_credit_code": "91350100M000100Y43",
            },
        ),
        201,
    )
    twin = api(rep, "POST", "/v1/accounts", json={"name": "上海云图科技"})
    assert twin.status_code == 409 and twin.headers["content-type"] == "application/problem+json"
    kdm = _ok(
        api(
            rep,
            "POST",
            "/v1/contacts",
            json={"account_id": account["id"], "name": "王芳", "role": "decision_maker"},
        ),
        201,
    )
    made = api(
        rep,
        "POST",
        "/v1/opportunities",
        json={
            "name": "大单",
            "account_id": account["id"],
            "amount": {"amount": "800000.50", "currency": "CNY"},
            "expected_close_date": "2030-06-30",
            "primary_contact_id": kdm["id"],
            "line_items": [
                {
                    "name": "专业版",
                    "quantity": "2",
                    "unit_price": {"amount": "400000.25", "currency": "CNY"},
                }
            ],
        },
    )
    opp = _ok(made, 201)
    assert made.headers["ETag"] == '"1"' and opp["amount"] == {
        "amount": "800000.5",
        "currency": "CNY",
    }
    assert opp["line_items"][0]["total"] == {"amount": "800000.5", "currency": "CNY"}
    for stage in ("needs_confirmed", "solution"):
        _ok(api(rep, "POST", f"/v1/opportunities/{opp['id']}/stage", json={"to_stage": stage}))
    gated = api(
        rep, "POST", f"/v1/opportunities/{opp['id']}/stage", json={"to_stage": "quote_negotiation"}
    )
    assert gated.status_code == 422
    assert gated.json()["errors"] == [
        {
            "field": "artefacts.signed_requirements_doc",
            "message": "a signed_requirements_doc artefact is required to enter stage quote_negotiation",
        }
    ]
    waiting = _ok(
        api(
            rep,
            "POST",
            f"/v1/opportunities/{opp['id']}/stage",
            json={"to_stage": "quote_negotiation", "artefacts": [DOC]},
        )
    )
    assert (
        waiting["outcome"] == "approval_pending" and waiting["opportunity"]["stage"] == "solution"
    )
    queue = _ok(api("sales_director", "GET", "/v1/approvals", params={"assigned_to_me": "true"}))[
        "items"
    ]
    assert [a["threshold"] for a in queue] == [{"amount": "500000", "currency": "CNY"}]
    decided = _ok(
        api(
            "sales_director",
            "POST",
            f"/v1/approvals/{waiting['approval_id']}/decision",
            json={"decision": "approve", "decision_key": "oa-1"},
        )
    )
    assert decided["opportunity"]["stage"] == "quote_negotiation"
    assert (
        api(
            rep,
            "POST",
            f"/v1/approvals/{waiting['approval_id']}/decision",
            json={"decision": "approve"},
        ).status_code
        == 403
    )


def test_stale_writes_bad_queries_and_missing_things(api):
    rep = "sales_rep"
    account = _ok(api(rep, "POST", "/v1/accounts", json={"name": "并发测试公司"}), 201)
    path = f"/v1/accounts/{account['id']}"
    first = api(rep, "PATCH", path, json={"industry": "软件"}, headers_extra={"If-Match": '"1"'})
    first_body = _ok(first)
    assert first_body["industry"] == "软件" and first_body["region"] == ""
    assert first_body["version"] == 2 and first.headers["ETag"] == '"2"'
    stale = api(rep, "PATCH", path, json={"industry": "制造"}, headers_extra={"If-Match": '"1"'})
    assert stale.status_code == 412 and stale.headers["ETag"] == '"2"'
    assert _ok(api(rep, "GET", path))["industry"] == "软件"
    assert api(rep, "GET", "/v1/opportunities", params={"amount_min": "abc"}).status_code == 422
    assert api(rep, "GET", "/v1/opportunities", params={"cursor": "nonsense"}).status_code == 422
    assert api(rep, "GET", "/v1/opportunities/nope").status_code == 404
    assert _ok(api(rep, "GET", "/v1/account-duplicates"))["matches"] == []
    pipelines = _ok(api("admin", "GET", "/v1/pipelines"))["items"]
    assert [p["is_default"] for p in pipelines] == [True]
    assert _ok(api("admin", "GET", "/v1/opportunity-settings"))["cadence_days"] == 2
