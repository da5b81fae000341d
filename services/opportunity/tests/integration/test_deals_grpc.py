"""Opportunities through OpportunityService on the embedded MongoDB: the default
pipeline, gates and skips, approvals, won / lost / reopen, history, concurrency."""

import threading

import grpc
from crm.opportunity.v1 import opportunity_pb2 as pb
from crm_runtime.rpc.errors import field_violations
from deals_calls import DOC, REP, at_solution, fails
from opportunity_grpc_support import DIRECTOR, cny, move

pytest_plugins = ["opportunity_grpc_support", "deals_calls"]


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
    assert keys == [
        ("initial_contact", 10),
        ("needs_confirmed", 30),
        ("solution", 50),
        ("quote_negotiation", 70),
        ("contract_signing", 90),
        ("won", 100),
        ("lost", 0),
    ]
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
    error = fails(
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


def test_a_big_deal_waits_for_the_directors_approval(stub, mongo_client, database_name):
    opp = at_solution(stub, 800_000)
    waiting = move(stub, opp.id, "quote_negotiation", REP, artefacts=[DOC], note="大单")
    assert waiting.outcome == pb.CHANGE_STAGE_OUTCOME_APPROVAL_PENDING and waiting.approval_id
    assert (
        waiting.opportunity.stage == "solution"
        and waiting.opportunity.pending_approval_id == waiting.approval_id
    )
    fails(lambda: move(stub, opp.id, "needs_confirmed", REP), grpc.StatusCode.FAILED_PRECONDITION)
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
    fails(lambda: stub.DecideApproval(decide, metadata=REP), grpc.StatusCode.PERMISSION_DENIED)
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
    fails(
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


def test_concurrent_updates_of_one_deal_leave_one_winner(stub, ready):
    _, _, opp = ready
    barrier, codes = threading.Barrier(2), []

    def update(amount):
        barrier.wait()
        try:
            stub.UpdateOpportunity(
                pb.UpdateOpportunityRequest(
                    id=opp.id,
                    opportunity=pb.OpportunityInput(amount=cny(amount)),
                    update_mask=["amount"],
                    expected_version=opp.version,
                ),
                metadata=REP,
            )
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
