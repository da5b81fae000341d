"""The payment worker on the real RabbitMQ: a ContractSigned exactly as the contract
service's relay publishes it (the payload in the proto JSON form of
crm.events.v1.ContractSigned) makes the contract's payment plan once, also when it is
delivered twice; an amendment's, not handled yet, is dead-lettered, kept for replay."""

import uuid

import pytest
from crm_runtime.messaging.schema import canonical_payload
from crm_runtime.testing.fixtures import settings_for
from crm_runtime.testing.servers import worker_amqp_uri
from crm_runtime.testing.workers import (
    dead_letters,
    event_queues,
    publish,
    purge_worker,
    wait_for,
    worker_config,
)
from nameko.testing.services import entrypoint_waiter
from payment.worker import PaymentWorker


@pytest.fixture
def worker(container_factory, mongo_uri, database_name):
    amqp = worker_amqp_uri()
    settings = settings_for("payment", "worker", mongo_uri, database_name, CRM_AMQP_URI=amqp)
    purge_worker(amqp, PaymentWorker)
    with worker_config(settings):
        container = container_factory(PaymentWorker)
        container.start()
        yield container, amqp
        container.stop()


def contract_signed(**changes):
    contract_id = str(uuid.uuid4())
    payload = {
        "contract_id": contract_id,
        "number": "HT-2026-0042",
        "document_version": 1,
        "is_amendment": False,
        "opportunity_id": "opp-1",
        "account_id": "acc-1",
        "account_name": "上海云图科技有限公司",
        "owner_id": "rep-1",
        "team_id": "team-east",
        "value": {"currency": "CNY", "units": "1000000", "nanos": 0},
        "payment_terms": [
            {
                "sequence": 1,
                "label": "首付款",
                "amount": {"currency": "CNY", "units": "300000"},
                "due_date": "2026-12-10",
            },
            {
                "sequence": 2,
                "label": "尾款",
                "amount": {"currency": "CNY", "units": "700000"},
                "due_date": "2027-03-31",
            },
        ],
        "signed_date": "2026-12-04",
        "signed_at": "2026-12-04T08:00:00Z",
        "signature_method": "e_signature",
        **changes,
    }
    return {
        "event_id": str(uuid.uuid4()),
        "event_type": "ContractSigned",
        "schema_version": 1,
        "tenant_id": "t1",
        "aggregate_type": "contract",
        "aggregate_id": contract_id,
        "aggregate_version": 4,
        "occurred_at": "2026-12-04T08:00:00Z",
        "producer": "contract",
        "traceparent": "",
        "tracestate": "",
        "payload": canonical_payload("ContractSigned", payload),
    }


def test_contract_signed_makes_the_plan_once(worker, mongo_client, database_name):
    container, amqp = worker
    db = mongo_client[database_name]
    event = contract_signed()
    for expected in (True, False):  # at-least-once: the second delivery does nothing
        with entrypoint_waiter(container, "on_contract_signed") as waited:
            publish(amqp, "contract", event)
        assert waited.get() is expected
    contract_id = event["payload"]["contract_id"]
    assert wait_for(lambda: db.payment_plans.count_documents({"contract_id": contract_id}) == 1)
    receivables = list(db.receivables.find({"contract_id": contract_id}, sort=[("sequence", 1)]))
    assert [r["amount"]["amount"].to_decimal() for r in receivables] == [300000, 700000]
    assert [r["due_date"] for r in receivables] == ["2026-12-10", "2027-03-31"]
    assert [r["reference"] for r in receivables] == ["HT-2026-0042-1", "HT-2026-0042-2"]
    created = db.outbox.find_one({"event_type": "PaymentPlanCreated"})
    assert created["envelope"]["payload"]["source"] == "contract_signed"


def test_an_amendment_is_dead_lettered_and_changes_nothing(worker, mongo_client, database_name):
    container, amqp = worker
    event = contract_signed(is_amendment=True, document_version=2)
    with entrypoint_waiter(container, "on_contract_signed"):
        publish(amqp, "contract", event)
    (queue,) = event_queues(PaymentWorker)
    assert wait_for(lambda: len(dead_letters(amqp, queue)) == 1)
    assert mongo_client[database_name].payment_plans.count_documents({}) == 0
