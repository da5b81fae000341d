"""Optimistic locking one way on every versioned resource (docs/api.md, "Changing"),
walked through the gateway against the in-process lead and opportunity services and
the gateway's own stores: a read answers the ETag; a change with it succeeds and
answers the next one; a change naming the old one is 412 with the current ETag, and
the resource is still at that version (nothing was written)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

pytest_plugins = ["gateway_support"]  # fixtures: service_api (the services in-process)

DIRECTOR = "sales_director"
CNY = "CNY"
LINE = {
    "description": "企业版年费",
    "quantity": "3",
    "unit": "套",
    "tax_percent": "13",
    "unit_price": {"amount": "1999.99", "currency": CNY},
}
STAGES = [
    {"key": "initial_contact", "name": "初步接洽", "win_probability": 10},
    {"key": "won", "name": "赢单", "kind": "won", "win_probability": 100},
    {"key": "lost", "name": "输单", "kind": "lost", "win_probability": 0},
]
FORM = {
    "name": "官网试用",
    "fields": ["name", "phone"],
    "allowed_origins": ["https://a.cn"],
    "source": "web",
    "honeypot_field": "website",
}

Change = tuple[str, str, dict[str, Any] | None]  # method, path, body


@dataclass(frozen=True)
class Walk:
    read: str  # the path whose GET answers the ETag
    first: Change  # made with the current ETag
    second: Change  # made with the ETag the first one made stale
    role: str = DIRECTOR
    first_status: int = 200


def _made(api: Callable[..., Any], role: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = api(role, "POST", path, json=body)
    assert answer.status_code == 201, answer.text
    assert answer.headers["Location"].startswith("/v1/")
    made: dict[str, Any] = answer.json()
    return made


def _lead(api: Callable[..., Any], assigned: bool = False) -> str:
    lead = _made(api, DIRECTOR, "/v1/leads", {"name": "韩梅梅", "source": "web"})
    if assigned:
        body = {"owner_id": "sales_rep-1"}
        assert api(DIRECTOR, "POST", f"/v1/leads/{lead['id']}/assign", json=body).is_success
    return str(lead["id"])


def _deal(api: Callable[..., Any]) -> str:
    account = _made(api, DIRECTOR, "/v1/accounts", {"name": f"云栖科技 {id(api)}"})
    deal = _made(
        api,
        DIRECTOR,
        "/v1/opportunities",
        {
            "account_id": account["id"],
            "name": "200 座席",
            "amount": {"amount": "680000.00", "currency": CNY},
            "expected_close_date": "2030-06-30",
        },
    )
    return str(deal["id"])


def _lead_data(api: Callable[..., Any]) -> Walk:
    path = f"/v1/leads/{_lead(api)}"
    return Walk(path, ("PATCH", path, {"notes": "一"}), ("PATCH", path, {"notes": "二"}))


def _lead_status(api: Callable[..., Any]) -> Walk:
    path = f"/v1/leads/{_lead(api, assigned=True)}"
    contacted = ("POST", f"{path}/status", {"status": "contacted"})
    return Walk(path, contacted, ("POST", f"{path}/status", {"status": "qualified"}))


def _lead_assignment(api: Callable[..., Any]) -> Walk:
    path = f"/v1/leads/{_lead(api)}"
    assign = ("POST", f"{path}/assign", {"owner_id": "sales_rep-1"})
    return Walk(path, assign, ("POST", f"{path}/assign", {"owner_id": ""}))


def _account(api: Callable[..., Any]) -> Walk:
    path = f"/v1/accounts/{_made(api, DIRECTOR, '/v1/accounts', {'name': '明远智能'})['id']}"
    return Walk(path, ("PATCH", path, {"industry": "软件"}), ("PATCH", path, {"industry": "制造"}))


def _contact(api: Callable[..., Any]) -> Walk:
    account = _made(api, DIRECTOR, "/v1/accounts", {"name": "明远智能"})
    contact = _made(api, DIRECTOR, "/v1/contacts", {"account_id": account["id"], "name": "王芳"})
    path = f"/v1/contacts/{contact['id']}"
    return Walk(path, ("PATCH", path, {"title": "总监"}), ("PATCH", path, {"title": "副总"}))


def _deal_edit(api: Callable[..., Any]) -> Walk:
    path = f"/v1/opportunities/{_deal(api)}"
    return Walk(
        path, ("PATCH", path, {"next_step": "演示"}), ("PATCH", path, {"next_step": "报价"})
    )


def _deal_stage(api: Callable[..., Any]) -> Walk:
    path = f"/v1/opportunities/{_deal(api)}"
    move = ("POST", f"{path}/stage", {"to_stage": "needs_confirmed"})
    return Walk(path, move, ("POST", f"{path}/stage", {"to_stage": "solution"}))


def _closed(action: str, body: dict[str, Any]) -> Callable[[Callable[..., Any]], Walk]:
    """A deal closed with the current ETag, then reopened with the one that made stale."""

    def make(api: Callable[..., Any]) -> Walk:
        path = f"/v1/opportunities/{_deal(api)}"
        reopen = ("POST", f"{path}/reopen", {"reason": "客户重新启动采购"})
        return Walk(path, ("POST", f"{path}/{action}", body), reopen)

    return make


def _pipeline(api: Callable[..., Any]) -> Walk:
    body = {"name": "渠道销售", "stages": STAGES}
    path = f"/v1/pipelines/{_made(api, DIRECTOR, '/v1/pipelines', body)['id']}"
    return Walk(path, ("PUT", path, {**body, "cadence_days": 3}), ("PUT", path, body))


def _quote(api: Callable[..., Any]) -> Walk:
    deal = _deal(api)
    quote = _made(api, DIRECTOR, f"/v1/opportunities/{deal}/quotes", {"lines": [LINE]})
    path = f"/v1/quotes/{quote['id']}"
    revise = ("POST", f"{path}/revisions", {"lines": [LINE, LINE]})
    return Walk(path, revise, ("POST", f"{path}/issue", {}), first_status=201)


def _rules(_api: Callable[..., Any]) -> Walk:
    path = "/v1/lead-assignment-rules"
    rules = {"rules": [{"name": "east", "group": "east", "regions": ["上海"]}]}
    return Walk(path, ("PUT", path, rules), ("PUT", path, {"rules": []}))


def _custom_fields(_api: Callable[..., Any]) -> Walk:
    path = "/v1/lead-custom-fields"
    fields = {"fields": [{"key": "budget", "label": "预算", "type": "number"}]}
    return Walk(path, ("PUT", path, fields), ("PUT", path, {"fields": []}))


def _settings(path: str, first: dict[str, Any], second: dict[str, Any]) -> Callable[..., Walk]:
    return lambda _api: Walk(path, ("PATCH", path, first), ("PATCH", path, second))


def _form(api: Callable[..., Any]) -> Walk:
    path = f"/v1/lead-forms/{_made(api, 'admin', '/v1/lead-forms', FORM)['id']}"
    return Walk(path, ("PATCH", path, {"enabled": False}), ("DELETE", path, None), role="admin")


def _user(api: Callable[..., Any]) -> Walk:
    body = {
        "email": "li.na@acme.cn",
        "display_name": "李娜",
        "roles": ["sales_rep"],
        "password": "correct horse battery",
    }
    path = f"/v1/users/{_made(api, 'admin', '/v1/users', body)['id']}"
    return Walk(
        path,
        ("PATCH", path, {"display_name": "李娜 (华东)"}),
        ("PATCH", path, {"roles": ["sales_manager"]}),
        role="admin",
    )


def _team(api: Callable[..., Any]) -> Walk:
    path = f"/v1/teams/{_made(api, 'admin', '/v1/teams', {'name': '华东大客户组'})['id']}"
    return Walk(path, ("PATCH", path, {"name": "华东一组"}), ("PATCH", path, {"name": "华东二组"}))


WALKS = {
    "lead": _lead_data,
    "lead status": _lead_status,
    "lead assignment": _lead_assignment,
    "account": _account,
    "contact": _contact,
    "opportunity": _deal_edit,
    "opportunity stage": _deal_stage,
    "opportunity won, reopen": _closed(
        "won", {"closed_date": "2026-12-01", "amount": {"amount": "650000", "currency": CNY}}
    ),
    "opportunity lost, reopen": _closed("lost", {"loss_reason": "price"}),
    "pipeline": _pipeline,
    "quote revise, issue": _quote,
    "lead assignment rules": _rules,
    "lead custom fields": _custom_fields,
    "lead settings": _settings("/v1/lead-settings", {"cadence_days": 4}, {"cadence_days": 5}),
    "opportunity settings": _settings(
        "/v1/opportunity-settings", {"cadence_days": 3}, {"dormant_after_days": 45}
    ),
    "lead form patch, delete": _form,
    "user": _user,
    "team": _team,
}


@pytest.mark.parametrize("make", WALKS.values(), ids=WALKS.keys())
def test_a_stale_if_match_is_412_with_the_current_etag_and_changes_nothing(service_api, make):
    walk: Walk = make(service_api)

    def call(change: Change, tag: str) -> Any:
        method, path, body = change
        return service_api(walk.role, method, path, json=body, headers={"If-Match": tag})

    read = service_api(walk.role, "GET", walk.read)
    assert read.status_code == 200, read.text
    tag = read.headers["ETag"]
    done = call(walk.first, tag)
    assert done.status_code == walk.first_status, done.text
    following = done.headers["ETag"]
    assert int(following.strip('"')) == int(tag.strip('"')) + 1
    stale = call(walk.second, tag)
    assert stale.status_code == 412, stale.text
    assert stale.headers["content-type"] == "application/problem+json"
    assert stale.headers["ETag"] == following
    after = service_api(walk.role, "GET", walk.read)
    answered = done.json()  # a stage move answers its outcome and the deal
    assert after.headers["ETag"] == following
    assert after.json() == (answered["opportunity"] if "outcome" in answered else answered)
