"""POST /v1/leads/{id}/convert and GET /v1/accounts/{id}/360 against in-process lead and
opportunity services on the embedded MongoDB (the opportunity service calling the lead
service through its real client); contract and payment are closed ports, as down
services look. The whole stack: tests/e2e/test_lead_conversion.py, test_account_360.py."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
import pytest
from crm.lead.v1 import lead_pb2, lead_pb2_grpc
from crm_runtime.principal import Principal
from crm_runtime.rpc.server import GrpcApp
from crm_runtime.testing.fixtures import settings_for
from crm_runtime.wiring import build
from gateway.access.authz import data_scope
from gateway.identity.api_keys import ApiKeyStore
from gateway_support import seed
from lead.grpc_api import LeadApps
from lead.grpc_api import register as register_lead
from lead.store import ensure_indexes as lead_indexes
from opportunity.conversion.lead_client import LeadClient
from opportunity.grpc_api import OpportunityApps, register
from opportunity.indexes import ensure_indexes
from pymongo import AsyncMongoClient

pytest_plugins = ["gateway_support"]  # fixtures: redis_url, tenant_id, gateway_app


@pytest.fixture
def addresses(mongo_client, mongo_uri, database_name):
    lead_db, opp_db = f"{database_name}_lead", f"{database_name}_opp"
    lead_settings = settings_for("lead", "api", mongo_uri, lead_db, CRM_GRPC_HOST="127.0.0.1")
    lead_app = GrpcApp(
        lead_settings,
        register_lead(build(lead_settings, mongo_client, lead_indexes, LeadApps.build)),
    )
    lead_app.start()
    lead_address = f"127.0.0.1:{lead_app.port}"
    settings = settings_for(
        "opportunity", "api", mongo_uri, opp_db, CRM_GRPC_HOST="127.0.0.1",
        CRM_LEAD_ADDR=lead_address,
    )  # fmt: skip
    leads = LeadClient.connect(settings)
    opp_app = GrpcApp(
        settings,
        register(
            build(settings, mongo_client, ensure_indexes, lambda u: OpportunityApps.build(u, leads))
        ),
    )
    opp_app.start()
    yield {"CRM_LEAD_ADDR": lead_address, "CRM_OPPORTUNITY_ADDR": f"127.0.0.1:{opp_app.port}"}
    opp_app.stop(grace=0)
    lead_app.stop(grace=0)
    mongo_client.drop_database(lead_db)
    mongo_client.drop_database(opp_db)


def _key(mongo_uri, database_name, tenant, user, *roles):
    async def main() -> str:
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_uri, tz_aware=True)
        try:
            principal = Principal(tenant, user, roles, data_scope(roles))
            return (await ApiKeyStore(client[database_name]).issue(principal, "tests")).token
        finally:
            await client.close()

    return asyncio.run(main())


@pytest.fixture
def api(mongo_uri, database_name, gateway_app, tenant_id, addresses):
    seed(mongo_uri, database_name, tenant_id)
    client = gateway_app(**addresses)
    with grpc.insecure_channel(addresses["CRM_LEAD_ADDR"]) as channel:
        admin = Principal(tenant_id, "admin", ("admin",), "all").to_metadata()
        rep = lead_pb2.UpsertRepRequest(rep=lead_pb2.Rep(id="sales_rep-1", active=True))
        lead_pb2_grpc.LeadServiceStub(channel).UpsertRep(rep, metadata=admin)

    def call(role, method, path, tenant=tenant_id, headers=None, **kwargs):
        token = _key(mongo_uri, database_name, tenant, f"{role}-1", role)
        headers = {"Authorization": f"Bearer {token}", **(headers or {})}
        return client.request(method, path, headers=headers, **kwargs)

    return call


def _ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


def _qualified(api) -> dict[str, Any]:
    lead = _ok(api("admin", "POST", "/v1/leads", json={
        "name": "韩梅梅", "company": "杭州云栖智能科技有限公司", "source": "trade_show",
        "phone": "13600136000", "product_line": "CRM",
    }), 201)  # fmt: skip
    _ok(api("sales_manager", "POST", f"/v1/leads/{lead['id']}/assign",
            json={"owner_id": "sales_rep-1"}))  # fmt: skip
    for status in ("contacted", "qualified"):
        _ok(api("sales_rep", "POST", f"/v1/leads/{lead['id']}/status", json={"status": status}))
    return lead


def test_a_conversion_answers_the_records_and_again_the_same(api):
    lead = _qualified(api)
    early = api("sales_rep", "POST", f"/v1/leads/{lead['id']}/convert",
                json={"opportunity": {"amount": {"amount": "1.5", "currency": "cny"}}})  # fmt: skip
    assert early.status_code == 422  # the gateway's own check of the currency
    body = {"opportunity": {"amount": {"amount": "123.45", "currency": "CNY"}}}
    done = _ok(api("sales_rep", "POST", f"/v1/leads/{lead['id']}/convert", json=body))
    assert done["account_created"] is True
    assert done["opportunity"]["amount"] == {"amount": "123.45", "currency": "CNY"}
    assert done["opportunity"]["name"] == "杭州云栖智能科技有限公司 – CRM"
    again = _ok(api("sales_rep", "POST", f"/v1/leads/{lead['id']}/convert", json={}))
    assert again["opportunity"]["id"] == done["opportunity"]["id"]
    converted = _ok(api("sales_rep", "GET", f"/v1/leads/{lead['id']}"))
    assert (converted["status"], converted["account_id"]) == ("converted", done["account"]["id"])
    other_key = api("sales_rep", "POST", f"/v1/leads/{lead['id']}/convert", json={},
                    headers={"Idempotency-Key": "another"})  # fmt: skip
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
    _ok(api("sales_rep", "POST", f"/v1/leads/{lead['id']}/follow-ups",
            json={"kind": "call", "notes": "展会后首次电话"}), 201)  # fmt: skip
    body = {"opportunity": {"amount": {"amount": "100.10", "currency": "CNY"}}}
    done = _ok(api("sales_rep", "POST", f"/v1/leads/{lead['id']}/convert", json=body))
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
