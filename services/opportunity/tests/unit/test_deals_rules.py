"""Opportunities, pipelines, settings and money: field rules, edits, definitions."""

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from crm_runtime.errors import FailedPrecondition, ValidationFailed
from opportunity.domain.money import Money, money_payload
from opportunity.domain.opportunity import (
    LineItemDraft,
    OpportunityDraft,
    Status,
    create_opportunity,
    update_opportunity,
)
from opportunity.domain.pipeline import (
    DEFAULT_STAGES,
    PipelineDraft,
    Stage,
    StageKind,
    check_draft,
    create_pipeline,
    default_pipeline,
    lose_default,
    revise_pipeline,
)
from opportunity.domain.settings import OpportunitySettings

NOW = datetime(2026, 11, 24, tzinfo=UTC)


def _fields(err):
    return [v.field for v in err.value.violations]


def _create(**fields):
    draft = OpportunityDraft(**{"name": "云平台", "account_id": "a1", **fields})
    return create_opportunity(
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


def test_money_is_exact_both_ways():
    money = Money(Decimal("-1.5"), "CNY")
    assert money.units_nanos() == (-1, -500_000_000)
    assert Money.of(118000, 500_000_000, "CNY") == Money(Decimal("118000.5"), "CNY")
    assert money_payload(Money(Decimal("0.000000001"), "USD")) == {
        "currency": "USD",
        "units": "0",
        "nanos": 1,
    }
    with pytest.raises(TypeError):
        Money(1.5, "CNY")  # type: ignore[arg-type]


def test_a_deal_with_products_in_one_currency():
    line = LineItemDraft("CRM-PRO", "专业版", "200", Money(Decimal(3400), "CNY"))
    opp = _create(
        amount=Money(Decimal(680000), "CNY"),
        line_items=(line,),
        competitors=("某友商", "某友商"),
        primary_contact_id="c1",
        contact_ids=("c2", "c1"),
    )
    assert opp.line_items[0].total == Money(Decimal(680000), "CNY")
    assert (
        opp.competitors == ("某友商",) and opp.contact_ids == ("c1", "c2") and opp.owner_id == "rep"
    )
    assert (
        opp.forecast_category == "pipeline" and opp.events[0].payload["amount"]["units"] == "680000"
    )


def test_every_bad_field_of_a_deal_is_named():
    with pytest.raises(ValidationFailed) as err:
        _create(
            name="",
            account_id="",
            amount=Money(Decimal("-1"), "cny"),
            expected_close_date="2030-02-30",
            forecast_category="maybe",
            line_items=(LineItemDraft(quantity="0", unit_price=Money(Decimal(1), "USD")),),
        )
    assert set(_fields(err)) == {
        "name",
        "account_id",
        "amount.currency",
        "amount.amount",
        "expected_close_date",
        "forecast_category",
        "line_items[0].name",
        "line_items[0].quantity",
    }
    with pytest.raises(ValidationFailed) as err:
        _create(
            amount=Money(Decimal(1), "CNY"),
            line_items=(LineItemDraft("x", "", "1", Money(Decimal(1), "USD")),),
        )
    assert _fields(err) == ["line_items"]


def test_edits_by_mask_and_what_a_closed_deal_keeps():
    opp = replace(_create(amount=Money(Decimal(100), "CNY")), events=[])
    changed = update_opportunity(
        opp,
        OpportunityDraft(amount=Money(Decimal(200), "CNY"), name="ignored"),
        ("amount",),
        by="rep",
        now=NOW,
    )
    assert changed.amount == Money(Decimal(200), "CNY") and changed.name == "云平台"
    assert changed.events[0].payload["changed_fields"] == ["amount"]
    with pytest.raises(ValidationFailed) as err:
        update_opportunity(opp, OpportunityDraft(), ("pipeline_id",), by="rep", now=NOW)
    assert _fields(err) == ["update_mask"]
    won = replace(opp, status=Status.WON)
    with pytest.raises(FailedPrecondition):
        update_opportunity(won, OpportunityDraft(amount=None), ("amount",), by="rep", now=NOW)
    assert (
        update_opportunity(
            won, OpportunityDraft(next_step="回访"), ("next_step",), by="rep", now=NOW
        ).next_step
        == "回访"
    )


def test_the_default_pipeline_is_domain_md():
    pipeline = default_pipeline(pipeline_id="p", tenant_id="t", now=NOW)
    assert [(s.key, s.win_probability, s.position) for s in pipeline.stages] == [
        ("initial_contact", 10, 1),
        ("needs_confirmed", 30, 2),
        ("solution", 50, 3),
        ("quote_negotiation", 70, 4),
        ("contract_signing", 90, 5),
        ("won", 100, 6),
        ("lost", 0, 7),
    ]
    assert pipeline.is_default and pipeline.threshold(OpportunitySettings()) == Money(
        Decimal(500000), "CNY"
    )
    assert (
        pipeline.cadence(OpportunitySettings()) == 2
        and pipeline.approver(OpportunitySettings()) == "sales_director"
    )


def test_pipeline_definitions_are_checked_as_a_whole():
    bad = (
        Stage(
            "Open",
            "",
            StageKind.OPEN,
            120,
            required_fields=("budget",),
            required_artefacts=("Signed Doc",),
        ),
        Stage("won", "赢", StageKind.WON, 90),
        Stage("won", "赢2", StageKind.WON, 100),
    )
    with pytest.raises(ValidationFailed) as err:
        check_draft(
            PipelineDraft(
                name="",
                stages=bad,
                approver_role="Boss!",
                cadence_days=200,
                quote_discount_threshold_percent="150",
            )
        )
    assert set(_fields(err)) == {
        "name",
        "stages[0].key",
        "stages[0].name",
        "stages[0].win_probability",
        "stages[0].required_fields[0]",
        "stages[0].required_artefacts[0]",
        "stages[1].win_probability",
        "stages[2].key",
        "stages",
        "approver_role",
        "quote_discount_threshold_percent",
        "cadence_days",
    }


def test_stages_are_ordered_by_position_and_custom_fields_may_be_required():
    shuffled = (
        replace(DEFAULT_STAGES[1], position=2, required_fields=("custom_fields.budget",)),
        replace(DEFAULT_STAGES[0], position=1),
        *DEFAULT_STAGES[5:],
    )
    clean = check_draft(PipelineDraft(name="x", stages=shuffled))
    assert [(s.key, s.position) for s in clean.stages] == [
        ("initial_contact", 1),
        ("needs_confirmed", 2),
        ("won", 3),
        ("lost", 4),
    ]


def test_revisions_are_new_versions_and_a_default_stays_one():
    current = default_pipeline(pipeline_id="p", tenant_id="t", now=NOW)
    draft = PipelineDraft(name="新流程", is_default=True, stages=DEFAULT_STAGES, cadence_days=3)
    revised = revise_pipeline(current, draft, by="admin", now=NOW)
    assert (revised.version, revised.cadence_days, revised.created_at) == (2, 3, current.created_at)
    assert revised.events[0].payload["version"] == 2
    with pytest.raises(ValidationFailed) as err:
        revise_pipeline(
            current, replace(draft, is_default=False, active=False), by="admin", now=NOW
        )
    assert set(_fields(err)) == {"is_default", "active"}
    demoted = lose_default(current, by="admin", now=NOW)
    assert (demoted.is_default, demoted.version) == (False, 2)
    other = create_pipeline(
        replace(draft, is_default=False), pipeline_id="q", tenant_id="t", by="admin", now=NOW
    )
    assert other.version == 1


def test_settings_default_to_domain_md_and_name_every_bad_one():
    assert OpportunitySettings().as_dict() == {
        "approval_threshold": "500000",
        "approval_currency": "CNY",
        "approver_role": "sales_director",
        "cadence_days": 2,
        "dormant_after_days": 30,
    }
    assert OpportunitySettings.from_dict(
        {"approval_threshold": "800000.50"}
    ).threshold.amount == Decimal("800000.50")
    with pytest.raises(ValidationFailed) as err:
        OpportunitySettings.from_dict(
            {
                "cadence_days": 0,
                "dormant_after_days": True,
                "approval_threshold": 5,
                "approver_role": "",
                "nope": 1,
            }
        )
    assert set(_fields(err)) == {
        "cadence_days",
        "dormant_after_days",
        "approval_threshold",
        "approver_role",
        "nope",
    }
    with pytest.raises(ValidationFailed) as err:
        OpportunitySettings.from_dict({"approval_currency": "rmb"})
    assert _fields(err) == ["approval_currency"]


def test_a_line_total_beyond_any_deal_is_refused_not_crashed_on():
    huge = LineItemDraft(
        "x", "", "999999999.999999999", Money(Decimal("999999999999999.999999999"), "CNY")
    )
    with pytest.raises(ValidationFailed) as err:
        _create(line_items=(huge,))
    assert _fields(err) == ["line_items[0].quantity"]
    precise = LineItemDraft("x", "", "3.333333333", Money(Decimal("0.000000003"), "CNY"))
    assert _create(line_items=(precise,)).line_items[0].total == Money(Decimal("1E-8"), "CNY")
