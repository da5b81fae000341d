"""The payment-plan and receivable routes of the gateway against an in-process payment
service on the embedded MongoDB: 201 + Location + ETag, money as decimal strings to the
fen, problem+json naming the field, one plan per contract also when posted twice at once
(with and without Idempotency-Key), data scope, If-Match on a milestone. The whole stack:
tests/e2e/test_payments.py."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from crm_runtime.rpc.server import GrpcApp
from crm_runtime.testing.fixtures import settings_for
from crm_runtime.wiring import build
from gateway_support import api_key, seed
from payment.grpc_api import PaymentApps, register
from payment.indexes import ensure_indexes

pytest_plugins = ["gateway_support"]  # fixtures: redis_url, tenant_id, gateway_app


@pytest.fixture
def payment_address(mongo_client, mongo_uri, database_name):
    database = f"{database_name}_pay"
    settings = settings_for("payment", "api", mongo_uri, database, CRM_GRPC_HOST="127.0.0.1")
    app = GrpcApp(
        settings, register(build(settings, mongo_client, ensure_indexes, PaymentApps.build))
    )
    app.start()
    yield f"127.0.0.1:{app.port}"
    app.stop(grace=0)
    mongo_client.drop_database(database)


@pytest.fixture
def api(mongo_uri, database_name, gateway_app, tenant_id, payment_address):
    seed(mongo_uri, database_name, tenant_id)
    client = gateway_app(CRM_PAYMENT_ADDR=payment_address)
    tokens: dict[str, str] = {}

    def call(who, method, path, headers=None, **kwargs):
        user, _, role = who.partition(":")
        if who not in tokens:
            tokens[who] = api_key(mongo_uri, database_name, tenant_id, user, role)
        headers = {"Authorization": f"Bearer {tokens[who]}", **(headers or {})}
        return client.request(method, path, headers=headers, **kwargs)

    return call


FINANCE, OWNER, OTHER_REP = "fin-1:finance", "rep-1:sales_rep", "rep-2:sales_rep"


def plan_body(contract_id: str = "c-1", **changes):
    return {
        "contract_id": contract_id,
        "contract_number": "HT-2026-0001",
        "account_id": "acc-1",
        "account_name": "上海云图科技有限公司",
        "owner_id": "rep-1",
        "team_id": "team-east",
        "contract_value": {"amount": "100.00", "currency": "CNY"},
        "signed_date": "2026-01-31",
        "instalments": [
            {"label": "首付款", "percent": "33.3333"},
            {
                "label": "到货款",
                "percent": "33.3333",
                "due_rule": "end_of_month_plus_days",
                "due_days": 28,
            },
            {
                "label": "验收款",
                "percent": "33.3334",
                "due_rule": "on_milestone",
                "milestone": "验收",
                "due_days": 15,
            },
        ],
        **changes,
    }


def test_a_plan_is_created_read_and_its_milestone_reached(api):
    made = api(FINANCE, "POST", "/v1/payment-plans", json=plan_body())
    assert made.status_code == 201, made.text
    plan = made.json()
    assert made.headers["Location"] == f"/v1/payment-plans/{plan['id']}"
    assert made.headers["ETag"] == '"1"'
    assert [r["amount"]["amount"] for r in plan["receivables"]] == ["33.33", "33.33", "33.34"]
    assert [r["due_date"] for r in plan["receivables"]] == ["2026-01-31", "2026-02-28", None]
    assert plan["total"] == {"amount": "100", "currency": "CNY"}
    assert (plan["status"], plan["source"], plan["signed_date"]) == ("active", "api", "2026-01-31")
    assert plan["receivables"][0]["status"] == "overdue"
    assert plan["receivables"][2]["status"] == "upcoming"

    read = api(OWNER, "GET", f"/v1/payment-plans/{plan['id']}")
    assert read.status_code == 200 and read.json() == plan and read.headers["ETag"] == '"1"'
    by_contract = api(FINANCE, "GET", "/v1/contracts/c-1/payment-plan")
    assert by_contract.json()["id"] == plan["id"]
    assert api(OTHER_REP, "GET", f"/v1/payment-plans/{plan['id']}").status_code == 404

    waiting = plan["receivables"][2]["id"]
    stale = api(
        OWNER,
        "POST",
        f"/v1/receivables/{waiting}/reach-milestone",
        headers={"If-Match": '"5"'},
        json={"reached_date": "2026-02-02"},
    )
    assert stale.status_code == 412 and stale.headers["ETag"] == '"1"'
    reached = api(
        OWNER,
        "POST",
        f"/v1/receivables/{waiting}/reach-milestone",
        headers={"If-Match": '"1"'},
        json={"reached_date": "2026-02-02"},
    )
    assert reached.status_code == 200, reached.text
    assert reached.headers["ETag"] == '"2"'
    assert (reached.json()["due_date"], reached.json()["milestone_reached_date"]) == (
        "2026-02-17",
        "2026-02-02",
    )
    again = api(
        OWNER,
        "POST",
        f"/v1/receivables/{waiting}/reach-milestone",
        json={"reached_date": "2026-02-03"},
    )
    assert again.status_code == 409
    got = api(FINANCE, "GET", f"/v1/receivables/{waiting}")
    assert got.json()["due_date"] == "2026-02-17" and got.headers["ETag"] == '"2"'


def _fields(response):
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return [e["field"] for e in response.json()["errors"]]


def test_bad_plans_are_422_naming_the_field_and_write_nothing(api):
    short = plan_body(instalments=[{"percent": "50"}, {"amount": {"amount": "49.99"}}])
    assert _fields(api(FINANCE, "POST", "/v1/payment-plans", json=short)) == ["instalments"]
    both = plan_body(instalments=[{"percent": "100", "amount": {"amount": "100.00"}}])
    assert _fields(api(FINANCE, "POST", "/v1/payment-plans", json=both)) == [
        "instalments[0].amount"
    ]
    milestone = plan_body(instalments=[{"percent": "100", "due_rule": "on_milestone"}])
    assert _fields(api(FINANCE, "POST", "/v1/payment-plans", json=milestone)) == [
        "instalments[0].milestone"
    ]
    fen = plan_body(contract_value={"amount": "100.001", "currency": "CNY"})
    assert "contract_value.amount" in _fields(api(FINANCE, "POST", "/v1/payment-plans", json=fen))
    assert api(FINANCE, "GET", "/v1/contracts/c-1/payment-plan").status_code == 404
    assert api(OWNER, "POST", "/v1/payment-plans", json=plan_body()).status_code == 403


def test_a_plan_posted_twice_at_once_is_made_once(api):
    """Six concurrent posts of one contract's plan without a key: one 201, five 409;
    then with one Idempotency-Key: one effect, the others replay it (or wait for it)."""
    with ThreadPoolExecutor(6) as pool:
        answers = list(
            pool.map(
                lambda _: api(FINANCE, "POST", "/v1/payment-plans", json=plan_body("c-par")),
                range(6),
            )
        )
    assert sorted(a.status_code for a in answers) == [201] + [409] * 5
    key = {"Idempotency-Key": str(uuid.uuid4())}
    with ThreadPoolExecutor(4) as pool:
        keyed = list(
            pool.map(
                lambda _: api(
                    FINANCE, "POST", "/v1/payment-plans", headers=key, json=plan_body("c-key")
                ),
                range(4),
            )
        )
    made = [a for a in keyed if a.status_code == 201]
    assert made and all(a.status_code in (201, 409) for a in keyed)
    assert len({a.json()["id"] for a in made}) == 1
    replay = api(FINANCE, "POST", "/v1/payment-plans", headers=key, json=plan_body("c-key"))
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json()["id"] == made[0].json()["id"]


def test_finance_writes_off_and_a_rep_disputes_under_if_match(api):
    plan = api(FINANCE, "POST", "/v1/payment-plans", json=plan_body("c-wo")).json()
    first, second = plan["receivables"][0]["id"], plan["receivables"][1]["id"]
    path = f"/v1/receivables/{first}"
    assert api(OWNER, "POST", f"{path}/write-off", json={"reason": "x"}).status_code == 403
    assert _fields(api(FINANCE, "POST", f"{path}/write-off", json={"reason": ""})) == ["reason"]
    disputed = api(
        OWNER, "POST", f"{path}/dispute", headers={"If-Match": '"1"'}, json={"reason": "验收有异议"}
    )
    assert disputed.status_code == 200, disputed.text
    assert (disputed.json()["status"], disputed.headers["ETag"]) == ("disputed", '"2"')
    stale = api(
        FINANCE,
        "POST",
        f"{path}/write-off",
        headers={"If-Match": '"1"'},
        json={"reason": "客户破产"},
    )
    assert stale.status_code == 412 and stale.headers["ETag"] == '"2"'
    gone = api(
        FINANCE,
        "POST",
        f"{path}/write-off",
        headers={"If-Match": '"2"'},
        json={"reason": "客户破产"},
    )
    assert gone.status_code == 200, gone.text
    assert (gone.json()["status"], gone.json()["write_off_reason"]) == ("written_off", "客户破产")
    assert api(FINANCE, "POST", f"{path}/resolve-dispute").status_code == 409
    other = f"/v1/receivables/{second}"
    assert api(OTHER_REP, "POST", f"{other}/dispute", json={"reason": "x"}).status_code == 404
    assert api(OWNER, "POST", f"{other}/dispute", json={"reason": "金额"}).status_code == 200
    back = api(FINANCE, "POST", f"{other}/resolve-dispute", headers={"If-Match": '"2"'})
    assert (back.status_code, back.json()["status"]) == (200, "overdue")  # due 2026-02-28


def receipt_body(reference: str, **changes):
    return {
        "external_reference": reference,
        "source": "finance_system",
        "amount": {"amount": "300000.00", "currency": "CNY"},
        "payer_name": "上海云图科技有限公司",
        "received_at": "2026-12-04T09:30:00+08:00",
        "memo": "HT-2026-0001-1",
        **changes,
    }


def test_a_receipt_sent_at_once_with_and_without_a_key_is_recorded_once(api):
    with ThreadPoolExecutor(6) as pool:
        answers = list(
            pool.map(
                lambda _: api(FINANCE, "POST", "/v1/receipts", json=receipt_body("CMB-1")),
                range(6),
            )
        )
    assert sorted(a.status_code for a in answers) == [201] + [409] * 5
    (made,) = [a for a in answers if a.status_code == 201]
    receipt = made.json()
    assert made.headers["Location"] == f"/v1/receipts/{receipt['id']}"
    assert (receipt["status"], receipt["unallocated_amount"]["amount"]) == ("unmatched", "300000")
    assert receipt["received_at"] == "2026-12-04T01:30:00Z"
    assert all(receipt["id"] in a.json()["detail"] for a in answers if a.status_code == 409)
    other = api(FINANCE, "POST", "/v1/receipts", json=receipt_body("CMB-1", payer_name="别人"))
    assert other.status_code == 409 and "another payer_name" in other.json()["detail"]

    key = {"Idempotency-Key": str(uuid.uuid4())}
    with ThreadPoolExecutor(4) as pool:
        keyed = list(
            pool.map(
                lambda _: api(
                    FINANCE, "POST", "/v1/receipts", headers=key, json=receipt_body("CMB-2")
                ),
                range(4),
            )
        )
    assert {a.status_code for a in keyed} <= {201, 409}
    assert len({a.json()["id"] for a in keyed if a.status_code == 201}) == 1
    replay = api(FINANCE, "POST", "/v1/receipts", headers=key, json=receipt_body("CMB-2"))
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    got = api(FINANCE, "GET", replay.headers["Location"])
    assert got.status_code == 200 and got.json()["external_reference"] == "CMB-2"
    assert api(OWNER, "POST", "/v1/receipts", json=receipt_body("CMB-3")).status_code == 403


def test_bad_receipts_are_422_naming_the_field(api):
    late = receipt_body("CMB-9", received_at="2999-01-01T00:00:00Z")
    assert _fields(api(FINANCE, "POST", "/v1/receipts", json=late)) == ["received_at"]
    naive = receipt_body("CMB-9", received_at="2026-12-04T09:30:00")
    assert _fields(api(FINANCE, "POST", "/v1/receipts", json=naive)) == ["received_at"]
    fen = receipt_body("CMB-9", amount={"amount": "1.001", "currency": "CNY"})
    assert _fields(api(FINANCE, "POST", "/v1/receipts", json=fen)) == ["amount.amount"]


def test_a_receipt_is_split_across_receivables_through_the_gateway(api):
    plan = api(FINANCE, "POST", "/v1/payment-plans", json=plan_body("c-alloc")).json()
    first, second = plan["receivables"][0]["id"], plan["receivables"][1]["id"]
    receipt = api(
        FINANCE,
        "POST",
        "/v1/receipts",
        json=receipt_body("ALLOC-1", amount={"amount": "70.00", "currency": "CNY"}),
    ).json()
    path = f"/v1/receipts/{receipt['id']}/allocations"

    def amounts(*pairs):
        return {
            "allocations": [
                {"receivable_id": rid, "amount": {"amount": amount, "currency": "CNY"}}
                for rid, amount in pairs
            ]
        }

    over = api(FINANCE, "POST", path, json=amounts((first, "33.34")))
    assert _fields(over) == ["allocations[0].amount"]
    beyond = api(
        FINANCE,
        "POST",
        path,
        json=amounts((first, "33.33"), (second, "33.33"), (plan["receivables"][2]["id"], "3.35")),
    )
    assert _fields(beyond) == ["allocations"]
    assert api(OWNER, "POST", path, json=amounts((first, "1"))).status_code == 403
    stale = api(FINANCE, "POST", path, headers={"If-Match": '"2"'}, json=amounts((first, "1")))
    assert stale.status_code == 412

    done = api(
        FINANCE,
        "POST",
        path,
        headers={"If-Match": '"1"'},
        json={**amounts((first, "33.33"), (second, "30.00")), "note": "客户确认"},
    )
    assert done.status_code == 201, done.text
    assert done.headers["Location"] == f"/v1/receipts/{receipt['id']}"
    body = done.json()
    assert body["receipt"]["unallocated_amount"]["amount"] == "6.67"
    assert body["receipt"]["status"] == "partially_matched"
    assert [a["method"] for a in body["receipt"]["allocations"]] == ["manual", "manual"]
    assert [(r["status"], r["outstanding"]["amount"]) for r in body["receivables"]] == [
        ("paid", "0"),
        ("overdue", "3.33"),
    ]
    assert api(OWNER, "GET", f"/v1/receivables/{first}").json()["status"] == "paid"


def test_receivables_are_listed_by_filter_within_the_callers_scope(api):
    api(FINANCE, "POST", "/v1/payment-plans", json=plan_body("c-l1"))
    api(FINANCE, "POST", "/v1/payment-plans", json=plan_body("c-l2", owner_id="rep-2"))
    mine = api(OWNER, "GET", "/v1/receivables")
    assert mine.status_code == 200, mine.text
    assert {r["owner_id"] for r in mine.json()["items"]} == {"rep-1"}
    assert len(mine.json()["items"]) == 3 and mine.json()["next_cursor"] == ""
    overdue = api(
        FINANCE,
        "GET",
        "/v1/receivables",
        params={"status": "overdue", "contract_id": "c-l2", "min_days_overdue": 30},
    )
    # one plan's receivables share their creation instant: the id breaks the tie
    assert sorted((r["contract_id"], r["sequence"]) for r in overdue.json()["items"]) == [
        ("c-l2", 1),
        ("c-l2", 2),
    ]
    ranged = api(
        FINANCE,
        "GET",
        "/v1/receivables",
        params={"due_date_from": "2026-02-01", "due_date_to": "2026-02-28", "limit": 1},
    )
    page = ranged.json()
    assert len(page["items"]) == 1 and page["next_cursor"]
    rest = api(
        FINANCE,
        "GET",
        "/v1/receivables",
        params={
            "due_date_from": "2026-02-01",
            "due_date_to": "2026-02-28",
            "cursor": page["next_cursor"],
        },
    ).json()
    assert len(rest["items"]) == 1 and rest["items"][0]["id"] != page["items"][0]["id"]
    assert {r["due_date"] for r in page["items"] + rest["items"]} == {"2026-02-28"}
    bad = api(FINANCE, "GET", "/v1/receivables", params={"due_date_from": "2026-02-30"})
    assert _fields(bad) == ["due_date_from"]
    assert api(OTHER_REP, "GET", "/v1/receivables", params={"owner_id": "rep-1"}).json() == {
        "items": [],
        "next_cursor": "",
    }


def test_receipts_are_listed_and_the_unmatched_wait_in_their_queue(api):
    for i, amount in enumerate(("10.00", "20.00", "30.00")):
        body = receipt_body(
            f"LIST-{i}",
            amount={"amount": amount, "currency": "CNY"},
            received_at=f"2026-12-0{i + 1}T09:00:00+08:00",
        )
        assert api(FINANCE, "POST", "/v1/receipts", json=body).status_code == 201
    listed = api(FINANCE, "GET", "/v1/receipts", params={"amount_min": "15", "limit": 1})
    assert listed.status_code == 200, listed.text
    page = listed.json()
    assert [r["external_reference"] for r in page["items"]] == ["LIST-2"] and page["next_cursor"]
    rest = api(
        FINANCE, "GET", "/v1/receipts", params={"amount_min": "15", "cursor": page["next_cursor"]}
    ).json()
    assert [r["external_reference"] for r in rest["items"]] == ["LIST-1"]
    ranged = api(
        FINANCE,
        "GET",
        "/v1/receipts",
        params={
            "received_at_from": "2026-12-01T00:00:00+08:00",
            "received_at_to": "2026-12-01T23:59:59+08:00",
            "status": ["unmatched", "partially_matched"],
            "source": "finance_system",
        },
    ).json()
    assert [r["external_reference"] for r in ranged["items"]] == ["LIST-0"]
    assert _fields(api(FINANCE, "GET", "/v1/receipts", params={"source": "cash"})) == ["source.0"]
    assert api(OWNER, "GET", "/v1/receipts").status_code == 403


def test_auto_match_explains_its_rule_or_why_nothing_matched(api):
    plan = api(FINANCE, "POST", "/v1/payment-plans", json=plan_body("c-auto")).json()
    reference = plan["receivables"][1]["reference"]  # HT-2026-0001-2, 33.33 outstanding
    body = receipt_body(
        "AUTO-1", amount={"amount": "40.00", "currency": "CNY"}, memo=f"第二期 {reference}"
    )
    receipt = api(FINANCE, "POST", "/v1/receipts", json=body).json()
    path = f"/v1/receipts/{receipt['id']}/auto-match"
    dry = api(FINANCE, "POST", path, params={"dry_run": True})
    assert dry.status_code == 200, dry.text
    assert (dry.json()["rule"], dry.json()["allocations"]) == ("reference", [])
    assert api(FINANCE, "POST", path, headers={"If-Match": '"9"'}).status_code == 412
    done = api(FINANCE, "POST", path, headers={"If-Match": '"1"'}).json()
    assert done["matched"] and done["evidence"] == f"the payer named {reference}"
    assert [(a["method"], a["amount"]["amount"], a["matched_by"]) for a in done["allocations"]] == [
        ("reference", "33.33", "system")
    ]
    assert done["receipt"]["unallocated_amount"]["amount"] == "6.67"
    plain = api(FINANCE, "POST", "/v1/receipts", json=receipt_body("AUTO-2", memo="货款")).json()
    missed = api(FINANCE, "POST", f"/v1/receipts/{plain['id']}/auto-match").json()
    assert not missed["matched"] and missed["rule"] == ""
    assert missed["reason"] == "the payer named no receivable and no contract"
    assert api(OWNER, "POST", path).status_code == 403
