"""A contract through the whole stack: a won deal and its issued quote drafted into a
contract (lines and totals the quote's, instalments that add up), approved by legal,
signed by both parties, active; ContractActivated, with the instalments and their due
dates, leaves through the outbox and the contract worker's relay."""

from __future__ import annotations

import time

import pytest
from opportunity_support import cny, ok, ready_deal

TEMPLATE = {
    "name": "销售合同（标准）",
    "code": "SALES-E2E",
    "kind": "sales",
    "fields": [{"key": "customer.name", "label": "客户名称", "type": "party", "source": "account"}],
    "clauses": [
        {
            "key": "subject",
            "title": "合同标的",
            "text": "乙方向{{customer.name}}提供软件。",
            "standard": True,
        }
    ],
}
LINES = [
    {
        "product_code": "CLOUD-ENT",
        "description": "企业版年费",
        "quantity": "3",
        "unit": "套",
        "unit_price": cny("1999.99"),
        "discount_percent": "10",
        "tax_percent": "13",
    },
]
SCAN = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


@pytest.fixture(scope="module")
def tenant(tenant_factory):
    return tenant_factory()


def test_won_deal_to_an_active_contract(tenant, mongo):
    with (
        tenant.client(tenant.person("sales_rep")[1]) as rep,
        tenant.client(tenant.person("legal")[1]) as legal,
    ):
        template = ok(legal.post("/v1/contract-templates", json=TEMPLATE), 201)
        opp = ready_deal(rep)
        quote = ok(rep.post(f"/v1/opportunities/{opp['id']}/quotes", json={"lines": LINES}), 201)
        quote = ok(rep.post(f"/v1/quotes/{quote['id']}/issue", json={}))["quote"]
        won = {"closed_date": "2026-12-01", "amount": quote["total"], "quote_id": quote["id"]}
        ok(rep.post(f"/v1/opportunities/{opp['id']}/won", json=won))

        terms = [
            {"label": "预付款", "percent": "30", "due_kind": "on_signing"},
            {"label": "验收款", "percent": "70", "due_kind": "days_after_signing", "due_days": 30},
        ]
        made = rep.post(
            "/v1/contracts",
            json={
                "template_id": template["id"],
                "opportunity_id": opp["id"],
                "payment_terms": terms,
            },
        )
        contract = ok(made, 201)
        assert (
            contract["number"].startswith("HT-")
            and made.headers["Location"] == f"/v1/contracts/{contract['id']}"
        )
        assert (contract["value"], contract["tax_total"]) == (quote["total"], quote["tax_total"])
        path = f"/v1/contracts/{contract['id']}"

        submitted = ok(
            rep.post(f"{path}/submit", json={}, headers={"If-Match": made.headers["ETag"]})
        )
        [step] = submitted["approval_steps"]
        assert (
            legal.post(
                f"{path}/approval-steps/{step['id']}/decision", json={"decision": "approve"}
            ).status_code
            == 200
        )
        ok(rep.post(f"{path}/send-for-signature"))
        both = [{"party": "customer", "name": "王芳"}, {"party": "supplier", "name": "李雷"}]
        active = ok(
            rep.post(
                f"{path}/sign",
                json={"signatories": both, "signed_date": "2026-12-01", "file_sha256": SCAN},
            )
        )
        assert (active["status"], active["effective_date"]) == ("active", "2026-12-01")
        assert [t["amount"] for t in active["payment_terms"]] == [cny("1830.59"), cny("4271.38")]
        versions = ok(rep.get(f"{path}/versions"))["items"]
        assert [v["status"] for v in versions][:2] == ["active", "out_for_signature"]

    outbox = mongo["crm_contract"]["outbox"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        event = outbox.find_one(
            {"event_type": "ContractActivated", "envelope.aggregate_id": contract["id"]}
        )
        if event and event["status"] != "pending":
            break
        time.sleep(0.2)
    # Relayed by the contract worker: "sent" once a consumer (the payment service) binds
    # a queue for it, "unrouted" (kept for replay) before.
    assert event is not None and event["status"] in ("sent", "unrouted")
    instalments = event["envelope"]["payload"]["instalments"]
    assert [(i["amount"]["units"], i.get("due_date")) for i in instalments] == [
        ("1830", "2026-12-01"),
        ("4271", "2026-12-31"),
    ]
