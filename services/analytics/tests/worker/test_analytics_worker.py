"""The analytics worker on the real RabbitMQ."""

import pytest
from analytics.worker import AnalyticsWorker
from analytics_events import created, lead_event, matched, moved, plan
from crm_runtime.testing.fixtures import settings_for
from crm_runtime.testing.servers import worker_amqp_uri
from crm_runtime.testing.workers import (
    lead_created,
    publish,
    purge_worker,
    wait_for,
    worker_config,
)
from nameko.testing.services import entrypoint_waiter
from prometheus_client import REGISTRY


@pytest.fixture
def worker(container_factory, mongo_uri, database_name):
    amqp = worker_amqp_uri()
    settings = settings_for("analytics", "worker", mongo_uri, database_name, CRM_AMQP_URI=amqp)
    purge_worker(amqp, AnalyticsWorker)
    with worker_config(settings):
        container = container_factory(AnalyticsWorker)
        container.start()
        yield container, amqp
        container.stop()  # while nameko's config still holds the settings


def test_each_lead_is_counted_once_by_day_and_source(worker, mongo_client, database_name):
    container, amqp = worker
    first, second = lead_created(), lead_created()
    for event in (first, second, first):
        with entrypoint_waiter(container, "on_lead_created"):
            publish(amqp, "lead", event)
    counts = mongo_client[database_name].lead_counts
    assert wait_for(lambda: next(counts.find(), {}).get("count") == 2)
    lag = {"service": "analytics", "event_type": "LeadCreated"}
    assert REGISTRY.get_sample_value("crm_analytics_lag_seconds_count", lag) >= 2  # once each
    [row] = counts.find()
    assert (row["tenant_id"], row["day"], row["source"], row["count"]) == (
        "t1",
        "2026-11-24",
        "web",
        2,
    )


def test_opportunity_events_are_logged_and_folded_once(worker, mongo_client, database_name):
    container, amqp = worker
    steps = [
        ("on_opportunity_created", created("w1", amount="1000.5")),
        ("on_opportunity_stage_changed", moved("w1", "initial", "needs", dwell_days=1, version=2)),
    ]
    for method, event in [*steps, steps[0]]:  # the creation redelivered
        with entrypoint_waiter(container, method):
            publish(amqp, "opportunity", event)
    db = mongo_client[database_name]
    assert wait_for(lambda: db.event_log.count_documents({}) == 2)
    [deal] = db.deal_facts.find()
    assert (deal["tenant_id"], deal["stage"], deal["entered"]) == (
        "t1",
        "needs",
        ["initial", "needs"],
    )
    assert str(deal["amount"]) == "100000" and deal["dwells"][0]["seconds"] == 86400


def test_lead_events_make_lead_facts(worker, mongo_client, database_name):
    container, amqp = worker
    follow_up = {"follow_up_id": "f1", "kind": "call", "owner_id": "rep-1"}
    assigned = {"owner_id": "rep-1", "team_id": "team-a"}
    for method, event in [
        ("on_lead_follow_up_logged", lead_event("LeadFollowUpLogged", "l1", follow_up, version=3)),
        ("on_lead_assigned", lead_event("LeadAssigned", "l1", assigned, version=2)),
    ]:
        with entrypoint_waiter(container, method):
            publish(amqp, "lead", event)
    [lead] = mongo_client[database_name].lead_facts.find()
    assert (lead["owner_id"], lead["team_id"], lead["follow_ups"][0]["kind"]) == (
        "rep-1",
        "team-a",
        "call",
    )


def test_payment_events_make_receivables(worker, mongo_client, database_name):
    container, amqp = worker
    for method, event in [
        ("on_receipt_matched", matched("rc1", [("a1", "r1", "40.5")])),
        ("on_payment_plan_created", plan("p1", [("r1", "100", "2026-11-01")])),
    ]:
        with entrypoint_waiter(container, method):
            publish(amqp, "payment", event)
    [r] = mongo_client[database_name].receivable_facts.find()
    assert (r["owner_id"], r["due_on"], str(r["amount"])) == ("rep-1", "2026-11-01", "100")
    assert str(r["allocations"][0]["amount"]) == "40.5"
