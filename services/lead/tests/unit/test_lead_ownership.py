"""The public pool and ownership: atomic claims, cool-down, manual assignment, masking."""

import threading

import grpc
import pytest
from crm.lead.v1 import lead_pb2 as pb

from conftest import ADMIN, configure, create, md

REP_A, REP_B = md("rep-a", scope="own"), md("rep-b", scope="own")


def _claim(stub, lead_id, metadata):
    return stub.ClaimLead(pb.ClaimLeadRequest(id=lead_id), metadata=metadata).lead


def test_two_reps_claiming_one_lead_exactly_one_wins(lead_stub):
    configure(lead_stub, reps=[{"id": "rep-a"}, {"id": "rep-b"}])
    lead = create(lead_stub).lead
    barrier, results = threading.Barrier(2), {}

    def claim(name, metadata):
        barrier.wait()
        try:
            results[name] = _claim(lead_stub, lead.id, metadata).owner_id
        except grpc.RpcError as err:
            results[name] = err.code()

    threads = [threading.Thread(target=claim, args=(n, m)) for n, m in (("a", REP_A), ("b", REP_B))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [v for v in results.values() if isinstance(v, str)]
    losers = [v for v in results.values() if not isinstance(v, str)]
    assert len(winners) == 1 and winners[0] in ("rep-a", "rep-b")
    assert losers[0] in (grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.ABORTED)  # both 409


def test_a_released_lead_returns_to_the_pool_with_a_cool_down(lead_stub):
    configure(lead_stub, reps=[{"id": "rep-a"}, {"id": "rep-b"}])
    lead = create(lead_stub).lead
    _claim(lead_stub, lead.id, REP_A)
    released = lead_stub.ReleaseLeadToPool(
        pb.ReleaseLeadToPoolRequest(id=lead.id, reason="客户暂无预算"), metadata=REP_A
    ).lead
    assert released.owner_id == ""
    with pytest.raises(grpc.RpcError) as err:
        _claim(lead_stub, lead.id, REP_A)
    assert err.value.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert "claim it again" in err.value.details()
    assert _claim(lead_stub, lead.id, REP_B).owner_id == "rep-b"


def test_the_claim_limit_is_enforced(lead_stub):
    configure(lead_stub, reps=[{"id": "rep-a"}], claim_limit=2)
    leads = [create(lead_stub, name=f"n{i}").lead for i in range(3)]
    for lead in leads[:2]:
        _claim(lead_stub, lead.id, REP_A)
    with pytest.raises(grpc.RpcError) as err:
        _claim(lead_stub, leads[2].id, REP_A)
    assert "claim limit" in err.value.details()


def test_pool_contacts_are_masked_until_claimed(lead_stub):
    create(lead_stub, phone="13800138000", email="zhang.wei@example.cn")
    [shown] = lead_stub.ListPool(pb.ListPoolRequest(), metadata=REP_A).leads
    assert shown.phone != "+8613800138000" and "*" in shown.phone
    assert "*" in shown.email


def test_managers_assign_by_hand_and_the_reason_is_kept(lead_stub):
    configure(lead_stub, reps=[{"id": "rep-a"}, {"id": "rep-b", "away": True}])
    lead = create(lead_stub).lead
    assigned = lead_stub.AssignLead(
        pb.AssignLeadRequest(id=lead.id, owner_id="rep-a", reason="熟悉该行业"), metadata=ADMIN
    ).lead
    assert (assigned.owner_id, assigned.assignment_rule) == ("rep-a", "manual")
    assert "熟悉该行业" in assigned.assignment_reason
    with pytest.raises(grpc.RpcError) as err:
        lead_stub.AssignLead(pb.AssignLeadRequest(id=lead.id, owner_id="rep-b"), metadata=ADMIN)
    assert err.value.code() is grpc.StatusCode.FAILED_PRECONDITION


def test_another_tenant_can_neither_claim_nor_assign(lead_stub):
    lead = create(lead_stub).lead
    other = md("intruder", tenant="t2")
    for call in (
        lambda: _claim(lead_stub, lead.id, other),
        lambda: lead_stub.AssignLead(
            pb.AssignLeadRequest(id=lead.id, owner_id="intruder"), metadata=other
        ),
        lambda: lead_stub.GetLead(pb.GetLeadRequest(id=lead.id), metadata=other),
    ):
        with pytest.raises(grpc.RpcError) as err:
            call()
        assert err.value.code() is grpc.StatusCode.NOT_FOUND
