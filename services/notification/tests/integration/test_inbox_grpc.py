"""Inbox: events handled once, pages newest first, scoped to the recipient and tenant."""

import pytest
from crm.common.v1 import common_pb2
from crm.notification.v1 import notification_pb2 as pb
from crm.notification.v1 import notification_pb2_grpc
from crm_runtime.principal import Principal
from crm_runtime.testing.fixtures import settings_for
from crm_runtime.testing.inprocess import grpc_channel
from crm_runtime.wiring import build
from notification.apps import app_builder
from notification.grpc_api import register
from notification.indexes import ensure_indexes

REP = Principal("t1", "rep-1")


def _event(i, tenant="t1", owner="rep-1"):
    return {
        "event_id": f"e{i}",
        "tenant_id": tenant,
        "event_type": "LeadCreated",
        "payload": {
            "lead_id": f"l{i}",
            "name": f"lead {i}",
            "company": "",
            "source": "web",
            "owner_id": owner,
            "created_by": "admin",
        },
    }


@pytest.fixture
def app_and_stub(mongo_client, mongo_uri, database_name):
    settings = settings_for(
        "notification", "api", mongo_uri, database_name, CRM_GRPC_HOST="127.0.0.1"
    )
    app = build(settings, mongo_client, ensure_indexes, app_builder(settings))
    with grpc_channel(settings, register(app)) as channel:
        yield app.inbox, notification_pb2_grpc.NotificationServiceStub(channel)


def _list(stub, principal=REP, limit=0, cursor="", unread_only=False):
    return stub.ListNotifications(
        pb.ListNotificationsRequest(
            unread_only=unread_only, page=common_pb2.PageRequest(limit=limit, cursor=cursor)
        ),
        metadata=principal.to_metadata(),
    )


def test_a_redelivered_event_makes_one_item(app_and_stub):
    app, stub = app_and_stub
    assert app.on_event(_event(1)) is True
    assert app.on_event(_event(1)) is False
    reply = _list(stub)
    assert [n.subject_id for n in reply.notifications] == ["l1"]
    assert reply.unread_count == 1


def test_pages_are_newest_first_and_complete(app_and_stub):
    app, stub = app_and_stub
    for i in range(5):
        app.on_event(_event(i))
    seen, cursor = [], ""
    while True:
        reply = _list(stub, limit=2, cursor=cursor)
        seen += [n.subject_id for n in reply.notifications]
        cursor = reply.page.next_cursor
        if not cursor:
            break
    assert seen == ["l4", "l3", "l2", "l1", "l0"]


def test_only_the_recipient_of_the_same_tenant_sees_it(app_and_stub):
    app, stub = app_and_stub
    app.on_event(_event(1))
    app.on_event(_event(2, tenant="t2"))
    assert [n.subject_id for n in _list(stub).notifications] == ["l1"]
    assert _list(stub, principal=Principal("t1", "rep-2")).notifications == []
    assert [
        n.subject_id for n in _list(stub, principal=Principal("t2", "rep-1")).notifications
    ] == ["l2"]


def test_mark_read(app_and_stub):
    app, stub = app_and_stub
    app.on_event(_event(1))
    [item] = _list(stub).notifications
    other = Principal("t1", "rep-2").to_metadata()
    assert (
        stub.MarkNotificationsRead(
            pb.MarkNotificationsReadRequest(ids=[item.id]), metadata=other
        ).updated
        == 0
    )
    md = REP.to_metadata()
    assert (
        stub.MarkNotificationsRead(
            pb.MarkNotificationsReadRequest(ids=[item.id]), metadata=md
        ).updated
        == 1
    )
    assert _list(stub, unread_only=True).notifications == []
