"""Quotes through the gateway: a quote with lines on a deal, totals exact to the fen,
a revision into version 2, issuing; a big discount waits in /v1/approvals until the
director approves, and the quote is issued; closed deals and stale versions refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from opportunity_support import cny, ok, ready_deal

VAT_LINES = [
    {
        "product_code": "CLOUD-ENT",
        "description": "企业版年费",
        "quantity": "3",
        "unit": "套",
        "unit_price": cny("1999.99"),
        "discount_percent": "10",
        "tax_percent": "13",
    },
    {
        "description": "实施服务",
        "quantity": "2.5",
        "unit": "人天",
        "unit_price": cny("88.88"),
        "tax_percent": "6",
    },
]
BIG_DISCOUNT = [
    {
        "description": "旗舰版",
        "quantity": "1",
        "unit_price": cny("100000"),
        "discount_percent": "25",
        "tax_percent": "13",
    },
]


@pytest.fixture(scope="module")
def tenant(tenant_factory):
    return tenant_factory()


@pytest.fixture(scope="module")
def rep(tenant):
    with tenant.client(tenant.person("sales_rep")[1]) as client:
        yield client


@pytest.fixture(scope="module")
def director(tenant):
    with tenant.client(tenant.person("sales_director")[1]) as client:
        yield client


def amount(money: dict[str, str]) -> Decimal:
    assert money["currency"] == "CNY"
    return Decimal(money["amount"])


def test_a_quote_has_exact_totals_versions_and_is_issued(rep):
    opp = ready_deal(rep)
    made = rep.post(
        f"/v1/opportunities/{opp['id']}/quotes",
        json={"currency": "CNY", "lines": VAT_LINES, "terms": "款到发货"},
    )
    quote = ok(made, 201)
    assert made.headers["Location"] == f"/v1/quotes/{quote['id']}"
    assert (quote["version"], quote["status"], quote["opportunity_id"]) == (1, "draft", opp["id"])
    assert quote["number"].startswith("Q-")
    first = quote["lines"][0]
    assert [
        amount(first[k])
        for k in ("list_amount", "discount_amount", "net_amount", "tax_amount", "total")
    ] == [
        Decimal("5999.97"),
        Decimal("600.00"),
        Decimal("5399.97"),
        Decimal("702.00"),
        Decimal("6101.97"),
    ]
    assert [
        amount(quote[k])
        for k in ("list_total", "discount_total", "net_total", "tax_total", "total")
    ] == [
        Decimal("6222.17"),
        Decimal("600.00"),
        Decimal("5622.17"),
        Decimal("715.33"),
        Decimal("6337.50"),
    ]
    assert quote["discount_percent"] == "9.64"
    revised = rep.post(
        f"/v1/quotes/{quote['id']}/revisions",
        json={"lines": VAT_LINES[:1]},
        headers={"If-Match": '"1"'},
    )
    v2 = ok(revised, 201)
    assert revised.headers["Location"] == f"/v1/quotes/{quote['id']}"
    assert revised.headers["ETag"] == '"2"'
    assert (v2["id"], v2["number"], v2["version"], v2["status"]) == (
        quote["id"],
        quote["number"],
        2,
        "draft",
    )
    assert amount(v2["total"]) == Decimal("6101.97")
    stale = rep.post(
        f"/v1/quotes/{quote['id']}/revisions",
        json={"lines": VAT_LINES},
        headers={"If-Match": '"1"'},
    )
    assert stale.status_code == 412 and stale.headers["ETag"] == '"2"', stale.text
    assert stale.headers["content-type"].startswith("application/problem+json")
    v1 = ok(rep.get(f"/v1/quotes/{quote['id']}", params={"version": 1}))
    assert (v1["status"], amount(v1["total"])) == ("superseded", Decimal("6337.50"))
    issued = ok(rep.post(f"/v1/quotes/{quote['id']}/issue", json={}, headers={"If-Match": '"2"'}))
    assert (issued["outcome"], issued["quote"]["status"]) == ("issued", "issued")
    listed = ok(rep.get(f"/v1/opportunities/{opp['id']}/quotes"))["items"]
    assert [(q["id"], q["version"], q["status"]) for q in listed] == [(quote["id"], 2, "issued")]
    every = ok(rep.get(f"/v1/opportunities/{opp['id']}/quotes", params={"all_versions": "true"}))
    assert sorted(q["version"] for q in every["items"]) == [1, 2]


def test_bad_lines_are_422_naming_each_field(rep):
    opp = ready_deal(rep)
    bad = [
        {"description": "x", "quantity": "1", "unit_price": cny("10"), "discount_percent": "120"}
    ]
    answer = rep.post(f"/v1/opportunities/{opp['id']}/quotes", json={"lines": bad})
    assert answer.status_code == 422, answer.text
    assert "lines[0].discount_percent" in answer.text


def test_a_big_discount_is_issued_once_the_director_approves(rep, director):
    opp = ready_deal(rep)
    quote = ok(rep.post(f"/v1/opportunities/{opp['id']}/quotes", json={"lines": BIG_DISCOUNT}), 201)
    asked = ok(rep.post(f"/v1/quotes/{quote['id']}/issue", json={"note": "战略客户"}))
    assert (asked["outcome"], asked["quote"]["status"]) == ("approval_pending", "pending_approval")
    approval_id = asked["approval_id"]
    queue = ok(
        director.get(
            "/v1/approvals",
            params={"status": "pending", "kind": "quote_discount", "assigned_to_me": "true"},
        )
    )["items"]
    [approval] = [a for a in queue if a["id"] == approval_id]
    assert (approval["quote_id"], approval["quote_version"], approval["discount_percent"]) == (
        quote["id"],
        1,
        "25",
    )
    assert amount(approval["amount"]) == Decimal("84750.00")
    assert approval["threshold_percent"] == "15"
    decided = ok(
        director.post(f"/v1/approvals/{approval_id}/decision", json={"decision": "approve"})
    )
    assert decided["approval"]["status"] == "approved"
    issued = ok(rep.get(f"/v1/quotes/{quote['id']}"))
    assert (issued["status"], issued["approval_id"]) == ("issued", approval_id)


def test_a_rejected_discount_says_why(rep, director):
    opp = ready_deal(rep)
    quote = ok(rep.post(f"/v1/opportunities/{opp['id']}/quotes", json={"lines": BIG_DISCOUNT}), 201)
    approval_id = ok(rep.post(f"/v1/quotes/{quote['id']}/issue", json={}))["approval_id"]
    body = {"decision": "reject", "reason": "折扣超出授权范围"}
    ok(director.post(f"/v1/approvals/{approval_id}/decision", json=body))
    rejected = ok(rep.get(f"/v1/quotes/{quote['id']}"))
    assert (rejected["status"], rejected["rejection_reason"]) == ("rejected", "折扣超出授权范围")


def test_a_closed_deal_takes_no_quote(rep):
    opp = ready_deal(rep)
    ok(rep.post(f"/v1/opportunities/{opp['id']}/lost", json={"loss_reason": "price"}))
    refused = rep.post(f"/v1/opportunities/{opp['id']}/quotes", json={"lines": VAT_LINES})
    assert refused.status_code == 409, refused.text
    assert "lost" in refused.json()["detail"]
