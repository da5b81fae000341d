"""Tenant B's ids used with tenant A's credentials are 404 on every route that takes
an id, read or write, and B's records are untouched afterwards.

Routes come from the live OpenAPI document. Each path parameter needs a factory below
that makes such a thing in tenant B through the API; a route with a parameter this
file does not know fails the test until its factory is added."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from gateway.access.authz import PUBLIC_ACTIONS, ROLE_SCOPES, ROLES, allowed
from identity_support import Tenant, example_body, operations
from opportunity_support import (
    account_in,
    approval_in,
    contact_in,
    opportunity_in,
    pipeline_in,
    quote_in,
)


def _lead(b: Tenant) -> str:
    made = b.admin("POST", "/v1/leads", json={"name": "乙方线索", "source": "web"})
    made.raise_for_status()
    return str(made.json()["id"])


def _user(b: Tenant) -> str:
    return b.person("sales_rep")[0]


def _team(b: Tenant) -> str:
    made = b.admin("POST", "/v1/teams", json={"name": "乙方团队"})
    made.raise_for_status()
    return str(made.json()["id"])


def _key(b: Tenant) -> str:
    made = b.admin("POST", "/v1/api-keys", json={"name": "乙方密钥", "roles": ["integration"]})
    made.raise_for_status()
    return str(made.json()["id"])


def _form(b: Tenant) -> str:
    made = b.admin("POST", "/v1/lead-forms", json={"name": "乙方表单", "fields": ["name"]})
    made.raise_for_status()
    return str(made.json()["id"])


def _import(b: Tenant) -> str:
    made = b.admin(
        "POST",
        "/v1/lead-imports",
        content="姓名,手机\r\n乙方线索,13800138000\r\n".encode(),
        headers={"Content-Type": "text/csv"},
    )
    made.raise_for_status()
    return str(made.json()["id"])


def _as_legal(b: Tenant, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    with b.client(b.key("legal")) as client:
        made = client.request(method, path, **kwargs)
    made.raise_for_status()
    return dict(made.json())


def _template(b: Tenant) -> str:
    body = {
        "name": "乙方合同模板",
        "code": f"B-{uuid.uuid4().hex[:8].upper()}",
        "kind": "sales",
        "clauses": [{"key": "subject", "title": "标的", "text": "乙方条款"}],
    }
    return str(_as_legal(b, "POST", "/v1/contract-templates", json=body)["id"])


def _contract(b: Tenant) -> str:
    line = {
        "description": "乙方服务",
        "quantity": "1",
        "unit_price": {"amount": "100", "currency": "CNY"},
    }
    body = {"template_id": _template(b), "account_id": account_in(b), "lines": [line]}
    return str(_as_legal(b, "POST", "/v1/contracts", json=body)["id"])


def _step(b: Tenant) -> str:
    submitted = _as_legal(b, "POST", f"/v1/contracts/{_contract(b)}/submit", json={})
    return str(submitted["approval_steps"][0]["id"])


def _as(b: Tenant, role: str, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    with b.client(b.key(role)) as client:
        made = client.request(method, path, **kwargs)
    made.raise_for_status()
    return dict(made.json())


def _plan(b: Tenant) -> dict[str, Any]:
    body = {
        "contract_id": f"paper-{uuid.uuid4().hex[:8]}",
        "contract_number": "HT-B-1",
        "account_id": "乙方客户",
        "owner_id": b.person("sales_rep")[0],
        "contract_value": {"amount": "1000.00", "currency": "CNY"},
        "signed_date": "2026-12-01",
        "instalments": [{"label": "全款", "percent": "100"}],
    }
    return _as(b, "finance", "POST", "/v1/payment-plans", json=body)


def _receipt(b: Tenant) -> str:
    body = {
        "external_reference": f"B-{uuid.uuid4().hex[:12]}",
        "source": "manual",
        "payer_name": "乙方客户",
        "amount": {"amount": "10.00", "currency": "CNY"},
        "received_at": "2026-12-01T08:00:00Z",
    }
    return str(_as(b, "finance", "POST", "/v1/receipts", json=body)["id"])


def _endpoint(b: Tenant) -> str:
    body = {"url": "https://localhost:9443/b", "event_types": ["LeadCreated"]}
    return str(_as(b, "admin", "POST", "/v1/webhook-endpoints", json=body)["id"])


def _delivery(b: Tenant) -> str:
    return str(_as(b, "admin", "POST", f"/v1/webhook-endpoints/{_endpoint(b)}/test")["id"])


def _robot(b: Tenant) -> str:
    body = {
        "name": "乙方群",
        "url": "https://localhost:9443/robot/send?access_token=b",  # the stack allows localhost
        "secret": "SECabcdef0123456789",
        "kinds": ["lead.assigned"],
    }
    return str(_as(b, "admin", "POST", "/v1/chat-robots", json=body)["id"])


# Path parameter name -> makes one such thing in tenant B and returns its id.
FACTORIES: dict[str, Callable[[Tenant], str]] = {
    "lead_id": _lead,
    "user_id": _user,
    "rep_id": _user,  # a rep is a person of the tenant
    "team_id": _team,
    "key_id": _key,
    "import_id": _import,
    "account_id": account_in,
    "contact_id": contact_in,
    "pipeline_id": pipeline_in,
    "opportunity_id": opportunity_in,
    "approval_id": approval_in,
    "quote_id": quote_in,
    "form_id": _form,
    "template_id": _template,
    "contract_id": _contract,
    "step_id": _step,
    "version": lambda b: "987654",
    "plan_id": lambda b: str(_plan(b)["id"]),
    "receivable_id": lambda b: str(_plan(b)["receivables"][0]["id"]),
    "receipt_id": _receipt,
    "endpoint_id": _endpoint,
    "delivery_id": _delivery,
    "robot_id": _robot,  # with tenant B's contract id; a number no list holds
}


@pytest.fixture(scope="module")
def tenants(tenant_factory):
    return tenant_factory(), tenant_factory()


def _credential_for(a: Tenant, action: str) -> str:
    """A key of tenant A whose role may perform `action`, the widest data scope first:
    the test is about tenants, so nothing else may be the reason for a 404."""
    widest = sorted(ROLES, key=lambda r: ("all", "team", "own").index(ROLE_SCOPES[r]))
    role = next(r for r in widest if allowed([r], action))
    return a.key(role)


def _path_params(operation: dict[str, Any]) -> list[str]:
    return [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]


def test_other_tenants_ids_are_404_on_every_route(live_spec, tenants):
    a, b = tenants
    # A public route's id names its tenant by design (a web form's key), whoever calls.
    with_ids = [
        op
        for op in operations(live_spec)
        if _path_params(op[2]) and op[2]["x-crm-action"] not in PUBLIC_ACTIONS
    ]
    assert with_ids, "no route takes an id?"
    unknown = {p for _, _, op in with_ids for p in _path_params(op)} - set(FACTORIES)
    assert not unknown, f"add a factory for {sorted(unknown)} to FACTORIES"
    ids = {name: factory(b) for name, factory in FACTORIES.items()}
    wrong = []
    with httpx.Client(base_url=a.url, timeout=15) as client:
        for method, path, operation in with_ids:
            url = path
            for name in _path_params(operation):
                url = url.replace("{" + name + "}", ids[name])
            token = _credential_for(a, operation["x-crm-action"])
            answer = client.request(
                method,
                url,
                json=example_body(live_spec, operation),
                headers={"Authorization": f"Bearer {token}"},
            )
            if (
                answer.status_code != 404
                or answer.headers["content-type"] != "application/problem+json"
            ):
                wrong.append(f"{method} {path}: {answer.status_code} {answer.text[:200]}")
    assert not wrong, "\n".join(wrong)
    _b_is_untouched(b, ids)


def _b_is_untouched(b: Tenant, ids: dict[str, str]) -> None:
    assert b.admin("GET", f"/v1/leads/{ids['lead_id']}").status_code == 200
    for kind, name in (("users", "user_id"), ("teams", "team_id")):
        seen = b.admin("GET", f"/v1/{kind}/{ids[name]}")
        assert seen.status_code == 200 and seen.json()["version"] == 1, seen.text
    for kind, name in (
        ("accounts", "account_id"),
        ("contacts", "contact_id"),
        ("opportunities", "opportunity_id"),
    ):
        seen = b.admin("GET", f"/v1/{kind}/{ids[name]}")
        assert seen.status_code == 200 and seen.json()["version"] == 1, seen.text
    key = b.admin("GET", f"/v1/api-keys/{ids['key_id']}")
    assert key.status_code == 200 and key.json()["revoked"] is False
    form = b.admin("GET", f"/v1/lead-forms/{ids['form_id']}").json()
    assert form["version"] == 1 and form["enabled"] and not form["revoked"]


def test_lists_never_show_another_tenants_records(live_spec, tenants):
    a, b = tenants
    ids = {name: factory(b) for name, factory in FACTORIES.items()}
    lists = [
        (path, op)
        for method, path, op in operations(live_spec)
        if method == "GET" and not _path_params(op)
    ]
    # A funnel without pipeline_id reads the tenant's default pipeline, which A has not made.
    params = {"/v1/analytics/funnel": {"pipeline_id": pipeline_in(a)}}
    with httpx.Client(base_url=a.url, timeout=15) as client:
        for path, operation in lists:
            token = _credential_for(a, operation["x-crm-action"])
            answer = client.get(
                path, params=params.get(path), headers={"Authorization": f"Bearer {token}"}
            )
            assert answer.status_code == 200, f"{path}: {answer.status_code}"
            leaked = [i for i in ids.values() if i in answer.text]
            assert not leaked, f"{path} shows tenant B's {leaked}"
