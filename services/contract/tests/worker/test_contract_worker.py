"""The contract worker's timer in a nameko container on the real broker: an active
contract past its end date expires once, however often the timer runs."""

from datetime import timedelta

import pytest
from contract.apps import ContractApps
from contract.contracts.domain.contract import Signatory
from contract.contracts.use_cases import DraftRequest
from contract.worker import ContractWorker
from contract_fakes import LEGAL, LINES, REP, SALES, FakeOpportunities
from crm_runtime.clock import utcnow
from crm_runtime.messaging.outbox import OutboxWriter
from crm_runtime.storage.mongo import UnitOfWork
from crm_runtime.testing.fixtures import settings_for
from crm_runtime.testing.servers import worker_amqp_uri
from crm_runtime.testing.workers import wait_for, worker_config
from nameko.testing.services import entrypoint_hook


@pytest.fixture
def worker(container_factory, mongo_uri, database_name):
    settings = settings_for(
        "contract", "worker", mongo_uri, database_name, CRM_AMQP_URI=worker_amqp_uri()
    )
    with worker_config(settings):
        container = container_factory(ContractWorker)
        container.start()
        yield container
        container.stop()


def test_the_timer_expires_an_ended_contract_once(worker, mongo_client, database_name):
    db = mongo_client[database_name]
    apps = ContractApps.build(
        UnitOfWork(mongo_client, database_name, OutboxWriter("contract")),
        FakeOpportunities.won_deal(),
    )
    template = apps.templates.create(LEGAL, SALES)
    today = (utcnow() + timedelta(hours=8)).date()
    ended = today - timedelta(days=3)
    c = apps.contracts.draft(
        REP,
        DraftRequest(
            template.id,
            account_id="acc-1",
            lines=LINES,
            start_date=ended - timedelta(days=30),
            end_date=ended,
        ),
    )
    c = apps.contracts.submit(REP, c.id, 1)
    c = apps.contracts.decide(LEGAL, c.id, "", True, "")
    c = apps.contracts.send_for_signature(REP, c.id, 0)
    both = (Signatory("customer", "王芳"), Signatory("supplier", "李雷"))
    apps.contracts.sign(REP, c.id, both, ended - timedelta(days=31), "ab" * 32, 0)
    for _ in range(2):
        with entrypoint_hook(worker, "run_checks") as run_checks:
            run_checks()
    assert wait_for(lambda: db.outbox.count_documents({"event_type": "ContractExpired"}) == 1)
    assert db.contracts.find_one({"_id": c.id})["status"] == "expired"
    payload = db.outbox.find_one({"event_type": "ContractExpired"})["envelope"]["payload"]
    assert (payload["contract_id"], payload["end_date"]) == (c.id, ended.isoformat())
