"""Moving a deal between open stages: validated against the pipeline version's skip
rules and gates, and, for a big deal entering a stage that requires it, held for
approval instead of applied. Every applied move is a StageChange in the history with
its actor and the exact time spent in the stage it left."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from crm_runtime.errors import FailedPrecondition, FieldViolation, ValidationFailed, require

from opportunity.approvals.domain import Approval, ApprovalKind
from opportunity.domain.aggregate import revise, rfc3339
from opportunity.domain.gates import move_problems, passed_stages
from opportunity.domain.history import StageChange, dwell_seconds
from opportunity.domain.money import Money, money_payload
from opportunity.domain.opportunity import AGGREGATE, Opportunity
from opportunity.domain.pipeline import Pipeline, Stage, StageKind
from opportunity.domain.settings import OpportunitySettings
from opportunity.domain.text import clean_text

MAX_NOTE = 1000


def ensure_open(opp: Opportunity, doing: str) -> None:
    if not opp.is_open:
        raise FailedPrecondition(
            f"cannot {doing} opportunity {opp.id}: it is {opp.status.value}; reopen it first"
        )


def ensure_no_pending_approval(opp: Opportunity, doing: str) -> None:
    if opp.pending_approval_id:
        raise FailedPrecondition(
            f"cannot {doing} opportunity {opp.id}: its stage change waits for approval {opp.pending_approval_id}"
        )


def current_stage(opp: Opportunity, pipeline: Pipeline) -> Stage:
    stage = pipeline.stage(opp.stage)
    if stage is None:  # versions are immutable, so only a corrupted document gets here
        raise FailedPrecondition(
            f"opportunity {opp.id} is in stage {opp.stage}, unknown to its pipeline"
        )
    return stage


def clean_note(note: str, field: str = "note") -> str:
    text = clean_text(note)
    require(
        [FieldViolation(field, f"must be at most {MAX_NOTE} characters")]
        if len(text) > MAX_NOTE
        else []
    )
    return text


@dataclass(frozen=True)
class MovePlan:
    target: Stage
    skipped: tuple[Stage, ...]
    needs_approval: bool
    threshold: Money


def needs_approval(opp: Opportunity, current: Stage, target: Stage, threshold: Money) -> bool:
    """A forward move of a deal at or above the threshold into a stage that requires
    approval. A deal in another currency than the threshold's cannot be shown to be
    below it (no exchange rates here), so it needs approval too."""
    if not target.requires_approval or target.position <= current.position or opp.amount is None:
        return False
    if opp.amount.currency != threshold.currency:
        return True
    return opp.amount.amount >= threshold.amount


def plan_move(
    opp: Opportunity,
    pipeline: Pipeline,
    to_stage: str,
    supplied: set[str],
    settings: OpportunitySettings,
) -> MovePlan:
    """Whether and how the deal may move to `to_stage`; ValidationFailed naming every
    missing field, missing artefact and forbidden skip otherwise."""
    ensure_open(opp, "move")
    ensure_no_pending_approval(opp, "move")
    target = pipeline.stage(to_stage)
    if target is None:
        keys = ", ".join(s.key for s in pipeline.open_stages)
        raise ValidationFailed(
            [FieldViolation("to_stage", f"is not a stage of this deal's pipeline; one of {keys}")]
        )
    if target.kind is not StageKind.OPEN:
        raise ValidationFailed(
            [FieldViolation("to_stage", f"{to_stage} closes the deal: mark it won or lost instead")]
        )
    current = current_stage(opp, pipeline)
    if target.key == current.key:
        raise FailedPrecondition(f"opportunity {opp.id} is already in stage {to_stage}")
    require(move_problems(opp, pipeline, current, target, supplied))
    threshold = pipeline.threshold(settings)
    skipped = passed_stages(pipeline, current, target) if target.position > current.position else ()
    return MovePlan(target, skipped, needs_approval(opp, current, target, threshold), threshold)


def enter_stage(
    opp: Opportunity,
    target: Stage,
    *,
    by: str,
    now: datetime,
    note: str = "",
    approval_id: str = "",
    skipped: tuple[Stage, ...] = (),
    **changes: Any,
) -> Opportunity:
    """The deal in `target`, with the change in its history and an
    OpportunityStageChanged event; `changes` are set in the same revision."""
    dwell = dwell_seconds(opp.stage_entered_at, now)
    payload = {
        "opportunity_id": opp.id,
        "account_id": opp.account_id,
        "owner_id": opp.owner_id,
        "team_id": opp.team_id,
        "pipeline_id": opp.pipeline_id,
        "from_stage": opp.stage,
        "to_stage": target.key,
        "from_probability": opp.probability,
        "probability": target.win_probability,
        "amount": money_payload(changes.get("amount", opp.amount)),
        "actor_id": by,
        "dwell_seconds": dwell,
        "skipped_stages": [s.key for s in skipped],
        "approval_id": approval_id,
        "changed_at": rfc3339(now),
    }
    moved = revise(
        opp,
        AGGREGATE,
        now,
        [("OpportunityStageChanged", payload)],
        stage=target.key,
        probability=target.win_probability,
        stage_entered_at=now,
        **changes,
    )
    stamp = moved.events[-1].aggregate_version
    moved.history = [
        *opp.history,
        StageChange(
            opportunity_id=opp.id,
            seq=stamp,
            from_stage=opp.stage,
            to_stage=target.key,
            probability=target.win_probability,
            amount=moved.amount,
            actor_id=by,
            at=now,
            dwell_seconds=dwell,
            approval_id=approval_id,
            note=note,
        ),
    ]
    return moved


def request_approval(
    opp: Opportunity,
    plan: MovePlan,
    *,
    approval_id: str,
    approver_role: str,
    by: str,
    note: str,
    now: datetime,
) -> tuple[Opportunity, Approval]:
    """The deal waiting in its stage for the approval of `plan`, and the approval."""
    approval = Approval(
        id=approval_id,
        tenant_id=opp.tenant_id,
        kind=ApprovalKind.STAGE_CHANGE,
        opportunity_id=opp.id,
        opportunity_name=opp.name,
        account_id=opp.account_id,
        owner_id=opp.owner_id,
        team_id=opp.team_id,
        from_stage=opp.stage,
        to_stage=plan.target.key,
        amount=opp.amount,
        threshold=plan.threshold,
        approver_role=approver_role,
        requested_by=by,
        requested_at=now,
        note=note,
        updated_at=now,
    )
    payload = {
        "approval_id": approval_id,
        "opportunity_id": opp.id,
        "opportunity_name": opp.name,
        "account_id": opp.account_id,
        "owner_id": opp.owner_id,
        "team_id": opp.team_id,
        "from_stage": opp.stage,
        "to_stage": plan.target.key,
        "amount": money_payload(opp.amount),
        "threshold": money_payload(plan.threshold),
        "approver_role": approver_role,
        "requested_by": by,
    }
    waiting = revise(
        opp, AGGREGATE, now, [("StageApprovalRequested", payload)], pending_approval_id=approval_id
    )
    return waiting, approval


def decided_payload(approval: Approval, decision: str) -> dict[str, Any]:
    return {
        "approval_id": approval.id,
        "opportunity_id": approval.opportunity_id,
        "opportunity_name": approval.opportunity_name,
        "owner_id": approval.owner_id,
        "from_stage": approval.from_stage,
        "to_stage": approval.to_stage,
        "decision": decision,
        "decided_by": approval.decided_by,
        "reason": approval.reason,
        "requested_by": approval.requested_by,
    }


def apply_decision(
    opp: Opportunity, pipeline: Pipeline, approval: Approval, *, now: datetime
) -> Opportunity:
    """The deal after its stage-change approval was decided: moved when approved (its
    gates are checked again, since the deal may have changed while it waited), left
    where it was when rejected; StageApprovalDecided either way."""
    if opp.pending_approval_id != approval.id:
        raise FailedPrecondition(f"opportunity {opp.id} no longer waits for approval {approval.id}")
    decision = approval.status.value
    released = revise(
        opp,
        AGGREGATE,
        now,
        [("StageApprovalDecided", decided_payload(approval, decision))],
        pending_approval_id="",
    )
    if decision != "approved":
        return released
    current, target = current_stage(opp, pipeline), pipeline.stage(approval.to_stage)
    if target is None or current.key != approval.from_stage:
        raise FailedPrecondition(
            f"opportunity {opp.id} moved on since approval {approval.id} was requested"
        )
    require(move_problems(released, pipeline, current, target, ()))
    skipped = passed_stages(pipeline, current, target)
    return enter_stage(
        released,
        target,
        by=approval.requested_by,
        now=now,
        note=approval.note,
        approval_id=approval.id,
        skipped=skipped,
    )


def cancel_pending(opp: Opportunity, approval: Approval, *, by: str, now: datetime) -> Opportunity:
    """The deal no longer waiting: its approval was cancelled because it closed."""
    payload = decided_payload(replace(approval, decided_by=by), "cancelled")
    return revise(opp, AGGREGATE, now, [("StageApprovalDecided", payload)], pending_approval_id="")
