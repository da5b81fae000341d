"""Capture: duplicate policies, scoring with reasons, rules and round-robin, the pool."""

from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest
from crm.lead.v1 import lead_pb2 as pb

from conftest import ADMIN, configure, create, md


def test_a_new_lead_is_scored_with_its_reasons(lead_stub):
    lead = create(lead_stub, phone="13800138000", email="a@b.cn", company="云图").lead
    assert 0 < lead.score <= 100
    assert sum(r.points for r in lead.score_reasons) == lead.score
    assert lead.score_band in ("hot", "warm", "cold")


def test_without_rules_a_lead_waits_in_the_pool_saying_why(lead_stub):
    lead = create(lead_stub).lead
    assert lead.owner_id == "" and lead.assignment_rule == "pool"
    assert "no assignment rule matched" in lead.assignment_reason


@pytest.mark.parametrize("spelling", ["+86 138-0013-8000", "13800138000", "0086 138 0013 8000"])
def test_reject_policy_refuses_a_duplicate_phone_in_any_spelling(lead_stub, spelling):
    configure(lead_stub, duplicate_policy="reject")
    create(lead_stub, phone="13800138000")
    with pytest.raises(grpc.RpcError) as err:
        create(lead_stub, name="Li Lei", phone=spelling)
    assert err.value.code() is grpc.StatusCode.ALREADY_EXISTS


def test_flag_policy_keeps_both_and_marks_the_newer(lead_stub):
    first = create(lead_stub, email="Li.Lei@Example.cn").lead
    reply = create(lead_stub, email="li.lei@example.cn")
    assert reply.outcome == "flagged"
    assert reply.lead.duplicate_of == first.id
    assert [m.lead_id for m in reply.duplicates] == [first.id]


def test_merge_policy_returns_the_survivor_keeping_both_histories(lead_stub):
    configure(lead_stub, duplicate_policy="merge")
    first = create(lead_stub, phone="13800138000").lead
    reply = create(lead_stub, phone="+8613800138000", email="new@example.cn")
    assert reply.outcome == "merged" and reply.lead.id == first.id
    assert reply.lead.email == "new@example.cn" and len(reply.lead.merged_ids) == 1
    merged = lead_stub.GetLead(pb.GetLeadRequest(id=reply.lead.merged_ids[0]), metadata=ADMIN).lead
    assert merged.merged_into == first.id


def test_another_tenants_lead_is_never_a_duplicate(lead_stub):
    configure(lead_stub, duplicate_policy="reject")
    create(lead_stub, phone="13800138000")
    other = create(lead_stub, metadata=md("admin", tenant="t2"), phone="13800138000")
    assert other.outcome == "created"


def test_rules_in_order_with_round_robin_and_the_reason_recorded(lead_stub):
    configure(
        lead_stub,
        reps=[
            {"id": "wei", "name": "李伟", "groups": ["east"]},
            {"id": "fang", "groups": ["east"]},
            {"id": "north-rep", "groups": ["north"]},
        ],
        rules=[
            {"name": "north", "group": "north", "regions": ["北京"]},
            {"name": "east", "group": "east"},
        ],
    )
    owners = [create(lead_stub, region="上海").lead for _ in range(4)]
    assert [lead.owner_id for lead in owners] == ["fang", "wei", "fang", "wei"]
    assert all(lead.status == pb.LEAD_STATUS_ASSIGNED for lead in owners)
    assert "round-robin" in owners[1].assignment_reason and owners[1].assignment_rule == "east"
    assert create(lead_stub, region="北京").lead.owner_id == "north-rep"


def test_away_reps_and_full_reps_are_skipped(lead_stub):
    configure(
        lead_stub,
        reps=[{"id": "away", "away": True}, {"id": "small", "capacity": 1}, {"id": "big"}],
        rules=[{"name": "all"}],
    )
    owners = [create(lead_stub).lead.owner_id for _ in range(4)]
    assert "away" not in owners
    assert owners.count("small") == 1


def test_parallel_capture_never_overfills_a_rep(lead_stub):
    configure(
        lead_stub,
        reps=[{"id": "a", "capacity": 3}, {"id": "b", "capacity": 3}],
        rules=[{"name": "all"}],
    )
    with ThreadPoolExecutor(max_workers=8) as pool:
        leads = list(pool.map(lambda i: create(lead_stub, name=f"lead {i}").lead, range(10)))
    owners = [lead.owner_id for lead in leads]
    assert owners.count("a") == 3 and owners.count("b") == 3 and owners.count("") == 4
    reps = {
        r.id: r.open_leads for r in lead_stub.ListReps(pb.ListRepsRequest(), metadata=ADMIN).reps
    }
    assert reps == {"a": 3, "b": 3}


def test_parallel_captures_of_one_phone_are_not_silently_doubled(lead_stub):
    configure(lead_stub, duplicate_policy="reject")

    def attempt(i):
        try:
            return create(lead_stub, name=f"同一人 {i}", phone="13900139000").outcome
        except grpc.RpcError as err:
            return err.code()

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(attempt, range(6)))
    assert results.count("created") == 1
    assert results.count(grpc.StatusCode.ALREADY_EXISTS) == 5


def test_bad_settings_name_the_setting(lead_stub):
    with pytest.raises(grpc.RpcError) as err:
        configure(lead_stub, duplicate_policy="shrug")
    assert err.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "duplicate_policy" in err.value.details()
