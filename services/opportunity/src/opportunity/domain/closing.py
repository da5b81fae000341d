"""Closing a deal and reopening it. Won needs the closed date and the final amount;
lost needs a reason and may name the competitor who won. Both are stage changes too
(into the pipeline's won or lost stage), recorded in the history like any other, so
that the time spent in the last open stage is counted. Reopening returns the deal to an
open stage, by default the one it closed from, with the reason recorded."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from crm_runtime.errors import FailedPrecondition, FieldViolation, require

from opportunity.domain.aggregate import parse_date, revise, rfc3339
from opportunity.domain.gates import gate_problems
from opportunity.domain.money import Money, money_payload, money_problems
from opportunity.domain.opportunity import AGGREGATE, CLOSED_FORECAST, Opportunity, Status
from opportunity.domain.pipeline import Pipeline, StageKind
from opportunity.domain.stages import clean_note, current_stage, ensure_open, enter_stage
from opportunity.domain.text import clean_text

EARLIEST = date(2000, 1, 1)
MAX_REASON = 200


def _closed_date(raw: str, today: date, violations: list[FieldViolation], *, required: bool) -> str:
    if not raw:
        if required:
            violations.append(
                FieldViolation("closed_date", "is required: the day the deal was won")
            )
        return today.isoformat()
    day = parse_date(raw)
    # A day of slack: the caller's calendar may be ahead of UTC.
    if day is None or not EARLIEST <= day <= today + timedelta(days=1):
        violations.append(
            FieldViolation("closed_date", "must be a date YYYY-MM-DD, not in the future")
        )
    return raw


def mark_won(
    opp: Opportunity,
    pipeline: Pipeline,
    *,
    closed_date: str,
    amount: Money | None,
    quote_id: str,
    note: str,
    by: str,
    now: datetime,
) -> Opportunity:
    ensure_open(opp, "win")
    violations: list[FieldViolation] = []
    closed = _closed_date(closed_date, now.date(), violations, required=True)
    if amount is None:
        violations.append(FieldViolation("amount", "is required: the final amount of the deal"))
    else:
        violations += money_problems("amount", amount, allow_zero=False)
    if len(quote_id) > 64:
        violations.append(FieldViolation("quote_id", "is not an id"))
    note = clean_note(note)
    require(violations)
    assert amount is not None
    won = pipeline.closing_stage(StageKind.WON)
    require(gate_problems(opp, won))
    source = current_stage(opp, pipeline)
    closed_deal = enter_stage(
        opp,
        won,
        by=by,
        now=now,
        note=note,
        status=Status.WON,
        amount=amount,
        closed_date=closed,
        closed_from_stage=source.key,
        won_quote_id=quote_id,
        forecast_category=CLOSED_FORECAST,
        next_follow_up_due_at=None,
    )
    payload = {
        "opportunity_id": opp.id,
        "name": opp.name,
        "account_id": opp.account_id,
        "owner_id": opp.owner_id,
        "team_id": opp.team_id,
        "pipeline_id": opp.pipeline_id,
        "from_stage": source.key,
        "amount": money_payload(amount),
        "closed_date": closed,
        "quote_id": quote_id,
        "quote_version": 0,
        "source_lead_id": opp.source_lead_id,
        "source": opp.source,
        "opportunity_created_at": rfc3339(opp.created_at),
    }
    return _with_event(closed_deal, "OpportunityWon", payload, now)


def mark_lost(
    opp: Opportunity,
    pipeline: Pipeline,
    *,
    loss_reason: str,
    competitor: str,
    closed_date: str,
    note: str,
    by: str,
    now: datetime,
) -> Opportunity:
    ensure_open(opp, "lose")
    violations: list[FieldViolation] = []
    reason, rival = clean_text(loss_reason), clean_text(competitor)
    if not reason:
        violations.append(FieldViolation("loss_reason", "is required: why the deal was lost"))
    elif len(reason) > MAX_REASON:
        violations.append(FieldViolation("loss_reason", f"must be at most {MAX_REASON} characters"))
    if len(rival) > 100:
        violations.append(FieldViolation("competitor", "must be at most 100 characters"))
    closed = _closed_date(closed_date, now.date(), violations, required=False)
    note = clean_note(note)
    require(violations)
    lost = pipeline.closing_stage(StageKind.LOST)
    require(gate_problems(opp, lost))
    source = current_stage(opp, pipeline)
    competitors = (
        opp.competitors if not rival or rival in opp.competitors else (*opp.competitors, rival)
    )
    closed_deal = enter_stage(
        opp,
        lost,
        by=by,
        now=now,
        note=note or reason,
        status=Status.LOST,
        closed_date=closed,
        closed_from_stage=source.key,
        loss_reason=reason,
        competitor=rival,
        competitors=competitors,
        forecast_category="omitted",
        next_follow_up_due_at=None,
    )
    payload = {
        "opportunity_id": opp.id,
        "name": opp.name,
        "account_id": opp.account_id,
        "owner_id": opp.owner_id,
        "team_id": opp.team_id,
        "pipeline_id": opp.pipeline_id,
        "from_stage": source.key,
        "amount": money_payload(opp.amount),
        "closed_date": closed,
        "loss_reason": reason,
        "competitor": rival,
        "source": opp.source,
        "opportunity_created_at": rfc3339(opp.created_at),
    }
    return _with_event(closed_deal, "OpportunityLost", payload, now)


def reopen(
    opp: Opportunity, pipeline: Pipeline, *, to_stage: str, reason: str, by: str, now: datetime
) -> Opportunity:
    """An open deal again, in `to_stage` or the stage it closed from."""
    if opp.is_open:
        raise FailedPrecondition(
            f"opportunity {opp.id} is open: only a won or lost deal is reopened"
        )
    violations = []
    why = clean_note(reason, "reason")
    if not why:
        violations.append(FieldViolation("reason", "is required: why the deal is reopened"))
    key = to_stage or opp.closed_from_stage
    target = pipeline.stage(key)
    if target is None or target.kind is not StageKind.OPEN:
        keys = ", ".join(s.key for s in pipeline.open_stages)
        violations.append(
            FieldViolation(
                "to_stage", f"must be an open stage of this deal's pipeline; one of {keys}"
            )
        )
    require(violations)
    assert target is not None
    from_status = opp.status.value
    reopened = enter_stage(
        opp,
        target,
        by=by,
        now=now,
        note=why,
        status=Status.OPEN,
        closed_date="",
        closed_from_stage="",
        won_quote_id="",
        loss_reason="",
        competitor="",
        forecast_category="pipeline",
        last_activity_at=now,
        cadence_reminded_at=None,
    )
    payload = {
        "opportunity_id": opp.id,
        "account_id": opp.account_id,
        "owner_id": opp.owner_id,
        "team_id": opp.team_id,
        "from_status": from_status,
        "to_stage": target.key,
        "probability": target.win_probability,
        "amount": money_payload(opp.amount),
        "reason": why,
        "reopened_by": by,
    }
    return _with_event(reopened, "OpportunityReopened", payload, now)


def _with_event(
    opp: Opportunity, event_type: str, payload: dict[str, Any], now: datetime
) -> Opportunity:
    return revise(opp, AGGREGATE, now, [(event_type, dict(payload))])
