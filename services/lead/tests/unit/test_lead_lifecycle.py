"""Lifecycle: new -> assigned -> contacted -> qualified / disqualified -> converted."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from crm_runtime.errors import FailedPrecondition, ValidationFailed
from crm_runtime.messaging.schema import payload_message
from lead.domain.lead import LeadDraft, LeadStatus, create_lead
from lead.domain.lifecycle import (
    TERMINAL,
    can_transition,
    change_status,
    convert,
    drop_ownership,
    take_ownership,
)

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
S = LeadStatus
LINKS = {"account_id": "a1", "contact_id": "c1", "opportunity_id": "o1"}


def _lead(status=S.NEW, **fields):
    lead = create_lead(
        LeadDraft(name="张伟", source="web"),
        lead_id="l1",
        tenant_id="t1",
        created_by="u1",
        now=NOW,
    )
    lead.events.clear()
    return replace(lead, status=status, **fields)


def _conform(lead):
    for event in lead.events:
        payload_message(event.event_type, event.payload)


def test_the_whole_way_from_new_to_converted():
    lead = take_ownership(
        _lead(owner_id=""), owner_id="u2", team_id="t", rule="r", reason="why", now=NOW
    )
    lead = change_status(lead, S.CONTACTED, reason="called", now=NOW)
    lead = change_status(lead, S.QUALIFIED, reason="budget confirmed", now=NOW)
    lead = convert(lead, **LINKS, now=NOW)
    assert lead.status is S.CONVERTED
    assert (lead.account_id, lead.contact_id, lead.opportunity_id) == ("a1", "c1", "o1")
    moves = [(e.payload["from_status"], e.payload["to_status"]) for e in lead.events[:-1]]
    assert moves == [
        ("new", "assigned"),
        ("assigned", "contacted"),
        ("contacted", "qualified"),
        ("qualified", "converted"),
    ]
    assert lead.events[-1].event_type == "LeadConverted"
    assert lead.events[-1].payload == {"lead_id": "l1", **LINKS}
    _conform(lead)


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (S.NEW, S.QUALIFIED),
        (S.ASSIGNED, S.QUALIFIED),
        (S.QUALIFIED, S.CONTACTED),
        (S.DISQUALIFIED, S.CONTACTED),
        (S.DISQUALIFIED, S.QUALIFIED),
        (S.CONVERTED, S.DISQUALIFIED),
        (S.CONVERTED, S.CONTACTED),
    ],
)
def test_illegal_transitions_are_refused_naming_from_and_to(start, target):
    lead = _lead(start)
    with pytest.raises(FailedPrecondition) as err:
        change_status(lead, target, reason="because", now=NOW)
    assert f"from {start} to {target}" in err.value.message


@pytest.mark.parametrize(
    ("start", "target"),
    [(S.ASSIGNED, S.NEW), (S.NEW, S.ASSIGNED), (S.QUALIFIED, S.CONVERTED)],
)
def test_statuses_that_follow_from_events_cannot_be_set_by_hand(start, target):
    with pytest.raises(FailedPrecondition) as err:
        change_status(_lead(start), target, reason="x", now=NOW)
    assert f"to {target} by a status change" in err.value.message


def test_finished_leads_go_nowhere():
    assert {S.DISQUALIFIED, S.CONVERTED} == TERMINAL
    assert not any(can_transition(s, t) for s in TERMINAL for t in S)


def test_disqualifying_without_a_reason_is_refused():
    with pytest.raises(ValidationFailed) as err:
        change_status(_lead(S.CONTACTED), S.DISQUALIFIED, reason="  ", now=NOW)
    assert [v.field for v in err.value.violations] == ["reason"]


def test_a_disqualified_lead_keeps_its_reason():
    lead = change_status(_lead(S.CONTACTED), S.DISQUALIFIED, reason="no budget", now=NOW)
    assert lead.status is S.DISQUALIFIED and lead.disqualify_reason == "no budget"
    [event] = lead.events
    assert event.payload == {
        "lead_id": "l1",
        "from_status": "contacted",
        "to_status": "disqualified",
        "reason": "no budget",
    }
    _conform(lead)


def test_a_junk_lead_may_be_disqualified_straight_from_the_pool():
    lead = change_status(_lead(S.NEW, owner_id=""), S.DISQUALIFIED, reason="spam", now=NOW)
    assert lead.status is S.DISQUALIFIED


def test_a_lead_in_the_pool_is_not_worked_on():
    with pytest.raises(FailedPrecondition, match="no owner"):
        change_status(_lead(S.NEW, owner_id=""), S.CONTACTED, reason="", now=NOW)


def test_asking_for_the_current_status_changes_nothing():
    lead = _lead(S.CONTACTED)
    assert change_status(lead, S.CONTACTED, reason="again", now=NOW) is lead


def test_a_merged_lead_does_not_move():
    with pytest.raises(FailedPrecondition, match="merged into l0"):
        change_status(_lead(S.CONTACTED, merged_into="l0"), S.QUALIFIED, reason="", now=NOW)


def test_only_a_qualified_lead_converts():
    with pytest.raises(FailedPrecondition, match="from contacted to converted"):
        convert(_lead(S.CONTACTED), **LINKS, now=NOW)


def test_conversion_needs_all_three_records():
    with pytest.raises(ValidationFailed) as err:
        convert(_lead(S.QUALIFIED), account_id="a1", contact_id="", opportunity_id="", now=NOW)
    assert {v.field for v in err.value.violations} == {"contact_id", "opportunity_id"}


def test_converting_again_into_the_same_records_changes_nothing():
    converted = convert(_lead(S.QUALIFIED), **LINKS, now=NOW)
    assert convert(converted, **LINKS, now=NOW) is converted
    with pytest.raises(FailedPrecondition, match="already converted"):
        convert(converted, **{**LINKS, "account_id": "a2"}, now=NOW)


def test_taking_ownership_of_a_worked_lead_keeps_its_status():
    lead = take_ownership(
        _lead(S.CONTACTED), owner_id="u2", team_id="", rule="manual", reason="r", now=NOW
    )
    assert lead.status is S.CONTACTED and lead.owner_id == "u2" and lead.owned_since == NOW
    assert lead.events == []


def test_an_uncontacted_lead_returning_to_the_pool_is_new_again():
    lead = drop_ownership(_lead(S.ASSIGNED), reason="left", now=NOW)
    assert lead.status is S.NEW and lead.owner_id == "" and lead.assignment_rule == "pool"
    contacted = drop_ownership(_lead(S.CONTACTED), reason="left", now=NOW)
    assert contacted.status is S.CONTACTED
