"""The indexes lists run on, and the timed checks across worker replicas (follow-ups, the
lifecycle and lists themselves: tests/unit/test_lead_activity.py)."""

from datetime import UTC, datetime, timedelta

import pytest
from crm.lead.v1 import lead_pb2 as pb
from crm_runtime.messaging.outbox import OutboxWriter
from crm_runtime.principal import Principal
from crm_runtime.storage.mongo import UnitOfWork
from google.protobuf.timestamp_pb2 import Timestamp
from lead.checks import LeadChecks
from lead.listing import LeadQuery
from lead.mongo_storage import MongoLeadStorage
from lead.store import NEWEST, index_for

from conftest import ADMIN, create, owned


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"owner_ids": ["rep-a"]},
        {"statuses": ["new"]},
        {"sources": ["web"]},
        {"score_bands": ["hot"]},
        {"tags": ["展会"]},
        {"text": "云图"},
    ],
)
def test_every_list_query_is_served_by_an_index(lead_stub, mongo_client, database_name, filters):
    create(lead_stub)
    query = LeadQuery.parse(50, "", **filters).mongo(Principal("t1", "u", scope="all"))
    cursor = mongo_client[database_name].leads.find({"tenant_id": "t1", **query})
    plan = cursor.sort(NEWEST.spec).hint(index_for(query)).explain()["queryPlanner"]["winningPlan"]
    assert "IXSCAN" in str(plan) and "COLLSCAN" not in str(plan)


def test_sla_warnings_then_recycling_happen_once_across_replicas(
    lead_stub, mongo_client, database_name
):
    lead = owned(lead_stub)
    uow = MongoLeadStorage(UnitOfWork(mongo_client, database_name, OutboxWriter("lead")))
    start = datetime.now(UTC)
    replicas = [LeadChecks(uow, clock=lambda: start + timedelta(hours=25)) for _ in range(2)]
    assert sum(r.run() for r in replicas) == 1  # the owner is warned once
    outbox = mongo_client[database_name].outbox
    assert outbox.count_documents({"event_type": "LeadSlaBreached"}) == 1
    later = [LeadChecks(uow, clock=lambda: start + timedelta(days=31)) for _ in range(2)]
    for replica in later:
        replica.run()
    got = lead_stub.GetLead(pb.GetLeadRequest(id=lead.id), metadata=ADMIN).lead
    assert got.owner_id == "" and got.assignment_rule == "pool"
    assert outbox.count_documents({"event_type": "LeadRecycled"}) == 1
    assert outbox.count_documents({"event_type": "LeadSlaBreached"}) == 2  # manager escalation too


def _ts(moment):
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp
