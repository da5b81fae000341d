"""Follow-ups: five kinds, notes required, a next step with a future date, owned leads only."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from crm_runtime.errors import FailedPrecondition, ValidationFailed
from crm_runtime.messaging.schema import payload_message
from lead.domain.followups import FollowUpDraft, FollowUpKind, log_follow_up
from lead.domain.lead import LeadDraft, LeadStatus, create_lead

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def _lead(**fields):
    lead = create_lead(
        LeadDraft(name="张伟", source="web"),
        lead_id="l1",
        tenant_id="t1",
        created_by="ann",
        now=NOW,
    )
    lead.events.clear()
    return replace(lead, **{"status": LeadStatus.ASSIGNED, "owner_id": "ann", **fields})


def _log(lead, **draft):
    fields = {"kind": "call", "notes": "需求: 200 个座席", **draft}
    return log_follow_up(lead, FollowUpDraft(**fields), follow_up_id="f1", by="ann", now=NOW)


def _fields(exc):
    return {v.field for v in exc.value.violations}


def test_the_first_follow_up_makes_the_lead_contacted_and_is_recorded():
    later = NOW + timedelta(days=2)
    lead, follow_up = _log(_lead(), next_step=" 发报价 ", next_step_at=later)
    assert lead.status is LeadStatus.CONTACTED and lead.last_follow_up_at == NOW
    assert follow_up.kind is FollowUpKind.CALL and follow_up.next_step == "发报价"
    assert (follow_up.lead_id, follow_up.by_user_id, follow_up.at) == ("l1", "ann", NOW)
    assert [e.event_type for e in lead.events] == ["LeadStatusChanged", "LeadFollowUpLogged"]
    assert lead.events[-1].payload == {
        "lead_id": "l1",
        "follow_up_id": "f1",
        "kind": "call",
        "owner_id": "ann",
    }
    for event in lead.events:
        payload_message(event.event_type, event.payload)


def test_later_follow_ups_leave_the_status_alone():
    lead, _ = _log(_lead(status=LeadStatus.QUALIFIED), kind="visit")
    assert lead.status is LeadStatus.QUALIFIED
    assert [e.event_type for e in lead.events] == ["LeadFollowUpLogged"]


@pytest.mark.parametrize("kind", ["call", "visit", "wechat", "email", "meeting"])
def test_every_kind_of_follow_up_is_accepted(kind):
    _, follow_up = _log(_lead(), kind=kind)
    assert follow_up.kind == kind


def test_every_broken_rule_is_named_at_once():
    with pytest.raises(ValidationFailed) as err:
        _log(_lead(), kind="fax", notes=" ", next_step="x" * 201, next_step_at=NOW)
    assert _fields(err) == {"kind", "notes", "next_step", "next_step_at"}


@pytest.mark.parametrize(
    ("draft", "rule"),
    [
        ({"next_step_at": NOW - timedelta(minutes=1)}, "must be in the future"),
        ({"next_step_at": NOW + timedelta(days=366)}, "must be within a year"),
        ({"next_step_at": datetime(2026, 12, 1, 9, 0)}, "must carry a time zone"),
        ({"next_step": "回访"}, "is required with a next step"),
    ],
)
def test_the_next_step_date_must_make_sense(draft, rule):
    with pytest.raises(ValidationFailed) as err:
        _log(_lead(), **draft)
    [violation] = err.value.violations
    assert (violation.field, violation.description) == ("next_step_at", rule)


def test_notes_have_a_limit():
    with pytest.raises(ValidationFailed) as err:
        _log(_lead(), notes="字" * 2001)
    assert _fields(err) == {"notes"}


def test_a_pool_lead_is_claimed_before_it_is_worked():
    with pytest.raises(FailedPrecondition, match="claim it first"):
        _log(_lead(owner_id="", status=LeadStatus.NEW))


@pytest.mark.parametrize("status", [LeadStatus.DISQUALIFIED, LeadStatus.CONVERTED])
def test_a_finished_lead_takes_no_follow_ups(status):
    with pytest.raises(FailedPrecondition, match=f"it is {status}"):
        _log(_lead(status=status))
