"""Won, lost and reopen: what each requires, and what it records."""

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from crm_runtime.errors import FailedPrecondition, ValidationFailed
from opportunity.domain import closing
from opportunity.domain.money import Money
from opportunity.domain.opportunity import OpportunityDraft, Status, create_opportunity
from opportunity.domain.pipeline import default_pipeline

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
PIPELINE = default_pipeline(pipeline_id="p1", tenant_id="t1", now=NOW)
CNY = Money(Decimal("118000.50"), "CNY")


def _deal():
    draft = OpportunityDraft(name="云平台", account_id="a1", amount=Money(Decimal(120000), "CNY"))
    opp = create_opportunity(
        draft,
        opportunity_id="o1",
        tenant_id="t1",
        account_name="云图",
        pipeline_id="p1",
        pipeline_version=1,
        first_stage="initial_contact",
        probability=10,
        created_by="rep",
        now=NOW,
    )
    return replace(opp, events=[], history=[])


def _fields(err):
    return {v.field for v in err.value.violations}


def test_won_needs_the_closed_date_and_the_final_amount():
    with pytest.raises(ValidationFailed) as err:
        closing.mark_won(
            _deal(), PIPELINE, closed_date="", amount=None, quote_id="", note="", by="rep", now=NOW
        )
    assert _fields(err) == {"closed_date", "amount"}
    with pytest.raises(ValidationFailed) as err:
        closing.mark_won(
            _deal(),
            PIPELINE,
            closed_date="2030-01-01",
            amount=Money(Decimal(0), "CNY"),
            quote_id="",
            note="",
            by="rep",
            now=NOW,
        )
    assert _fields(err) == {"closed_date", "amount.amount"}  # not in the future; above zero


def test_won_records_the_stage_change_and_the_win():
    won = closing.mark_won(
        _deal(),
        PIPELINE,
        closed_date="2026-11-23",
        amount=CNY,
        quote_id="q1",
        note="签约",
        by="rep",
        now=NOW,
    )
    assert (won.status, won.stage, won.probability, won.amount, won.won_quote_id) == (
        Status.WON,
        "won",
        100,
        CNY,
        "q1",
    )
    assert (won.closed_from_stage, won.forecast_category, won.next_follow_up_due_at) == (
        "initial_contact",
        "closed",
        None,
    )
    assert [e.event_type for e in won.events] == ["OpportunityStageChanged", "OpportunityWon"]
    assert won.events[1].payload["amount"] == {
        "currency": "CNY",
        "units": "118000",
        "nanos": 500000000,
    }
    assert {e.aggregate_version for e in won.events} == {2}
    assert [(c.from_stage, c.to_stage, c.note) for c in won.history] == [
        ("initial_contact", "won", "签约")
    ]


def test_lost_needs_a_reason_and_keeps_the_competitor():
    with pytest.raises(ValidationFailed) as err:
        closing.mark_lost(
            _deal(),
            PIPELINE,
            loss_reason=" ",
            competitor="",
            closed_date="",
            note="",
            by="rep",
            now=NOW,
        )
    assert _fields(err) == {"loss_reason"}
    lost = closing.mark_lost(
        _deal(),
        PIPELINE,
        loss_reason="price",
        competitor="某友商",
        closed_date="",
        note="",
        by="rep",
        now=NOW,
    )
    assert (lost.status, lost.stage, lost.closed_date, lost.competitor) == (
        Status.LOST,
        "lost",
        "2026-11-24",
        "某友商",
    )
    assert lost.competitors == ("某友商",) and lost.events[-1].event_type == "OpportunityLost"
    with pytest.raises(FailedPrecondition):
        closing.mark_won(
            lost,
            PIPELINE,
            closed_date="2026-11-24",
            amount=CNY,
            quote_id="",
            note="",
            by="rep",
            now=NOW,
        )


def test_reopen_returns_to_the_stage_it_closed_from_with_the_reason():
    lost = replace(
        closing.mark_lost(
            _deal(),
            PIPELINE,
            loss_reason="price",
            competitor="",
            closed_date="",
            note="",
            by="rep",
            now=NOW,
        ),
        events=[],
        history=[],
    )
    with pytest.raises(ValidationFailed) as err:
        closing.reopen(lost, PIPELINE, to_stage="won", reason="", by="rep", now=NOW)
    assert _fields(err) == {"reason", "to_stage"}
    reopened = closing.reopen(lost, PIPELINE, to_stage="", reason="客户回来了", by="rep", now=NOW)
    assert (reopened.status, reopened.stage, reopened.probability, reopened.loss_reason) == (
        Status.OPEN,
        "initial_contact",
        10,
        "",
    )
    assert [e.event_type for e in reopened.events] == [
        "OpportunityStageChanged",
        "OpportunityReopened",
    ]
    assert reopened.events[-1].payload["from_status"] == "lost"
    assert reopened.history[-1].note == "客户回来了"
    with pytest.raises(FailedPrecondition):
        closing.reopen(reopened, PIPELINE, to_stage="", reason="again", by="rep", now=NOW)
