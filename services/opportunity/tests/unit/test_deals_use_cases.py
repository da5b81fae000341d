"""Opportunities through OpportunityService: the default
pipeline, gates and skips, approvals, won / lost / reopen, history, concurrency.

On the in-memory storage (the unit suite); what reads stored documents or the
outbox stays in integration/test_deals_grpc.py."""

import grpc
import pytest
from crm.opportunity.v1 import opportunity_pb2 as pb
from crm_runtime.rpc.errors import field_violations
from deals_calls import DOC, REP, at_solution, fails
from opportunity_fake_support import ADMIN, DIRECTOR, account, cny, deal, md, move

pytest_plugins = ["opportunity_fake_support", "deals_calls"]


@pytest.fixture
def opportunity_stub(fake_opportunity_stub):
    return fake_opportunity_stub


OTHER_REP = md("rep-2", scope="own")
OTHER_TENANT = md("admin", tenant="t2", roles=("admin",))


def test_skipping_a_stage_that_forbids_it_is_refused(stub, ready):
    _, _, opp = ready
    error = fails(lambda: move(stub, opp.id, "solution", REP), grpc.StatusCode.INVALID_ARGUMENT)
    [violation] = field_violations(error)
    assert violation.field == "to_stage" and "needs_confirmed" in violation.description
    fails(lambda: move(stub, opp.id, "won", REP), grpc.StatusCode.INVALID_ARGUMENT)
    fails(lambda: move(stub, opp.id, "initial_contact", REP), grpc.StatusCode.FAILED_PRECONDITION)


def test_a_rejection_needs_a_reason_and_leaves_the_deal_where_it_was(stub):
    opp = at_solution(stub, 600_000)
    waiting = move(stub, opp.id, "quote_negotiation", REP, artefacts=[DOC])
    no_reason = pb.DecideApprovalRequest(
        approval_id=waiting.approval_id, decision=pb.DECISION_REJECT
    )
    error = fails(
        lambda: stub.DecideApproval(no_reason, metadata=DIRECTOR), grpc.StatusCode.INVALID_ARGUMENT
    )
    assert {v.field for v in field_violations(error)} == {"reason"}
    rejected = stub.DecideApproval(
        pb.DecideApprovalRequest(
            approval_id=waiting.approval_id, decision=pb.DECISION_REJECT, reason="折扣过高"
        ),
        metadata=DIRECTOR,
    )
    assert (
        rejected.approval.status == pb.APPROVAL_STATUS_REJECTED
        and rejected.approval.reason == "折扣过高"
    )
    assert rejected.opportunity.stage == "solution" and not rejected.opportunity.pending_approval_id


def test_won_lost_and_reopen_are_recorded(stub, ready):
    _, _, opp = ready
    error = fails(
        lambda: stub.MarkWon(pb.MarkWonRequest(id=opp.id), metadata=REP),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert {v.field for v in field_violations(error)} == {"closed_date", "amount"}
    won = stub.MarkWon(
        pb.MarkWonRequest(id=opp.id, closed_date="2026-01-15", amount=cny(118_000, 500_000_000)),
        metadata=REP,
    ).opportunity
    assert (won.status, won.stage, won.probability, won.closed_date) == (
        pb.OPPORTUNITY_STATUS_WON,
        "won",
        100,
        "2026-01-15",
    )
    assert won.amount == cny(118_000, 500_000_000) and won.closed_from_stage == "initial_contact"
    fails(lambda: move(stub, opp.id, "needs_confirmed", REP), grpc.StatusCode.FAILED_PRECONDITION)
    reopened = stub.ReopenOpportunity(
        pb.ReopenOpportunityRequest(id=opp.id, reason="客户追加需求"), metadata=REP
    ).opportunity
    assert (reopened.status, reopened.stage, reopened.closed_date) == (
        pb.OPPORTUNITY_STATUS_OPEN,
        "initial_contact",
        "",
    )
    no_reason = pb.MarkLostRequest(id=opp.id)
    assert {
        v.field
        for v in field_violations(
            fails(lambda: stub.MarkLost(no_reason, metadata=REP), grpc.StatusCode.INVALID_ARGUMENT)
        )
    } == {"loss_reason"}
    lost = stub.MarkLost(
        pb.MarkLostRequest(id=opp.id, loss_reason="price", competitor="某友商"), metadata=REP
    ).opportunity
    assert (lost.status, lost.loss_reason, lost.competitor) == (
        pb.OPPORTUNITY_STATUS_LOST,
        "price",
        "某友商",
    )
    history = stub.GetStageHistory(
        pb.GetStageHistoryRequest(opportunity_id=opp.id, page={"limit": 2}), metadata=REP
    )
    rest = stub.GetStageHistory(
        pb.GetStageHistoryRequest(opportunity_id=opp.id, page={"cursor": history.page.next_cursor}),
        metadata=REP,
    )
    steps = [(c.from_stage, c.to_stage) for c in [*history.changes, *rest.changes]]
    assert steps == [
        ("", "initial_contact"),
        ("initial_contact", "won"),
        ("won", "initial_contact"),
        ("initial_contact", "lost"),
    ]
    assert [c.note for c in rest.changes] == ["客户追加需求", "price"]


def test_other_reps_and_tenants_cannot_see_or_touch_the_deal(stub, ready):
    _, _, opp = ready
    for metadata in (OTHER_REP, OTHER_TENANT):
        fails(
            lambda m=metadata: stub.GetOpportunity(pb.GetOpportunityRequest(id=opp.id), metadata=m),
            grpc.StatusCode.NOT_FOUND,
        )
        fails(
            lambda m=metadata: move(stub, opp.id, "needs_confirmed", m), grpc.StatusCode.NOT_FOUND
        )
        assert (
            list(
                stub.ListOpportunities(
                    pb.ListOpportunitiesRequest(), metadata=metadata
                ).opportunities
            )
            == []
        )
    acme = account(stub, OTHER_TENANT, name="乙方客户")
    error = fails(lambda: deal(stub, acme.id, REP), grpc.StatusCode.INVALID_ARGUMENT)
    assert {v.field for v in field_violations(error)} == {"account_id"}


def test_pipelines_are_versioned_and_deals_keep_theirs(stub, ready):
    _, _, opp = ready
    current = stub.GetPipeline(pb.GetPipelineRequest(id=opp.pipeline_id), metadata=ADMIN).pipeline
    stages = [pb.Stage.FromString(s.SerializeToString()) for s in current.stages]
    stages[1].allow_skip = True
    del stages[2].required_fields[:]
    changed = stub.UpdatePipeline(
        pb.UpdatePipelineRequest(
            id=current.id,
            expected_version=current.version,
            pipeline=pb.PipelineInput(
                name=current.name, is_default=True, active=True, stages=stages
            ),
        ),
        metadata=ADMIN,
    ).pipeline
    assert changed.version == current.version + 1
    fails(
        lambda: move(stub, opp.id, "solution", REP), grpc.StatusCode.INVALID_ARGUMENT
    )  # still v1 rules
    acme = account(stub, REP, name="新客户")
    newer = deal(stub, acme.id, REP, expected_close_date="2030-01-01")
    assert newer.pipeline_version == changed.version
    assert move(stub, newer.id, "solution", REP).opportunity.stage == "solution"
    old = stub.GetPipeline(
        pb.GetPipelineRequest(id=current.id, version=current.version), metadata=ADMIN
    ).pipeline
    assert old == current
    stale = pb.UpdatePipelineRequest(
        id=current.id,
        expected_version=current.version,
        pipeline=pb.PipelineInput(name="x", is_default=True, active=True, stages=stages),
    )
    fails(lambda: stub.UpdatePipeline(stale, metadata=ADMIN), grpc.StatusCode.ABORTED)
