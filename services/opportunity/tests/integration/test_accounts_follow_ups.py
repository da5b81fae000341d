"""Follow-ups on deals and accounts, and the worker's checks (cadence reminders, dormant
accounts) run by two "replicas" at once on the embedded MongoDB: each fact once."""

from datetime import UTC, datetime, timedelta

from accounts_follow_ups_calls import REP, log
from crm.opportunity.v1 import opportunity_pb2 as pb
from crm_runtime.messaging.outbox import OutboxWriter
from crm_runtime.storage.mongo import UnitOfWork
from opportunity.checks import OpportunityChecks
from opportunity.mongo_storage import MongoOpportunityStorage
from opportunity_grpc_support import account, contact, deal

pytest_plugins = ["opportunity_grpc_support"]


def test_follow_ups_restart_the_cadence_and_are_listed_newest_first(
    stub, mongo_client, database_name
):
    acme = account(stub, REP)
    kdm = contact(stub, acme.id, REP)
    opp = deal(stub, acme.id, REP)
    first = log(stub, opportunity_id=opp.id, contact_id=kdm.id, next_step="发方案")
    second = log(stub, account_id=acme.id, kind=pb.FOLLOW_UP_KIND_VISIT)
    assert first.account_id == acme.id and first.opportunity_id == opp.id
    got = stub.GetOpportunity(pb.GetOpportunityRequest(id=opp.id), metadata=REP).opportunity
    assert got.next_step == "发方案" and got.last_activity_at == first.at
    assert got.next_follow_up_due_at.ToDatetime() - first.at.ToDatetime() == timedelta(days=2)
    on_account = stub.ListFollowUps(
        pb.ListFollowUpsRequest(account_id=acme.id), metadata=REP
    ).follow_ups
    assert [f.id for f in on_account] == [second.id, first.id]
    on_deal = stub.ListFollowUps(
        pb.ListFollowUpsRequest(opportunity_id=opp.id), metadata=REP
    ).follow_ups
    assert [f.id for f in on_deal] == [first.id]
    logged = mongo_client[database_name].outbox.count_documents(
        {"event_type": "AccountFollowUpLogged"}
    )
    assert logged == 2


def _replicas(mongo_client, database_name, at):
    uow = UnitOfWork(mongo_client, database_name, OutboxWriter("opportunity"))
    return [OpportunityChecks(MongoOpportunityStorage(uow), clock=lambda: at) for _ in range(2)]


def test_cadence_reminders_are_raised_once_across_replicas(stub, mongo_client, database_name):
    acme = account(stub, REP)
    opp = deal(stub, acme.id, REP)
    start = datetime.now(UTC)
    assert (
        sum(r.run() for r in _replicas(mongo_client, database_name, start + timedelta(days=1))) == 0
    )
    assert (
        sum(
            r.run()
            for r in _replicas(mongo_client, database_name, start + timedelta(days=2, hours=1))
        )
        == 1
    )
    outbox = mongo_client[database_name].outbox
    [reminder] = outbox.find({"event_type": "OpportunityCadenceOverdue"})
    assert reminder["envelope"]["payload"]["owner_id"] == "rep-1"
    assert reminder["envelope"]["aggregate_id"] == opp.id
    for replica in _replicas(mongo_client, database_name, start + timedelta(days=3)):
        replica.run()
    assert outbox.count_documents({"event_type": "OpportunityCadenceOverdue"}) == 1
    stub.MarkLost(pb.MarkLostRequest(id=opp.id, loss_reason="budget"), metadata=REP)
    for replica in _replicas(mongo_client, database_name, start + timedelta(days=30)):
        replica.run()
    assert (
        outbox.count_documents({"event_type": "OpportunityCadenceOverdue"}) == 1
    )  # closed: no more


def test_an_idle_account_is_flagged_dormant_once_and_a_follow_up_wakes_it(
    stub, mongo_client, database_name
):
    acme = account(stub, REP, tier=pb.ACCOUNT_TIER_HIGH)
    start = datetime.now(UTC)
    replicas = _replicas(mongo_client, database_name, start + timedelta(days=31))
    assert sum(r.run() for r in replicas) == 1
    assert sum(r.run() for r in replicas) == 0
    got = stub.GetAccount(pb.GetAccountRequest(id=acme.id), metadata=REP).account
    assert got.tier == pb.ACCOUNT_TIER_DORMANT and "no activity for 30 days" in got.tier_reason
    outbox = mongo_client[database_name].outbox
    assert outbox.count_documents({"event_type": "AccountDormant"}) == 1
    log(stub, account_id=acme.id)
    awake = stub.GetAccount(pb.GetAccountRequest(id=acme.id), metadata=REP).account
    assert awake.tier == pb.ACCOUNT_TIER_HIGH and awake.tier_reason == "activity resumed"
