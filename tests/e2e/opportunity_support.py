"""Accounts, contacts, pipelines, deals and approvals made through the API, for the
opportunity end-to-end tests and the tenant-isolation factories."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from identity_support import Tenant

DOC = {"kind": "signed_requirements_doc", "name": "需求确认书.pdf", "file_uri": "s3://docs/req.pdf"}


def cny(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "CNY"}


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.status_code} {response.text}"
    return response.json()


def account(client: httpx.Client, **fields: Any) -> dict[str, Any]:
    body = {"name": f"测试客户{uuid.uuid4().hex[:8]}有限公司", **fields}
    return ok(client.post("/v1/accounts", json=body), 201)


def contact(client: httpx.Client, account_id: str, **fields: Any) -> dict[str, Any]:
    body = {"account_id": account_id, "name": "王芳", "role": "decision_maker", **fields}
    return ok(client.post("/v1/contacts", json=body), 201)


def deal(client: httpx.Client, account_id: str, **fields: Any) -> dict[str, Any]:
    body = {
        "name": "CRM 项目",
        "account_id": account_id,
        "amount": cny("120000"),
        "expected_close_date": "2030-06-30",
        **fields,
    }
    return ok(client.post("/v1/opportunities", json=body), 201)


def move(client: httpx.Client, opp_id: str, to_stage: str, **fields: Any) -> httpx.Response:
    return client.post(f"/v1/opportunities/{opp_id}/stage", json={"to_stage": to_stage, **fields})


def ready_deal(client: httpx.Client, amount: str = "120000") -> dict[str, Any]:
    """A deal with an account, a decision maker and the fields the default gates ask."""
    acme = account(client)
    kdm = contact(client, acme["id"])
    return deal(client, acme["id"], amount=cny(amount), primary_contact_id=kdm["id"])


def pending_approval(client: httpx.Client, amount: str = "800000") -> tuple[dict[str, Any], str]:
    """A big deal moved up to the quote stage: it waits for the director."""
    opp = ready_deal(client, amount)
    for stage in ("needs_confirmed", "solution"):
        ok(move(client, opp["id"], stage))
    waiting = ok(move(client, opp["id"], "quote_negotiation", artefacts=[DOC], note="大单"))
    assert waiting["outcome"] == "approval_pending", waiting
    return waiting["opportunity"], waiting["approval_id"]


# Tenant-isolation factories: one thing of tenant B each, made by a rep's key.


def account_in(b: Tenant) -> str:
    with b.client(b.key("sales_rep")) as client:
        return str(account(client)["id"])


def contact_in(b: Tenant) -> str:
    with b.client(b.key("sales_rep")) as client:
        return str(contact(client, account(client)["id"])["id"])


def pipeline_in(b: Tenant) -> str:
    stages = [
        {"key": "open", "name": "跟进", "win_probability": 20},
        {"key": "won", "name": "赢单", "kind": "won", "win_probability": 100},
        {"key": "lost", "name": "输单", "kind": "lost", "win_probability": 0},
    ]
    return str(
        ok(b.admin("POST", "/v1/pipelines", json={"name": "乙方流程", "stages": stages}), 201)["id"]
    )


def opportunity_in(b: Tenant) -> str:
    with b.client(b.key("sales_rep")) as client:
        return str(ready_deal(client)["id"])


def approval_in(b: Tenant) -> str:
    with b.client(b.key("sales_rep")) as client:
        return pending_approval(client)[1]


def quote_in(b: Tenant) -> str:
    with b.client(b.key("sales_rep")) as client:
        opp = ready_deal(client)
        line = {"description": "年度订阅", "quantity": "1", "unit_price": cny("9800")}
        made = client.post(f"/v1/opportunities/{opp['id']}/quotes", json={"lines": [line]})
        return str(ok(made, 201)["id"])
