"""The opportunity worker on the real RabbitMQ completes a conversion cut short between
the lead service's mark and our write (ADR 17): the lead's LeadConverted event carries
the ids, the pending attempt in our store has the plan; a redelivery does nothing."""

import uuid

import pytest
from crm_runtime.messaging.outbox import OutboxWriter
from crm_runtime.principal import Principal
from crm_runtime.storage.mongo import UnitOfWork
from crm_runtime.testing.fixtures import settings_for
from crm_runtime.testing.servers import worker_amqp_uri
from crm_runtime.testing.workers import publish, purge_worker, wait_for, worker_config
from nameko.testing.services import entrypoint_waiter
from opportunity.apps import OpportunityApps
from opportunity.conversion.domain.plan import LeadSnapshot
from opportunity.conversion.use_cases import ConversionRequest, LeadUnreachable, Unavailable
from opportunity.worker import OpportunityWorker

REP = Principal("t1", "rep-1", ("sales_rep",), "own")


class MarkedButUnheard:
    """The lead service as a crash sees it: the lead was qualified, the mark landed
    (its LeadConverted is on the broker), the answer never arrived."""

    def __init__(self) -> None:
        self.lead_id = str(uuid.uuid4())

    def get(self, principal: Principal, lead_id: str) -> LeadSnapshot:
        return LeadSnapshot(
            id=lead_id,
            status="qualified",
            name="李雷",
            source="web",
            owner_id="rep-1",
            company="宁波海曙科技有限公司",
        )

    def mark(self, principal: Principal, lead_id: str, **ids: str) -> LeadSnapshot:
        raise LeadUnreachable("connection reset after the mark")


@pytest.fixture
def worker(container_factory, mongo_uri, database_name):
    amqp = worker_amqp_uri()
    settings = settings_for("opportunity", "worker", mongo_uri, database_name, CRM_AMQP_URI=amqp)
    purge_worker(amqp, OpportunityWorker)
    with worker_config(settings):
        container = container_factory(OpportunityWorker)
        container.start()
        yield container, amqp
        container.stop()


def test_lead_converted_completes_the_pending_conversion_once(worker, mongo_client, database_name):
    container, amqp = worker
    db = mongo_client[database_name]
    leads = MarkedButUnheard()
    apps = OpportunityApps.build(
        UnitOfWork(mongo_client, database_name, OutboxWriter("opportunity")), leads
    )
    with pytest.raises(Unavailable):
        apps.conversions.convert(REP, ConversionRequest(leads.lead_id, "k-1"))
    plan = db.conversions.find_one({"idempotency_key": "k-1"})["plan"]
    assert db.accounts.count_documents({}) == 0
    event = {
        "event_id": str(uuid.uuid4()),
        "event_type": "LeadConverted",
        "schema_version": 1,
        "tenant_id": "t1",
        "aggregate_type": "lead",
        "aggregate_id": leads.lead_id,
        "aggregate_version": 5,
        "occurred_at": "2026-11-24T08:00:00Z",
        "producer": "lead",
        "traceparent": "",
        "tracestate": "",
        "payload": {
            "lead_id": leads.lead_id,
            "account_id": plan["account_id"],
            "contact_id": plan["contact_id"],
            "opportunity_id": plan["opportunity_id"],
        },
    }
    for expected in (True, False):  # at-least-once: the second delivery does nothing
        with entrypoint_waiter(container, "on_lead_converted") as waited:
            publish(amqp, "lead", event)
        assert waited.get() is expected
    assert wait_for(lambda: db.opportunities.count_documents({}) == 1)
    assert db.accounts.find_one({"_id": plan["account_id"]})["source_lead_id"] == leads.lead_id
    assert db.contacts.count_documents({"_id": plan["contact_id"]}) == 1
    assert db.conversions.find_one({"idempotency_key": "k-1"})["state"] == "completed"
    assert db.outbox.count_documents({"event_type": "OpportunityCreated"}) == 1
