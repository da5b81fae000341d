"""Follow-ups, the lifecycle, lists with filters and scopes (the timed checks and the
indexes lists run on: tests/integration/test_lead_list_indexes_and_checks.py)."""

import grpc
import pytest
from crm.common.v1 import common_pb2
from crm.lead.v1 import lead_pb2 as pb

from conftest import ADMIN, create, md, owned

REP = md("rep-a", scope="own")


def _log(stub, lead_id, notes="电话沟通需求", metadata=REP):
    return stub.LogFollowUp(
        pb.LogFollowUpRequest(lead_id=lead_id, kind=pb.FOLLOW_UP_KIND_CALL, notes=notes),
        metadata=metadata,
    ).follow_up


def test_follow_ups_list_newest_first_in_pages(lead_stub):
    lead = owned(lead_stub)
    for i in range(5):
        _log(lead_stub, lead.id, notes=f"第{i}次")
    seen, cursor = [], ""
    while True:
        reply = lead_stub.ListFollowUps(
            pb.ListFollowUpsRequest(
                lead_id=lead.id, page=common_pb2.PageRequest(limit=2, cursor=cursor)
            ),
            metadata=REP,
        )
        seen += [f.notes for f in reply.follow_ups]
        if not (cursor := reply.page.next_cursor):
            break
    assert seen == [f"第{i}次" for i in reversed(range(5))]
    got = lead_stub.GetLead(pb.GetLeadRequest(id=lead.id), metadata=REP).lead
    assert got.status == pb.LEAD_STATUS_CONTACTED and got.last_follow_up_at.seconds > 0
    assert any(r.rule.startswith("engagement") or "follow" in r.rule for r in got.score_reasons)


def test_lifecycle_rejects_illegal_moves_and_needs_a_reason_to_disqualify(lead_stub):
    lead = owned(lead_stub)
    change = lambda status, reason="": lead_stub.ChangeLeadStatus(  # noqa: E731
        pb.ChangeLeadStatusRequest(id=lead.id, status=status, reason=reason), metadata=REP
    )
    with pytest.raises(grpc.RpcError) as err:
        change(pb.LEAD_STATUS_CONVERTED)
    assert err.value.code() is grpc.StatusCode.FAILED_PRECONDITION
    with pytest.raises(grpc.RpcError) as err:
        change(pb.LEAD_STATUS_DISQUALIFIED)
    assert err.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert change(pb.LEAD_STATUS_DISQUALIFIED, "无采购计划").lead.disqualify_reason == "无采购计划"


def test_a_stale_version_is_a_conflict(lead_stub):
    lead = owned(lead_stub)
    _log(lead_stub, lead.id)
    with pytest.raises(grpc.RpcError) as err:
        lead_stub.ChangeLeadStatus(
            pb.ChangeLeadStatusRequest(
                id=lead.id, status=pb.LEAD_STATUS_QUALIFIED, expected_version=lead.version
            ),
            metadata=REP,
        )
    assert err.value.code() is grpc.StatusCode.ABORTED


def _list(stub, metadata=ADMIN, limit=50, cursor="", **filters):
    return stub.ListLeads(
        pb.ListLeadsRequest(
            filter=pb.LeadFilter(**filters), page=common_pb2.PageRequest(limit=limit, cursor=cursor)
        ),
        metadata=metadata,
    )


def test_lists_filter_search_and_respect_the_data_scope(lead_stub):
    mine = owned(
        lead_stub, name="张伟", company="上海云图科技", phone="13800138000", source="wechat"
    )
    create(lead_stub, name="王芳", company="杭州数澜", source="web", tags=["展会"])
    assert {x.id for x in _list(lead_stub, metadata=REP).leads} == {mine.id}
    assert len(_list(lead_stub).leads) == 2
    assert [x.name for x in _list(lead_stub, sources=["web"]).leads] == ["王芳"]
    assert [x.name for x in _list(lead_stub, tags=["展会"]).leads] == ["王芳"]
    assert [x.name for x in _list(lead_stub, text="云图").leads] == ["张伟"]
    assert [x.name for x in _list(lead_stub, text="8000").leads] == ["张伟"]
    assert [x.name for x in _list(lead_stub, statuses=[pb.LEAD_STATUS_ASSIGNED]).leads] == ["张伟"]
    assert _list(lead_stub, metadata=md("admin", tenant="t2")).leads == []
    with pytest.raises(grpc.RpcError) as err:
        _list(lead_stub, sources=["fax"])
    assert err.value.code() is grpc.StatusCode.INVALID_ARGUMENT


def test_pages_cover_every_lead_once(lead_stub):
    for i in range(7):
        create(lead_stub, name=f"lead {i}")
    seen, cursor = [], ""
    while True:
        reply = _list(lead_stub, limit=3, cursor=cursor)
        seen += [x.name for x in reply.leads]
        if not (cursor := reply.page.next_cursor):
            break
    assert seen == [f"lead {i}" for i in reversed(range(7))]
