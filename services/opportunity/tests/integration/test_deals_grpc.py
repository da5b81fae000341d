"""Opportunities through OpportunityService on the embedded MongoDB: the default
pipeline, gates and skips, approvals, won / lost / reopen, history, concurrency."""

import threading

import grpc
import pytest
from crm.opportunity.v1 import opportunity_pb2 as pb
from crm_runtime.grpc_errors import field_violations
from opportunity_grpc_support import ADMIN, DIRECTOR, account, cny, contact, deal, md, move

pytest_plugins = ["opportunity_grpc_support"]  # fixtures: opportunity_stub

REP = md("rep-1", scope="own")
OTHER_REP = md("rep-2", scope="own")
OTHER_TENANT = md("admin", tenant="t2", roles=("admin",))
DOC = pb.ArtefactInput(
    kind="signed_requirements_doc", name="需求确认书", file_uri="s3://docs/req-1.pdf"
)


@pytest.fixture
def stub(opportunity_stub):
    return opportunity_stub


@pytest.fixture
def ready(stub):
    """An account of rep-1 with a contact, and a deal with amount and close date."""
    acme = account(stub, REP)
    kdm = contact(stub, acme.id, REP, role=pb.CONTACT_ROLE_DECISION_MAKER)
    opp = deal(stub, acme.id, REP, expected_close_date="2030-06-30", primary_contact_id=kdm.id)
    return acme, kdm, opp


def _fails(call, code):
    with pytest.raises(grpc.RpcError) as err:
        call()
    assert err.value.code() is code, err.value.details()
    return err.value


def test_a_deal_starts_in_the_default_pipeline_with_its_history(
    stub, ready, mongo_client, database_name
):
    acme, kdm, opp = ready
    assert (opp.stage, opp.probability, opp.status) == (
        "initial_contact",
        10,
        pb.OPPORTUNITY_STATUS_OPEN,
    )
    assert opp.amount == cny(120_000) and opp.account_name == acme.name and opp.owner_id == "rep-1"
    assert list(opp.contact_ids) == [kdm.id] and opp.HasField("next_follow_up_due_at")
    pipelines = stub.ListPipelines(pb.ListPipelinesRequest(), metadata=REP).pipelines
    assert [(p.id, p.is_default) for p in pipelines] == [(opp.pipeline_id, True)]
    keys = [(s.key, s.win_probability) for s in pipelines[0].stages]
    assert keys == [("initial_contact", 10), ("needs_confirmed", 30), ("solution", 50),
                    ("quote_negotiation", 70), ("contract_signing", 90), ("won", 100), ("lost", 0)]  # fmt: skip
    history = stub.GetStageHistory(
        pb.GetStageHistoryRequest(opportunity_id=opp.id), metadata=REP
    ).changes
    assert [(c.from_stage, c.to_stage, c.actor_id) for c in history] == [
        ("", "initial_contact", "rep-1")
    ]
    outbox = mongo_client[database_name].outbox
    [created] = outbox.find({"event_type": "OpportunityCreated"})
    payload = created["envelope"]["payload"]
    assert (payload["stage"], payload["probability"], payload["amount"]) == (
        "initial_contact",
        10,
        {"currency": "CNY", "units": "120000", "nanos": 0},
    )
    assert outbox.count_documents({"event_type": "PipelineVersionCreated"}) == 1


def test_a_gate_names_the_missing_artefact_and_writes_nothing(
    stub, ready, mongo_client, database_name
):
    _, _, opp = ready
    move(stub, opp.id, "needs_confirmed", REP)
    move(stub, opp.id, "solution", REP)
    before = mongo_client[database_name].outbox.count_documents({})
    error = _fails(
        lambda: move(stub, opp.id, "quote_negotiation", REP), grpc.StatusCode.INVALID_ARGUMENT
    )
    assert {v.field for v in field_violations(error)} == {"artefacts.signed_requirements_doc"}
    assert mongo_client[database_name].outbox.count_documents({}) == before
    got = stub.GetOpportunity(pb.GetOpportunityRequest(id=opp.id), metadata=REP).opportunity
    assert got.stage == "solution" and list(got.artefacts) == []
    moved = move(stub, opp.id, "quote_negotiation", REP, artefacts=[DOC], note="客户已签字")
    assert moved.outcome == pb.CHANGE_STAGE_OUTCOME_APPLIED
    assert moved.opportunity.stage == "quote_negotiation" and moved.opportunity.probability == 70
    assert [a.kind for a in moved.opportunity.artefacts] == ["signed_requirements_doc"]


def test_skipping_a_stage_that_forbids_it_is_refused(stub, ready):
    _, _, opp = ready
    error = _fails(lambda: move(stub, opp.id, "solution", REP), grpc.StatusCode.INVALID_ARGUMENT)
    [violation] = field_violations(error)
    assert violation.field == "to_stage" and "needs_confirmed" in violation.description
    _fails(lambda: move(stub, opp.id, "won", REP), grpc.StatusCode.INVALID_ARGUMENT)
    _fails(lambda: move(stub, opp.id, "initial_contact", REP), grpc.StatusCode.FAILED_PRECONDITION)


def test_a_big_deal_waits_for_the_directors_approval(stub, mongo_client, database_name):
    acme = account(stub, REP)
    kdm = contact(stub, acme.id, REP)
    opp = deal(
        stub,
        acme.id,
        REP,
        amount=cny(800_000),
        expected_close_date="2030-01-31",
        primary_contact_id=kdm.id,
    )
    for stage in ("needs_confirmed", "solution"):
        move(stub, opp.id, stage, REP)
    waiting = move(stub, opp.id, "quote_negotiation", REP, artefacts=[DOC], note="大单")
    assert waiting.outcome == pb.CHANGE_STAGE_OUTCOME_APPROVAL_PENDING and waiting.approval_id
    assert (
        waiting.opportunity.stage == "solution"
        and waiting.opportunity.pending_approval_id == waiting.approval_id
    )
    _fails(lambda: move(stub, opp.id, "needs_confirmed", REP), grpc.StatusCode.FAILED_PRECONDITION)
    queue = stub.ListApprovals(
        pb.ListApprovalsRequest(assigned_to_me=True), metadata=DIRECTOR
    ).approvals
    assert [(a.id, a.to_stage, a.approver_role) for a in queue] == [
        (waiting.approval_id, "quote_negotiation", "sales_director")
    ]
    assert queue[0].threshold == cny(500_000)
    decide = pb.DecideApprovalRequest(
        approval_id=waiting.approval_id, decision=pb.DECISION_APPROVE, decision_key="oa-1"
    )
    _fails(lambda: stub.DecideApproval(decide, metadata=REP), grpc.StatusCode.PERMISSION_DENIED)
    first = stub.DecideApproval(decide, metadata=DIRECTOR)
    assert (
        first.approval.status == pb.APPROVAL_STATUS_APPROVED
        and first.opportunity.stage == "quote_negotiation"
    )
    again = stub.DecideApproval(decide, metadata=DIRECTOR)  # an OA callback, repeated
    assert again == first
    other_key = pb.DecideApprovalRequest(
        approval_id=waiting.approval_id,
        decision=pb.DECISION_REJECT,
        reason="x",
        decision_key="oa-2",
    )
    _fails(
        lambda: stub.DecideApproval(other_key, metadata=DIRECTOR),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    history = stub.GetStageHistory(
        pb.GetStageHistoryRequest(opportunity_id=opp.id), metadata=REP
    ).changes
    assert (history[-1].to_stage, history[-1].approval_id, history[-1].actor_id) == (
        "quote_negotiation",
        waiting.approval_id,
        "rep-1",
    )
    outbox = mongo_client[database_name].outbox
    assert outbox.count_documents({"event_type": "StageApprovalRequested"}) == 1
    assert outbox.count_documents({"event_type": "StageApprovalDecided"}) == 1


def test_a_rejection_needs_a_reason_and_leaves_the_deal_where_it_was(stub):
    acme = account(stub, REP)
    kdm = contact(stub, acme.id, REP)
    opp = deal(
        stub,
        acme.id,
        REP,
        amount=cny(600_000),
        expected_close_date="2030-01-31",
        primary_contact_id=kdm.id,
    )
    for stage in ("needs_confirmed", "solution"):
        move(stub, opp.id, stage, REP)
    waiting = move(stub, opp.id, "quote_negotiation", REP, artefacts=[DOC])
    no_reason = pb.DecideApprovalRequest(
        approval_id=waiting.approval_id, decision=pb.DECISION_REJECT
    )
    error = _fails(
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
    error = _fails(
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
    _fails(lambda: move(stub, opp.id, "needs_confirmed", REP), grpc.StatusCode.FAILED_PRECONDITION)
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
            _fails(lambda: stub.MarkLost(no_reason, metadata=REP), grpc.StatusCode.INVALID_ARGUMENT)
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


def test_concurrent_updates_of_one_deal_leave_one_winner(stub, ready):
    _, _, opp = ready
    barrier, codes = threading.Barrier(2), []

    def update(amount):
        barrier.wait()
        try:
            stub.UpdateOpportunity(
                pb.UpdateOpportunityRequest(id=opp.id, opportunity=pb.OpportunityInput(amount=cny(amount)),
                                            update_mask=["amount"], expected_version=opp.version),
                metadata=REP,
            )  # fmt: skip
            codes.append("ok")
        except grpc.RpcError as exc:
            codes.append(exc.code().name)

    threads = [threading.Thread(target=update, args=(a,)) for a in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == ["ABORTED", "ok"]
    got = stub.GetOpportunity(pb.GetOpportunityRequest(id=opp.id), metadata=REP).opportunity
    assert got.version == opp.version + 1 and got.amount.units in (1, 2)


def test_other_reps_and_tenants_cannot_see_or_touch_the_deal(stub, ready):
    _, _, opp = ready
    for metadata in (OTHER_REP, OTHER_TENANT):
        _fails(
            lambda m=metadata: stub.GetOpportunity(pb.GetOpportunityRequest(id=opp.id), metadata=m),
            grpc.StatusCode.NOT_FOUND,
        )
        _fails(
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
    error = _fails(lambda: deal(stub, acme.id, REP), grpc.StatusCode.INVALID_ARGUMENT)
    assert {v.field for v in field_violations(error)} == {"account_id"}


def test_pipelines_are_versioned_and_deals_keep_theirs(stub, ready):
    _, _, opp = ready
    current = stub.GetPipeline(pb.GetPipelineRequest(id=opp.pipeline_id), metadata=ADMIN).pipeline
    stages = [pb.Stage.FromString(s.SerializeToString()) for s in current.stages]
    stages[1].allow_skip = True
    del stages[2].required_fields[:]
    changed = stub.UpdatePipeline(
        pb.UpdatePipelineRequest(id=current.id, expected_version=current.version,
                                 pipeline=pb.PipelineInput(name=current.name, is_default=True, active=True, stages=stages)),
        metadata=ADMIN,
    ).pipeline  # fmt: skip
    assert changed.version == current.version + 1
    _fails(
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
    stale = pb.UpdatePipelineRequest(id=current.id, expected_version=current.version,
                                     pipeline=pb.PipelineInput(name="x", is_default=True, active=True, stages=stages))  # fmt: skip
    _fails(lambda: stub.UpdatePipeline(stale, metadata=ADMIN), grpc.StatusCode.ABORTED)
