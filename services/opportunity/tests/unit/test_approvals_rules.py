"""Approvals: decided once, by the approver role, never by the requester; a rejection
says why; the same decision key replays; a stage change moves only when approved."""

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from crm_runtime.errors import FailedPrecondition, PermissionDenied, ValidationFailed
from opportunity.approvals import domain as approvals
from opportunity.approvals.domain import Approval, ApprovalKind, ApprovalStatus
from opportunity.domain import stages
from opportunity.domain.money import Money
from opportunity.domain.opportunity import OpportunityDraft, create_opportunity
from opportunity.domain.pipeline import default_pipeline

NOW = datetime(2026, 11, 24, tzinfo=UTC)
DIRECTOR = ("sales_director",)


def _approval(**fields):
    return Approval(
        **{
            "id": "ap1",
            "tenant_id": "t1",
            "kind": ApprovalKind.STAGE_CHANGE,
            "opportunity_id": "o1",
            "approver_role": "sales_director",
            "requested_by": "rep",
            "requested_at": NOW,
            "from_stage": "solution",
            "to_stage": "quote_negotiation",
            **fields,
        }
    )


def _decide(approval, decision="approve", reason="", by="boss", roles=DIRECTOR, key=""):
    return approvals.decide(
        approval, decision, reason=reason, by=by, roles=roles, decision_key=key, now=NOW
    )


def test_an_approver_approves_once():
    decided = _decide(_approval(), key="oa-1")
    assert (decided.status, decided.decided_by, decided.decision_key) == (
        ApprovalStatus.APPROVED,
        "boss",
        "oa-1",
    )
    assert approvals.is_replay(decided, "oa-1") and not approvals.is_replay(decided, "oa-2")
    assert not approvals.is_replay(decided, "")
    with pytest.raises(FailedPrecondition):
        _decide(decided, "reject", reason="late", key="oa-2")


def test_a_rejection_needs_a_reason():
    with pytest.raises(ValidationFailed) as err:
        _decide(_approval(), "reject", reason="  ")
    assert [v.field for v in err.value.violations] == ["reason"]
    assert _decide(_approval(), "reject", reason="折扣过高").reason == "折扣过高"


def test_only_the_approver_role_and_never_the_requester_decide():
    with pytest.raises(PermissionDenied):
        _decide(_approval(), roles=("sales_manager",))
    with pytest.raises(PermissionDenied):
        _decide(_approval(requested_by="boss"))
    with pytest.raises(ValidationFailed):
        _decide(_approval(), "maybe")


def test_cancelling_a_pending_approval_and_leaving_a_decided_one_alone():
    cancelled = approvals.cancel(_approval(), reason="closed", by="rep", now=NOW)
    assert cancelled.status is ApprovalStatus.CANCELLED
    decided = _decide(_approval())
    assert approvals.cancel(decided, reason="closed", by="rep", now=NOW) is decided


def _waiting_deal():
    pipeline = default_pipeline(pipeline_id="p1", tenant_id="t1", now=NOW)
    draft = OpportunityDraft(
        name="x",
        account_id="a1",
        amount=Money(Decimal(800000), "CNY"),
        expected_close_date="2030-01-01",
        primary_contact_id="c1",
    )
    opp = create_opportunity(
        draft,
        opportunity_id="o1",
        tenant_id="t1",
        account_name="",
        pipeline_id="p1",
        pipeline_version=1,
        first_stage="solution",
        probability=50,
        created_by="rep",
        now=NOW,
    )
    opp = replace(opp, events=[], history=[], pending_approval_id="ap1")
    return pipeline, opp


def test_an_approved_stage_change_moves_the_deal_a_rejected_one_releases_it():
    pipeline, opp = _waiting_deal()
    missing_doc = _decide(_approval())
    with pytest.raises(ValidationFailed):  # the gate is checked again at approval
        stages.apply_decision(opp, pipeline, missing_doc, now=NOW)
    from opportunity.domain.opportunity import ArtefactDraft, attach_artefacts

    with_doc = attach_artefacts(
        opp,
        (ArtefactDraft("signed_requirements_doc", "", "s3://x"),),
        ["f"],
        stage="quote_negotiation",
        by="rep",
        now=NOW,
    )
    moved = stages.apply_decision(with_doc, pipeline, _decide(_approval()), now=NOW)
    assert moved.stage == "quote_negotiation" and moved.pending_approval_id == ""
    assert [e.event_type for e in moved.events] == [
        "StageApprovalDecided",
        "OpportunityStageChanged",
    ]
    assert moved.history[-1].approval_id == "ap1" and moved.history[-1].actor_id == "rep"
    released = stages.apply_decision(
        opp, pipeline, _decide(_approval(), "reject", reason="no"), now=NOW
    )
    assert released.stage == "solution" and released.pending_approval_id == ""
    assert released.events[-1].payload["decision"] == "rejected"
    with pytest.raises(FailedPrecondition):
        stages.apply_decision(released, pipeline, _decide(_approval()), now=NOW)
