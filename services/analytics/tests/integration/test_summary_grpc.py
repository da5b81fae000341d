"""Lead summary: counted once per event, per tenant, inclusive day ranges."""

from datetime import date

import pytest
from analytics.apps import build as build_app
from analytics.grpc_api import register
from analytics.store import ensure_indexes
from crm.analytics.v1 import analytics_pb2 as pb
from crm.analytics.v1 import analytics_pb2_grpc
from crm_runtime.principal import Principal
from crm_runtime.testing.fixtures import settings_for
from crm_runtime.testing.inprocess import grpc_channel
from crm_runtime.wiring import build


def _event(i, day, source, tenant="t1"):
    return {
        "event_id": f"e{i}",
        "tenant_id": tenant,
        "event_type": "LeadCreated",
        "occurred_at": f"{day}T10:00:00Z",
        "payload": {"lead_id": f"l{i}", "source": source},
    }


@pytest.fixture
def app_and_stub(mongo_client, mongo_uri, database_name):
    settings = settings_for("analytics", "api", mongo_uri, database_name, CRM_GRPC_HOST="127.0.0.1")
    app = build(settings, mongo_client, ensure_indexes, build_app)
    app.today = lambda: date(2026, 11, 24)
    with grpc_channel(settings, register(app)) as channel:
        yield app, analytics_pb2_grpc.AnalyticsServiceStub(channel)


def _summary(stub, tenant="t1", **days):
    return stub.GetLeadSummary(
        pb.GetLeadSummaryRequest(days=pb.DayRange(**days)),
        metadata=Principal(tenant, "u").to_metadata(),
    )


def test_counts_by_day_and_source_once_per_event(app_and_stub):
    app, stub = app_and_stub
    events = [
        _event(1, "2026-11-20", "web"),
        _event(2, "2026-11-20", "web"),
        _event(3, "2026-11-24", "wechat"),
        _event(4, "2026-11-24", "web", tenant="t2"),
    ]
    for e in events:
        app.on_event(e)
    app.on_event(events[0])  # redelivered
    reply = _summary(stub)
    assert [(c.day, c.source, c.count) for c in reply.counts] == [
        ("2026-11-20", "web", 2),
        ("2026-11-24", "wechat", 1),
    ]
    assert reply.total == 3


def test_both_ends_of_a_range_are_included(app_and_stub):
    app, stub = app_and_stub
    for i, day in enumerate(["2026-11-19", "2026-11-20", "2026-11-22", "2026-11-23"]):
        app.on_event(_event(i, day, "web"))
    reply = _summary(stub, from_day="2026-11-20", to_day="2026-11-22")
    assert [c.day for c in reply.counts] == ["2026-11-20", "2026-11-22"]
