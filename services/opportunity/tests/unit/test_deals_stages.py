"""Stage changes: gates (fields, artefacts, cumulative along the way), skip rules, the
approval threshold, and the history's dwell times."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from crm_runtime.errors import FailedPrecondition, ValidationFailed
from opportunity.domain import stages
from opportunity.domain.history import dwell_by_stage
from opportunity.domain.money import Money
from opportunity.domain.opportunity import (
    ArtefactDraft,
    OpportunityDraft,
    attach_artefacts,
    create_opportunity,
)
from opportunity.domain.pipeline import Stage, StageKind, default_pipeline
from opportunity.domain.settings import OpportunitySettings

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
PIPELINE = default_pipeline(pipeline_id="p1", tenant_id="t1", now=T0)
SETTINGS = OpportunitySettings()


def _deal(amount="120000", currency="CNY", **fields):
    draft = OpportunityDraft(
        name="云平台", account_id="a1", amount=Money(Decimal(amount), currency), **fields
    )
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
        now=T0,
    )
    return replace(opp, events=[], history=[])  # as the store loads it


def _move(opp, to, at, supplied=()):
    plan = stages.plan_move(opp, PIPELINE, to, set(supplied), SETTINGS)
    assert not plan.needs_approval
    saved = stages.enter_stage(opp, plan.target, by="rep", now=at, skipped=plan.skipped)
    return replace(saved, version=opp.version + 1, events=[])


def _fields(err):
    return [v.field for v in err.value.violations]


def test_a_gate_names_every_missing_field():
    opp = _deal(amount="0")
    with pytest.raises(ValidationFailed) as err:
        stages.plan_move(opp, PIPELINE, "needs_confirmed", set(), SETTINGS)
    assert _fields(err) == ["amount", "expected_close_date"]


def test_a_gate_names_the_missing_artefact_and_accepts_it_supplied_with_the_move():
    opp = _deal(expected_close_date="2030-01-01", primary_contact_id="c1")
    opp = _move(_move(opp, "needs_confirmed", T0), "solution", T0)
    with pytest.raises(ValidationFailed) as err:
        stages.plan_move(opp, PIPELINE, "quote_negotiation", set(), SETTINGS)
    assert _fields(err) == ["artefacts.signed_requirements_doc"]
    doc = ArtefactDraft("signed_requirements_doc", "需求确认书", "s3://d/1.pdf")
    with_doc = attach_artefacts(opp, (doc,), ["f1"], stage="quote_negotiation", by="rep", now=T0)
    assert (
        stages.plan_move(with_doc, PIPELINE, "quote_negotiation", set(), SETTINGS).target.key
        == "quote_negotiation"
    )


def test_artefacts_are_checked_for_kind_and_reference():
    with pytest.raises(ValidationFailed) as err:
        attach_artefacts(
            _deal(), (ArtefactDraft("Signed Doc", "", " "),), ["f1"], stage="s", by="u", now=T0
        )
    assert _fields(err) == ["artefacts[0].kind", "artefacts[0].file_uri"]


def test_skipping_needs_every_stage_jumped_over_to_allow_it_and_gates_add_up():
    opp = _deal(expected_close_date="2030-01-01")
    with pytest.raises(ValidationFailed) as err:
        stages.plan_move(opp, PIPELINE, "solution", set(), SETTINGS)
    assert _fields(err) == ["to_stage", "primary_contact_id"]
    skippable = replace(
        PIPELINE, stages=tuple(replace(s, allow_skip=True) for s in PIPELINE.stages)
    )
    plan = stages.plan_move(
        replace(opp, primary_contact_id="c1"),
        skippable,
        "contract_signing",
        {"signed_requirements_doc"},
        SETTINGS,
    )
    assert [s.key for s in plan.skipped] == ["needs_confirmed", "solution", "quote_negotiation"]
    with pytest.raises(ValidationFailed) as err:  # the quote stage's artefact, though it is skipped
        stages.plan_move(
            replace(opp, primary_contact_id="c1"), skippable, "contract_signing", set(), SETTINGS
        )
    assert _fields(err) == ["artefacts.signed_requirements_doc"]


def test_moves_that_make_no_sense_are_refused():
    opp = _deal()
    with pytest.raises(ValidationFailed):
        stages.plan_move(opp, PIPELINE, "nowhere", set(), SETTINGS)
    with pytest.raises(ValidationFailed):
        stages.plan_move(opp, PIPELINE, "won", set(), SETTINGS)
    with pytest.raises(FailedPrecondition):
        stages.plan_move(opp, PIPELINE, "initial_contact", set(), SETTINGS)
    with pytest.raises(FailedPrecondition):
        stages.plan_move(
            replace(opp, pending_approval_id="ap1"), PIPELINE, "needs_confirmed", set(), SETTINGS
        )


@pytest.mark.parametrize(
    ("amount", "currency", "needed"),
    [
        ("499999.99", "CNY", False),
        ("500000", "CNY", True),
        ("900000", "CNY", True),
        ("10", "USD", True),
    ],
)
def test_approval_from_the_threshold_forward_into_an_approval_stage(amount, currency, needed):
    opp = _deal(amount, currency, expected_close_date="2030-01-01", primary_contact_id="c1")
    opp = _move(_move(opp, "needs_confirmed", T0), "solution", T0)
    plan = stages.plan_move(
        opp, PIPELINE, "quote_negotiation", {"signed_requirements_doc"}, SETTINGS
    )
    assert plan.needs_approval is needed and plan.threshold == Money(Decimal(500000), "CNY")


def test_moving_back_never_needs_approval():
    current = PIPELINE.stage("contract_signing")
    target = PIPELINE.stage("quote_negotiation")
    assert current and target
    assert not stages.needs_approval(_deal("900000"), current, target, SETTINGS.threshold)


def test_an_approval_request_keeps_the_deal_where_it_is_until_decided():
    opp = _move(
        _move(
            _deal("800000", expected_close_date="2030-01-01", primary_contact_id="c1"),
            "needs_confirmed",
            T0,
        ),
        "solution",
        T0,
    )
    plan = stages.plan_move(
        opp, PIPELINE, "quote_negotiation", {"signed_requirements_doc"}, SETTINGS
    )
    waiting, approval = stages.request_approval(
        opp, plan, approval_id="ap1", approver_role="sales_director", by="rep", note="大单", now=T0
    )
    assert waiting.stage == "solution" and waiting.pending_approval_id == "ap1"
    assert (approval.from_stage, approval.to_stage, approval.requested_by) == (
        "solution",
        "quote_negotiation",
        "rep",
    )
    assert waiting.events[-1].event_type == "StageApprovalRequested"


def test_history_records_exact_dwell_times_per_stage():
    opp = _deal(expected_close_date="2030-01-01", primary_contact_id="c1")
    t1, t2, t3 = T0 + timedelta(hours=5), T0 + timedelta(days=2), T0 + timedelta(days=3, seconds=7)
    first = _move(opp, "needs_confirmed", t1)
    second = _move(first, "solution", t2)
    back = _move(second, "needs_confirmed", t3)
    changes = [first.history[-1], second.history[-1], back.history[-1]]
    assert [c.dwell_seconds for c in changes] == [5 * 3600, 2 * 86400 - 5 * 3600, 86400 + 7]
    first_change = changes[0]
    assert (first_change.from_stage, first_change.to_stage, first_change.actor_id) == (
        "initial_contact",
        "needs_confirmed",
        "rep",
    )
    created = _deal_created_history()
    totals = dwell_by_stage([created, *changes], t3 + timedelta(hours=1))
    assert totals == {
        "initial_contact": 5 * 3600,
        "needs_confirmed": (2 * 86400 - 5 * 3600) + 3600,
        "solution": 86400 + 7,
    }


def _deal_created_history():
    draft = OpportunityDraft(name="x", account_id="a1")
    made = create_opportunity(
        draft,
        opportunity_id="o1",
        tenant_id="t1",
        account_name="",
        pipeline_id="p1",
        pipeline_version=1,
        first_stage="initial_contact",
        probability=10,
        created_by="rep",
        now=T0,
    )
    return made.history[0]


def test_stage_changed_events_carry_the_facts_analytics_needs():
    moved = _move(
        _deal(expected_close_date="2030-01-01"), "needs_confirmed", T0 + timedelta(minutes=1)
    )
    saved = stages.enter_stage(
        _deal(expected_close_date="2030-01-01"),
        PIPELINE.stage("needs_confirmed") or Stage("x", "x", StageKind.OPEN, 0),
        by="rep",
        now=T0 + timedelta(minutes=1),
    )
    payload = saved.events[-1].payload
    assert (
        payload["from_stage"],
        payload["to_stage"],
        payload["from_probability"],
        payload["probability"],
    ) == (
        "initial_contact",
        "needs_confirmed",
        10,
        30,
    )
    assert payload["dwell_seconds"] == 60 and payload["changed_at"] == "2026-11-01T09:01:00.000Z"
    assert moved.stage == "needs_confirmed"
