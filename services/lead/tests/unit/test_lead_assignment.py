"""Assignment: rules in order, round-robin within a group, nobody away/gone/full, reasons."""

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from crm_runtime.errors import FailedPrecondition
from crm_runtime.messaging.schema import payload_message
from lead.domain.assignment import (
    MANUAL,
    AssignmentRule,
    Rep,
    assign,
    groups_in_turn,
    manual_candidate,
    plan_assignment,
    senior_rule,
)
from lead.domain.lead import LeadDraft, LeadStatus, create_lead
from lead.domain.pool import claim
from lead.domain.settings import LeadSettings

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
SETTINGS = LeadSettings()
EVERYONE = AssignmentRule(name="everyone")


def _lead(**fields):
    lead = create_lead(
        LeadDraft(name="张伟", source="web", region="华东", industry="医药"),
        lead_id="l1",
        tenant_id="t1",
        created_by="api",
        now=NOW,
    )
    lead.events.clear()
    return replace(lead, **{"owner_id": "", **fields})


def _reps(*ids, **fields):
    return [Rep(id=i, name=i.title(), team_id="team-" + i, **fields) for i in ids]


def _ids(plan):
    return [c.rep_id for c in plan.candidates]


def test_round_robin_shares_leads_evenly_within_a_group():
    reps = {r.id: r for r in _reps("ann", "bob", "cat")}
    given = []
    for turn in range(1, 10):
        plan = plan_assignment(_lead(), [EVERYONE], list(reps.values()), {"": turn}, SETTINGS)
        first = plan.candidates[0]  # the store's conditional update wins at once
        reps[first.rep_id] = replace(
            reps[first.rep_id], open_leads=reps[first.rep_id].open_leads + 1
        )
        given.append(first.rep_id)
    assert given == ["ann", "bob", "cat"] * 3
    assert Counter(given) == {"ann": 3, "bob": 3, "cat": 3}


def test_the_candidates_are_the_whole_turn_so_the_store_can_try_the_next():
    plan = plan_assignment(_lead(), [EVERYONE], _reps("ann", "bob", "cat"), {"": 2}, SETTINGS)
    assert _ids(plan) == ["bob", "cat", "ann"]


def test_a_turn_wraps_round_whoever_has_joined_or_left_the_group():
    plan = plan_assignment(_lead(), [EVERYONE], _reps("ann", "cat"), {"": 4}, SETTINGS)
    assert _ids(plan) == ["cat", "ann"]
    first = plan_assignment(_lead(), [EVERYONE], _reps("ann", "cat"), {}, SETTINGS)
    assert _ids(first) == ["ann", "cat"]  # no turn drawn: the first


def test_round_robin_is_kept_per_group():
    east = AssignmentRule(name="east", group="east", regions=frozenset({"华东"}))
    reps = [*_reps("ann", "bob", groups=frozenset({"east"})), *_reps("cat")]
    plan = plan_assignment(_lead(), [east], reps, {"east": 2, "": 1}, SETTINGS)
    assert _ids(plan) == ["bob", "ann"]
    assert {c.rule for c in plan.candidates} == {"east"}


def test_an_away_reps_turns_are_shared_by_everyone_else_not_passed_to_one_neighbour():
    reps = [*_reps("ann"), Rep("bob", "Bob", away=True), *_reps("cat", "dan")]
    given = [
        plan_assignment(_lead(), [EVERYONE], reps, {"": turn}, SETTINGS).candidates[0].rep_id
        for turn in range(1, 13)
    ]
    assert Counter(given) == {"ann": 4, "cat": 4, "dan": 4}


def test_only_the_groups_of_matching_rules_need_a_turn():
    east = AssignmentRule(name="east", group="east", regions=frozenset({"华东"}))
    west = AssignmentRule(name="west", group="west", regions=frozenset({"西南"}))
    also_east = AssignmentRule(name="east-seniors", group="east", seniors_only=True)
    assert groups_in_turn(_lead(), [east, west, also_east, EVERYONE]) == ["east", ""]


def test_away_deactivated_and_full_reps_never_get_a_lead():
    reps = [
        Rep("ann", "Ann", away=True),
        Rep("bob", "Bob", active=False),
        Rep("cat", "Cat", open_leads=100),
        Rep("dan", "Dan", open_leads=5, capacity=5),
        Rep("eve", "Eve", open_leads=99),
    ]
    assert _ids(plan_assignment(_lead(), [EVERYONE], reps, {}, SETTINGS)) == ["eve"]


def test_when_nobody_is_eligible_the_pool_reason_names_each_rep():
    reps = [
        Rep("ann", "Ann", away=True),
        Rep("bob", "Bob", active=False),
        Rep("cat", open_leads=100),
    ]
    plan = plan_assignment(_lead(), [EVERYONE], reps, {}, SETTINGS)
    assert plan.to_pool
    assert "Ann is away" in plan.pool_reason
    assert "Bob is deactivated" in plan.pool_reason
    assert "cat is at capacity (100/100 open leads)" in plan.pool_reason


def test_no_rule_matched_sends_the_lead_to_the_pool_with_the_reason():
    west = AssignmentRule(name="west", regions=frozenset({"西南"}))
    plan = plan_assignment(_lead(score=35), [west], _reps("ann"), {}, SETTINGS)
    assert plan.to_pool and plan.candidates == ()
    assert plan.pool_reason == (
        "no assignment rule matched (region 华东, industry 医药, product line -, score 35)"
    )


@pytest.mark.parametrize(("score", "first"), [(80, "sam"), (95, "sam"), (79, "ann")])
def test_a_score_of_80_or_more_goes_to_senior_reps(score, first):
    reps = [*_reps("ann", "bob"), Rep("sam", "Sam", senior=True)]
    rules = [senior_rule(SETTINGS), EVERYONE]
    plan = plan_assignment(_lead(score=score), rules, reps, {}, SETTINGS)
    assert plan.candidates[0].rep_id == first
    if score >= 80:
        assert plan.candidates[0].rule == "high-score-to-seniors"
        assert f"score {score} ≥ 80" in plan.candidates[0].reason


def test_the_senior_threshold_is_the_tenants():
    settings = LeadSettings.from_dict({"senior_score_threshold": 90})
    assert not senior_rule(settings).matches(_lead(score=85))


def test_rules_are_tried_in_order_and_fall_through_when_nobody_is_eligible():
    pharma = AssignmentRule(name="pharma", group="pharma", industries=frozenset({"医药"}))
    reps = [
        Rep("pia", "Pia", groups=frozenset({"pharma"}), away=True),
        Rep("pat", "Pat", groups=frozenset({"pharma"})),
        *_reps("ann"),
    ]
    plan = plan_assignment(_lead(), [pharma, EVERYONE], reps, {}, SETTINGS)
    assert _ids(plan) == ["pat", "ann"]  # pat once, though "everyone" includes him too
    assert [c.rule for c in plan.candidates] == ["pharma", "everyone"]
    nobody = plan_assignment(_lead(), [pharma, EVERYONE], [reps[0], reps[2]], {}, SETTINGS)
    assert _ids(nobody) == ["ann"]


def test_region_product_line_and_skill_tags_route_the_lead():
    rule = AssignmentRule(
        name="east-erp",
        regions=frozenset({"华东"}),
        product_lines=frozenset({"ERP"}),
        skills=frozenset({"erp", "english"}),
    )
    reps = [Rep("ann", skills=frozenset({"erp"})), Rep("bob", skills=frozenset({"erp", "english"}))]
    assert _ids(plan_assignment(_lead(product_line="ERP"), [rule], reps, {}, SETTINGS)) == ["bob"]
    assert plan_assignment(_lead(product_line="CRM"), [rule], reps, {}, SETTINGS).to_pool


def test_an_assignment_records_which_rule_made_it_and_why():
    plan = plan_assignment(
        _lead(score=85), [senior_rule(SETTINGS)], [Rep("lw", "Li Wei", senior=True)], {}, SETTINGS
    )
    lead = assign(_lead(score=85), plan.candidates[0], now=NOW, settings=SETTINGS)
    assert lead.owner_id == "lw" and lead.owned_since == NOW
    assert lead.status is LeadStatus.ASSIGNED
    assert lead.assignment_rule == "high-score-to-seniors"
    assert "Li Wei is next in the round-robin of all reps" in lead.assignment_reason
    assigned = next(e for e in lead.events if e.event_type == "LeadAssigned")
    assert assigned.payload == {
        "lead_id": "l1",
        "owner_id": "lw",
        "previous_owner_id": "",
        "rule": "high-score-to-seniors",
        "reason": lead.assignment_reason,
        "first_follow_up_due_at": "2026-11-25T08:00:00.000Z",
        "team_id": "",
    }
    assert {e.event_type for e in lead.events} == {"LeadAssigned", "LeadStatusChanged"}
    for event in lead.events:
        payload_message(event.event_type, event.payload)


def test_a_worked_lead_can_be_reassigned_and_keeps_its_status():
    lead = _lead(status=LeadStatus.CONTACTED, owner_id="ann")
    moved = assign(
        lead, manual_candidate(Rep("bob"), by="mgr", reason="ann left"), now=NOW, settings=SETTINGS
    )
    [event] = moved.events
    assert moved.status is LeadStatus.CONTACTED
    assert event.payload["previous_owner_id"] == "ann"
    assert event.payload["rule"] == MANUAL
    assert event.payload["reason"] == "assigned by hand by mgr: ann left"


@pytest.mark.parametrize("status", [LeadStatus.DISQUALIFIED, LeadStatus.CONVERTED])
def test_a_finished_lead_is_not_assigned(status):
    with pytest.raises(FailedPrecondition, match=f"it is {status}"):
        assign(
            _lead(status=status), manual_candidate(Rep("bob"), by="m"), now=NOW, settings=SETTINGS
        )


def test_assigning_a_lead_to_its_owner_changes_nothing():
    lead = _lead(owner_id="bob", status=LeadStatus.ASSIGNED)
    assert assign(lead, manual_candidate(Rep("bob"), by="m"), now=NOW, settings=SETTINGS) is lead


@pytest.mark.parametrize(
    ("rep", "state"), [(Rep("ann", away=True), "away"), (Rep("ann", active=False), "deactivated")]
)
def test_a_manager_cannot_hand_a_lead_to_an_absent_rep(rep, state):
    with pytest.raises(FailedPrecondition, match=f"the rep is {state}"):
        manual_candidate(rep, by="mgr")


def test_rules_do_not_take_a_held_lead_from_its_claimant_but_a_manager_can():
    held = claim(
        _lead(),
        rep_id="ann",
        team_id="",
        claims_in_window=0,
        open_leads=0,
        now=NOW,
        settings=SETTINGS,
    )
    plan = plan_assignment(held, [EVERYONE], _reps("bob"), {}, SETTINGS)
    with pytest.raises(FailedPrecondition, match="held by its claimant ann"):
        assign(held, plan.candidates[0], now=NOW + timedelta(days=1), settings=SETTINGS)
    after = NOW + SETTINGS.holding
    assert assign(held, plan.candidates[0], now=after, settings=SETTINGS).owner_id == "bob"
    by_hand = manual_candidate(Rep("bob"), by="mgr")
    assert assign(held, by_hand, now=NOW + timedelta(days=1), settings=SETTINGS).owner_id == "bob"
