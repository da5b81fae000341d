"""Payment plans through the gateway against the whole local stack: a ContractSigned on
the broker, as the contract service's relay publishes it, becomes the contract's plan
(once, though delivered twice), which the owner rep reads; finance sets another plan by
hand with a milestone instalment, the rep records the milestone reached under
If-Match; a bank receipt is recorded once and split onto the first instalment, the rest
kept as credit; another rep and another tenant see nothing of it."""

from __future__ import annotations

import time
import uuid

from crm_runtime.messaging.schema import canonical_payload
from kombu import Connection, Exchange
from opportunity_support import ok


def publish_contract_signed(amqp_uri: str, tenant: str, owner: str, contract_id: str) -> None:
    payload = {
        "contract_id": contract_id,
        "number": "HT-E2E-0001",
        "document_version": 1,
        "account_id": "acc-e2e",
        "account_name": "上海云图科技有限公司",
        "owner_id": owner,
        "value": {"currency": "CNY", "units": "100", "nanos": 0},
        "payment_terms": [
            {
                "sequence": 1,
                "label": "首付款",
                "amount": {"currency": "CNY", "units": "30"},
                "due_date": "2026-12-10",
            },
            {
                "sequence": 2,
                "label": "尾款",
                "amount": {"currency": "CNY", "units": "70"},
                "due_date": "2027-01-31",
            },
        ],
        "signed_date": "2026-12-04",
    }
    envelope = {
        "event_id": str(uuid.uuid4()),
        "event_type": "ContractSigned",
        "schema_version": 1,
        "tenant_id": tenant,
        "aggregate_type": "contract",
        "aggregate_id": contract_id,
        "aggregate_version": 1,
        "occurred_at": "2026-12-04T08:00:00Z",
        "producer": "contract",
        "traceparent": "",
        "tracestate": "",
        "payload": canonical_payload("ContractSigned", payload),
    }
    exchange = Exchange("contract.events", type="topic", durable=True)
    with Connection(amqp_uri) as conn:
        producer = conn.Producer()
        for _ in range(2):  # at-least-once: delivered twice
            producer.publish(
                envelope,
                exchange=exchange,
                routing_key="ContractSigned",
                declare=[exchange],
                serializer="json",
                mandatory=True,
            )


def test_plans_from_contract_signed_and_by_hand(stack, tenant_factory):
    tenant, other_tenant = tenant_factory(), tenant_factory()
    rep, rep_token = tenant.person("sales_rep")
    _, other_rep_token = tenant.person("sales_rep")
    finance = tenant.key("finance")
    contract_id = f"c-{uuid.uuid4().hex[:8]}"
    publish_contract_signed(stack["CRM_AMQP_URI"], tenant.id, rep, contract_id)

    with tenant.client(rep_token) as client:
        deadline = time.monotonic() + 30
        while (got := client.get(f"/v1/contracts/{contract_id}/payment-plan")).status_code == 404:
            assert time.monotonic() < deadline, "no plan 30 s after ContractSigned"
            time.sleep(0.3)
        plan = ok(got)
    assert (plan["source"], plan["created_by"], plan["total"]["amount"]) == (
        "contract_signed",
        "system",
        "100",
    )
    assert [r["amount"]["amount"] for r in plan["receivables"]] == ["30", "70"]
    assert [r["reference"] for r in plan["receivables"]] == ["HT-E2E-0001-1", "HT-E2E-0001-2"]

    body = {
        "contract_id": f"x-{uuid.uuid4().hex[:8]}",
        "contract_number": "HT-OUT-7",
        "account_id": "acc-e2e",
        "owner_id": rep,
        "contract_value": {"amount": "1000.00", "currency": "CNY"},
        "signed_date": "2026-12-01",
        "instalments": [
            {"label": "首付款", "percent": "30"},
            {
                "label": "验收款",
                "percent": "70",
                "due_rule": "on_milestone",
                "milestone": "验收",
                "due_days": 10,
            },
        ],
    }
    with tenant.client(finance) as client:
        made = client.post("/v1/payment-plans", json=body)
        assert made.status_code == 201, made.text
        assert client.post("/v1/payment-plans", json=body).status_code == 409
    by_hand = made.json()
    waiting = by_hand["receivables"][1]
    assert (waiting["amount"]["amount"], waiting["due_date"]) == ("700", None)

    with tenant.client(rep_token) as client:
        reached = client.post(
            f"/v1/receivables/{waiting['id']}/reach-milestone",
            headers={"If-Match": '"1"'},
            json={"reached_date": "2026-12-03"},
        )
        assert reached.status_code == 200, reached.text
        assert reached.json()["due_date"] == "2026-12-13" and reached.headers["ETag"] == '"2"'
    first = by_hand["receivables"][0]
    receipt = {
        "external_reference": f"CMB-{uuid.uuid4().hex[:10]}",
        "source": "bank_statement",
        "amount": {"amount": "350.00", "currency": "CNY"},
        "payer_name": "上海云图科技有限公司",
        "received_at": "2026-12-04T10:00:00+08:00",
        "memo": "HT-OUT-7-1",
    }
    with tenant.client(finance) as client:
        recorded = client.post("/v1/receipts", json=receipt)
        assert recorded.status_code == 201, recorded.text
        assert client.post("/v1/receipts", json=receipt).status_code == 409  # recorded once
        allocate = {
            "allocations": [
                {"receivable_id": first["id"], "amount": {"amount": "300.00", "currency": "CNY"}}
            ]
        }
        split = client.post(f"{recorded.headers['Location']}/allocations", json=allocate)
        assert split.status_code == 201, split.text
        assert split.json()["receipt"]["unallocated_amount"]["amount"] == "50"  # a credit
    with tenant.client(rep_token) as client:
        listed = ok(client.get("/v1/receivables", params={"contract_id": body["contract_id"]}))
        assert sorted(r["status"] for r in listed["items"]) == ["paid", "upcoming"]
    with tenant.client(other_rep_token) as client:
        assert client.get(made.headers["Location"]).status_code == 404
        assert ok(client.get("/v1/receivables"))["items"] == []
    with other_tenant.client(other_tenant.key("finance")) as client:
        assert client.get(made.headers["Location"]).status_code == 404
        assert client.get(f"/v1/receivables/{waiting['id']}").status_code == 404
