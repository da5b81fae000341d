"""The contract routes of the gateway against in-process contract and opportunity
services on the embedded MongoDB (the contract service reading the deal, its quote and
the account through its real gRPC client): a won deal's issued quote drafted into a
contract whose lines and totals are the quote's, instalments refused when they do not
add up, saved versions under If-Match, a template change that leaves the draft alone,
roles. The whole stack: tests/e2e/test_contracts.py."""

from __future__ import annotations

import pytest
from contract.contracts.opportunity_client import OpportunityClient
from contract.grpc_api import ContractApps
from contract.grpc_api import register as register_contract
from contract.indexes import ensure_indexes as contract_indexes
from crm_runtime.rpc.server import GrpcApp
from crm_runtime.testing.fixtures import settings_for
from crm_runtime.wiring import build
from gateway_support import api_key, seed
from opportunity.grpc_api import OpportunityApps, register
from opportunity.indexes import ensure_indexes

pytest_plugins = ["gateway_support"]  # fixtures: redis_url, tenant_id, gateway_app
CNY = "CNY"
TEMPLATE = {
    "name": "销售合同（标准）",
    "code": "SALES-STD",
    "kind": "sales",
    "fields": [{"key": "customer.name", "label": "客户名称", "type": "party", "source": "account"}],
    "clauses": [
        {
            "key": "subject",
            "title": "合同标的",
            "text": "乙方向{{customer.name}}提供软件。",
            "standard": True,
        },
        {"key": "payment", "title": "付款", "text": "按分期付款。", "standard": True},
    ],
}


def _serve(settings, app):
    server = GrpcApp(settings, app)
    server.start()
    return server


@pytest.fixture
def addresses(mongo_client, mongo_uri, database_name):
    opp_settings = settings_for(
        "opportunity", "api", mongo_uri, f"{database_name}_opp", CRM_GRPC_HOST="127.0.0.1"
    )
    opp = _serve(
        opp_settings,
        register(build(opp_settings, mongo_client, ensure_indexes, OpportunityApps.build)),
    )
    opp_address = f"127.0.0.1:{opp.port}"
    settings = settings_for(
        "contract",
        "api",
        mongo_uri,
        f"{database_name}_ctr",
        CRM_GRPC_HOST="127.0.0.1",
        CRM_OPPORTUNITY_ADDR=opp_address,
    )
    directory = OpportunityClient.connect(settings)
    contract = _serve(
        settings,
        register_contract(
            build(
                settings,
                mongo_client,
                contract_indexes,
                lambda uow: ContractApps.build(uow, directory),
            )
        ),
    )
    yield {"CRM_OPPORTUNITY_ADDR": opp_address, "CRM_CONTRACT_ADDR": f"127.0.0.1:{contract.port}"}
    contract.stop(grace=0)
    opp.stop(grace=0)
    mongo_client.drop_database(f"{database_name}_opp")
    mongo_client.drop_database(f"{database_name}_ctr")


@pytest.fixture
def api(mongo_uri, database_name, gateway_app, tenant_id, addresses):
    seed(mongo_uri, database_name, tenant_id)
    client = gateway_app(**addresses)

    def call(role, method, path, headers=None, **kwargs):
        token = api_key(mongo_uri, database_name, tenant_id, f"{role}-1", role)
        return client.request(
            method, path, headers={"Authorization": f"Bearer {token}", **(headers or {})}, **kwargs
        )

    return call


def ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


def money(amount):
    return {"amount": amount, "currency": CNY}


def won_deal_with_issued_quote(api):
    rep = "sales_rep"
    account = ok(
        api(
            rep,
            "POST",
            "/v1/accounts",
            json={"name": "上海云图科技有限公司", "address": "上海市浦东新区"},
        ),
        201,
    )
    kdm = ok(
        api(
            rep,
            "POST",
            "/v1/contacts",
            json={"account_id": account["id"], "name": "王芳", "role": "decision_maker"},
        ),
        201,
    )
    opp = ok(
        api(
            rep,
            "POST",
            "/v1/opportunities",
            json={
                "name": "云图ERP项目",
                "account_id": account["id"],
                "amount": money("20000"),
                "primary_contact_id": kdm["id"],
            },
        ),
        201,
    )
    lines = [
        {
            "product_code": "CLOUD-ENT",
            "description": "企业版年费",
            "quantity": "3",
            "unit": "套",
            "unit_price": money("1999.99"),
            "discount_percent": "10",
            "tax_percent": "13",
        },
        {
            "description": "实施服务",
            "quantity": "2.5",
            "unit": "人天",
            "unit_price": money("1200"),
            "tax_percent": "6",
        },
    ]
    quote = ok(
        api(rep, "POST", f"/v1/opportunities/{opp['id']}/quotes", json={"lines": lines}), 201
    )
    issued = ok(api(rep, "POST", f"/v1/quotes/{quote['id']}/issue", json={}))
    assert issued["outcome"] == "issued"
    return account, opp, issued["quote"]


def test_a_won_deals_quote_becomes_a_contract_with_versions(api):
    legal, rep = "legal", "sales_rep"
    assert api("finance", "POST", "/v1/contract-templates", json=TEMPLATE).status_code == 403
    template = ok(api(legal, "POST", "/v1/contract-templates", json=TEMPLATE), 201)
    assert api(legal, "POST", "/v1/contract-templates", json=TEMPLATE).status_code == 409
    account, opp, quote = won_deal_with_issued_quote(api)

    early = api(
        rep,
        "POST",
        "/v1/contracts",
        json={"template_id": template["id"], "opportunity_id": opp["id"]},
    )
    assert early.status_code == 409 and "contract_signing" in early.json()["detail"]
    won = {"closed_date": "2026-12-01", "amount": quote["total"], "quote_id": quote["id"]}
    ok(api(rep, "POST", f"/v1/opportunities/{opp['id']}/won", json=won))

    bad_terms = [{"label": "首付", "percent": "30"}, {"label": "尾款", "percent": "65"}]
    refused = api(
        rep,
        "POST",
        "/v1/contracts",
        json={
            "template_id": template["id"],
            "opportunity_id": opp["id"],
            "payment_terms": bad_terms,
        },
    )
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"field": "payment_terms", "message": "instalments: percentages add up to 95, not 100"}
    ]
    terms = [
        {"label": "预付款", "percent": "30", "due_kind": "on_signing"},
        {"label": "验收款", "percent": "70", "due_kind": "milestone", "milestone": "验收合格"},
    ]
    made = api(
        rep,
        "POST",
        "/v1/contracts",
        json={"template_id": template["id"], "opportunity_id": opp["id"], "payment_terms": terms},
    )
    contract = ok(made, 201)
    assert (
        made.headers["Location"] == f"/v1/contracts/{contract['id']}"
        and made.headers["ETag"] == '"1"'
    )
    assert contract["number"].startswith("HT-2026-") or contract["number"][:3] == "HT-"
    assert (contract["quote_id"], contract["quote_number"], contract["status"]) == (
        quote["id"],
        quote["number"],
        "draft",
    )
    assert [
        (x["quantity"], x["unit_price"], x["net_amount"], x["tax_amount"], x["total"])
        for x in contract["lines"]
    ] == [
        (x["quantity"], x["unit_price"], x["net_amount"], x["tax_amount"], x["total"])
        for x in quote["lines"]
    ]
    assert (contract["net_total"], contract["tax_total"], contract["value"]) == (
        quote["net_total"],
        quote["tax_total"],
        quote["total"],
    )
    assert [t["amount"] for t in contract["payment_terms"]] == [money("2784.59"), money("6497.38")]
    assert (
        contract["parties"][0]["name"] == account["name"]
        and contract["parties"][0]["contact_name"] == "王芳"
    )

    path = f"/v1/contracts/{contract['id']}"
    changed = api(
        rep,
        "PATCH",
        path,
        headers={"If-Match": '"1"'},
        json={"clauses": {"payment": "按附件付款。"}, "end_date": "2027-12-31"},
    )
    v2 = ok(changed)
    assert changed.headers["ETag"] == '"2"' and [c["edited"] for c in v2["clauses"]] == [
        False,
        True,
    ]
    stale = api(rep, "PATCH", path, headers={"If-Match": '"1"'}, json={"title": "x"})
    assert stale.status_code == 412 and stale.headers["ETag"] == '"2"'
    versions = ok(api(rep, "GET", f"{path}/versions"))["items"]
    assert [(v["version"], v["end_date"]) for v in versions] == [(2, "2027-12-31"), (1, "")]
    assert ok(api("finance", "GET", f"{path}/versions/1"))["clauses"][1]["text"] == "按分期付款。"

    ok(
        api(
            legal,
            "PATCH",
            f"/v1/contract-templates/{template['id']}",
            json={"clauses": [{"key": "subject", "title": "标的", "text": "新条款"}]},
        )
    )
    assert [c["text"] for c in ok(api(rep, "GET", path))["clauses"]] == [
        "乙方向{{customer.name}}提供软件。",
        "按附件付款。",
    ]
    assert ok(api(legal, "GET", f"/v1/contract-templates/{template['id']}", params={"version": 1}))[
        "clauses"
    ] == [{**c, "standard": True} for c in TEMPLATE["clauses"]]

    listed = ok(
        api(
            "finance",
            "GET",
            "/v1/contracts",
            params={"q": "云图", "value_from": "9000", "status": "draft"},
        )
    )
    assert [c["id"] for c in listed["items"]] == [contract["id"]]
    assert ok(api("finance", "GET", "/v1/contracts", params={"value_to": "9000"}))["items"] == []
    assert (
        api(
            "finance",
            "POST",
            "/v1/contracts",
            json={"template_id": template["id"], "opportunity_id": opp["id"]},
        ).status_code
        == 403
    )


SCAN = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
BOTH = [
    {"party": "customer", "name": "王芳", "title": "总经理"},
    {"party": "supplier", "name": "李雷"},
]


def test_approval_by_role_signing_and_activation(api):
    legal, rep = "legal", "sales_rep"
    template = ok(api(legal, "POST", "/v1/contract-templates", json=TEMPLATE), 201)
    account = ok(api(rep, "POST", "/v1/accounts", json={"name": "北京星河科技有限公司"}), 201)
    big = [{"description": "ERP 许可", "quantity": "1", "unit_price": money("1280000")}]
    made = ok(
        api(
            rep,
            "POST",
            "/v1/contracts",
            json={"template_id": template["id"], "account_id": account["id"], "lines": big},
        ),
        201,
    )
    path = f"/v1/contracts/{made['id']}"
    early = api(
        rep,
        "POST",
        f"{path}/sign",
        json={"signatories": BOTH, "signed_date": "2026-12-01", "file_sha256": SCAN},
    )
    assert early.status_code == 409 and "out_for_signature" in early.json()["detail"]
    submitted = api(rep, "POST", f"{path}/submit", headers={"If-Match": '"1"'}, json={})
    chain = ok(submitted)["approval_steps"]
    assert submitted.headers["ETag"] == '"2"'
    assert [(s["role"], s["rule"], s["status"]) for s in chain] == [
        ("legal", "legal: always", "pending"),
        ("finance", "finance: amount 1,280,000.00 ≥ 200,000.00", "waiting"),
        ("general_manager", "general_manager: amount 1,280,000.00 ≥ 1,000,000.00", "waiting"),
    ]

    def decide(role, step, **body):
        return api(role, "POST", f"{path}/approval-steps/{step['id']}/decision", json=body)

    waiting = ok(api(legal, "GET", "/v1/contracts", params={"awaiting_my_decision": "true"}))[
        "items"
    ]
    assert [c["id"] for c in waiting] == [made["id"]]
    assert (
        ok(api("finance", "GET", "/v1/contracts", params={"awaiting_my_decision": "true"}))["items"]
        == []
    )
    assert decide(rep, chain[0], decision="approve").status_code == 403  # a rep never approves
    assert decide("finance", chain[0], decision="approve").status_code == 403  # legal's step
    no_reason = decide(legal, chain[0], decision="reject")
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "comment"
    ok(decide(legal, chain[0], decision="approve"))
    assert decide(legal, chain[0], decision="approve").status_code == 409
    ok(decide("finance", chain[1], decision="approve"))
    approved = ok(decide("sales_director", chain[2], decision="approve"))
    assert approved["status"] == "approved" and [
        s["approver_id"] for s in approved["approval_steps"]
    ] == ["legal-1", "finance-1", "sales_director-1"]
    sent = api(rep, "POST", f"{path}/send-for-signature")
    assert ok(sent)["status"] == "out_for_signature"
    one_side = api(
        rep,
        "POST",
        f"{path}/sign",
        json={"signatories": BOTH[:1], "signed_date": "2026-12-01", "file_sha256": SCAN},
    )
    assert one_side.status_code == 422 and one_side.json()["errors"][0]["field"] == "signatories"
    signed = ok(
        api(
            rep,
            "POST",
            f"{path}/sign",
            headers={"If-Match": sent.headers["ETag"]},
            json={"signatories": BOTH, "signed_date": "2026-12-01", "file_sha256": SCAN},
        )
    )
    assert (signed["status"], signed["effective_date"], signed["signature"]["file_sha256"]) == (
        "active",
        "2026-12-01",
        SCAN,
    )
    on_day = {"signed_date_from": "2026-12-01", "signed_date_to": "2026-12-01"}
    assert [
        c["id"] for c in ok(api("finance", "GET", "/v1/contracts", params=on_day))["items"]
    ] == [made["id"]]
    assert (
        ok(api("finance", "GET", "/v1/contracts", params={"signed_date_from": "2026-12-02"}))[
            "items"
        ]
        == []
    )
    assert api(rep, "POST", f"{path}/terminate", json={"reason": ""}).status_code == 422
    ended = ok(api(legal, "POST", f"{path}/terminate", json={"reason": "客户违约"}))
    assert (ended["status"], ended["termination_reason"]) == ("terminated", "客户违约")


def test_the_tenant_replaces_its_approval_policy(api):
    policy = api("legal", "GET", "/v1/contract-approval-policy")
    assert ok(policy)["rules"][0] == {
        "role": "legal",
        "always": True,
        "min_value": None,
        "min_line_discount_percent": "",
        "max_term_days": 0,
        "standard_clause_edited": False,
    }
    assert policy.headers["ETag"] == '"1"'
    mine = {
        "rules": [
            {"role": "finance", "always": True},
            {"role": "legal", "min_value": money("5000")},
        ]
    }
    assert api("sales_rep", "PUT", "/v1/contract-approval-policy", json=mine).status_code == 403
    twice = api("legal", "PUT", "/v1/contract-approval-policy", json={"rules": [{"role": "legal"}]})
    assert twice.status_code == 422 and twice.json()["errors"][0]["field"] == "rules[0]"
    replaced = api(
        "legal", "PUT", "/v1/contract-approval-policy", headers={"If-Match": '"1"'}, json=mine
    )
    assert (
        ok(replaced)["rules"][1]["min_value"] == money("5000") and replaced.headers["ETag"] == '"2"'
    )
    stale = api(
        "admin", "PUT", "/v1/contract-approval-policy", headers={"If-Match": '"1"'}, json=mine
    )
    assert stale.status_code == 412 and stale.headers["ETag"] == '"2"'
