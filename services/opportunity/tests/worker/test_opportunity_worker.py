"""The opportunity worker's timer in a nameko container on the real broker: an overdue
deal is reminded and an idle account flagged, once each, however often the timer runs."""

from datetime import timedelta

import pytest
from crm_runtime.clock import utcnow
from crm_runtime.messaging.outbox import OutboxWriter
from crm_runtime.principal import Principal
from crm_runtime.storage.mongo import UnitOfWork
from crm_runtime.testing.fixtures import settings_for
from crm_runtime.testing.servers import worker_amqp_uri
from crm_runtime.testing.workers import wait_for, worker_config
from nameko.testing.services import entrypoint_hook
from opportunity.apps import OpportunityApps
from opportunity.domain.account import AccountDraft
from opportunity.domain.opportunity import OpportunityDraft
from opportunity.worker import OpportunityWorker

REP = Principal("t1", "rep-1", ("sales_rep",), "own")


@pytest.fixture
def worker(container_factory, mongo_uri, database_name):
    settings = settings_for(
        "opportunity", "worker", mongo_uri, database_name, CRM_AMQP_URI=worker_amqp_uri()
    )
    with worker_config(settings):
        container = container_factory(OpportunityWorker)
        container.start()
        yield container
        container.stop()


def test_the_timer_reminds_and_flags_once(worker, mongo_client, database_name):
    db = mongo_client[database_name]
    apps = OpportunityApps.build(
        UnitOfWork(mongo_client, database_name, OutboxWriter("opportunity"))
    )
    account = apps.accounts.create(REP, AccountDraft(name="沉睡科技有限公司"))
    opp = apps.deals.create(REP, OpportunityDraft(name="久未跟进", account_id=account.id))
    long_ago = utcnow() - timedelta(days=40)
    db.opportunities.update_one(
        {"_id": opp.id}, {"$set": {"last_activity_at": long_ago, "next_check_at": long_ago}}
    )
    db.accounts.update_one(
        {"_id": account.id}, {"$set": {"last_activity_at": long_ago, "next_check_at": long_ago}}
    )
    for _ in range(2):
        with entrypoint_hook(worker, "run_checks") as run_checks:
            run_checks()
    assert wait_for(
        lambda: db.outbox.count_documents({"event_type": "OpportunityCadenceOverdue"}) == 1
    )
    assert db.outbox.count_documents({"event_type": "AccountDormant"}) == 1
    assert db.accounts.find_one({"_id": account.id})["tier"] == "dormant"
    reminder = db.outbox.find_one({"event_type": "OpportunityCadenceOverdue"})["envelope"][
        "payload"
    ]
    assert (reminder["opportunity_id"], reminder["owner_id"]) == (opp.id, "rep-1")
