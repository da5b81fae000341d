"""SLA and recycling: warnings at the deadline then to the manager, never twice; 30-day
recycling with the reason, whatever path made someone owner."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from crm_runtime.messaging.schema import payload_message
from lead.domain.assignment import Rep, assign, manual_candidate
from lead.domain.followups import FollowUpDraft, log_follow_up
from lead.domain.lead import LeadDraft, LeadStatus, create_lead
from lead.domain.pool import claim, cooldown_until, in_pool
from lead.domain.settings import LeadSettings
from lead.domain.sla import (
    CADENCE,
    FIRST_FOLLOW_UP,
    MANAGER,
    OWNER,
    SlaAlert,
    due_alerts,
    first_follow_up_due,
    next_check_at,
    record_alerts,
    recycle_due_at,
    recycle_if_neglected,
)

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
SETTINGS = LeadSettings()
HOUR, DAY, SECOND = timedelta(hours=1), timedelta(days=1), timedelta(seconds=1)


def _pool_lead():
    lead = create_lead(
        LeadDraft(name="张伟", source="web"),
        lead_id="l1",
        tenant_id="t1",
        created_by="api",
        now=NOW,
    )
    return replace(lead, owner_id="", events=[])


def _assigned(at=NOW, rep="ann"):
    lead = assign(_pool_lead(), manual_candidate(Rep(rep), by="mgr"), now=at, settings=SETTINGS)
    lead.events.clear()
    return lead


def _followed_up(lead, at):
    draft = FollowUpDraft(kind="call", notes="聊了需求")
    done, _ = log_follow_up(lead, draft, follow_up_id="f", by=lead.owner_id, now=at)
    done.events.clear()
    return done


def _levels(alerts):
    return [(a.kind, a.level) for a in alerts]


def test_the_first_follow_up_is_due_a_day_after_assignment():
    lead = _assigned()
    assert first_follow_up_due(lead, SETTINGS) == NOW + 24 * HOUR
    assert due_alerts(lead, NOW + 24 * HOUR - SECOND, SETTINGS) == ()
    assert _levels(due_alerts(lead, NOW + 24 * HOUR, SETTINGS)) == [(FIRST_FOLLOW_UP, OWNER)]


def test_the_manager_is_warned_one_period_after_the_owner():
    lead = _assigned()
    lead = record_alerts(
        lead, due_alerts(lead, NOW + 24 * HOUR, SETTINGS), manager_id="mgr", now=NOW + 24 * HOUR
    )
    assert due_alerts(lead, NOW + 48 * HOUR - SECOND, SETTINGS) == ()
    [alert] = due_alerts(lead, NOW + 48 * HOUR, SETTINGS)
    assert (alert.level, alert.due_at) == (MANAGER, NOW + 48 * HOUR)


def test_a_late_timer_raises_both_warnings_at_once():
    assert _levels(due_alerts(_assigned(), NOW + 3 * DAY, SETTINGS)) == [
        (FIRST_FOLLOW_UP, OWNER),
        (FIRST_FOLLOW_UP, MANAGER),
    ]


def test_an_alert_is_never_due_twice():
    lead = _assigned()
    at = NOW + 24 * HOUR
    warned = record_alerts(lead, due_alerts(lead, at, SETTINGS), manager_id="mgr", now=at)
    assert due_alerts(warned, at, SETTINGS) == ()
    assert due_alerts(warned, at + 23 * HOUR, SETTINGS) == ()
    stale = due_alerts(lead, at, SETTINGS)  # a second timer that read the lead earlier
    assert record_alerts(warned, stale, manager_id="mgr", now=at) is warned
    escalated = record_alerts(
        warned, due_alerts(warned, at + DAY, SETTINGS), manager_id="mgr", now=at + DAY
    )
    assert due_alerts(escalated, at + 10 * DAY, SETTINGS) == ()
    assert [e.payload["level"] for e in escalated.events] == [OWNER, MANAGER]


def test_a_breach_names_owner_manager_level_and_deadline():
    lead = _assigned()
    at = NOW + 24 * HOUR
    [event] = record_alerts(lead, due_alerts(lead, at, SETTINGS), manager_id="mgr", now=at).events
    assert event.event_type == "LeadSlaBreached"
    assert event.payload == {
        "lead_id": "l1",
        "owner_id": "ann",
        "manager_id": "mgr",
        "level": "owner",
        "due_at": "2026-11-25T08:00:00.000Z",
    }
    payload_message(event.event_type, event.payload)


def test_a_follow_up_in_time_means_no_warning():
    lead = _followed_up(_assigned(), NOW + 5 * HOUR)
    assert first_follow_up_due(lead, SETTINGS) is None
    assert due_alerts(lead, NOW + 2 * DAY, SETTINGS) == ()


def test_a_new_owner_gets_a_fresh_deadline():
    lead = _assigned()
    at = NOW + 24 * HOUR
    warned = record_alerts(lead, due_alerts(lead, at, SETTINGS), manager_id="mgr", now=at)
    moved = assign(warned, manual_candidate(Rep("bob"), by="mgr"), now=at, settings=SETTINGS)
    assert moved.sla_sent == ()
    assert first_follow_up_due(moved, SETTINGS) == at + 24 * HOUR
    assert due_alerts(moved, at + 23 * HOUR, SETTINGS) == ()


def test_a_claimed_lead_has_the_same_deadline_as_an_assigned_one():
    lead = claim(
        _pool_lead(),
        rep_id="bob",
        team_id="",
        claims_in_window=0,
        open_leads=0,
        now=NOW,
        settings=SETTINGS,
    )
    assert first_follow_up_due(lead, SETTINGS) == NOW + 24 * HOUR
    assert recycle_due_at(lead, SETTINGS) == NOW + 30 * DAY


def test_a_lead_its_creator_owns_counts_from_its_creation():
    lead = replace(_pool_lead(), owner_id="ann")
    assert first_follow_up_due(lead, SETTINGS) == NOW + 24 * HOUR


@pytest.mark.parametrize("status", [LeadStatus.DISQUALIFIED, LeadStatus.CONVERTED])
def test_finished_and_pool_leads_have_no_clock(status):
    assert due_alerts(_pool_lead(), NOW + 40 * DAY, SETTINGS) == ()
    assert recycle_due_at(_pool_lead(), SETTINGS) is None
    finished = replace(_assigned(), status=status)
    assert due_alerts(finished, NOW + 40 * DAY, SETTINGS) == ()
    assert recycle_if_neglected(finished, NOW + 40 * DAY, SETTINGS) is finished


def test_the_cadence_reminds_the_owner_every_three_days():
    lead = _followed_up(_assigned(), NOW + HOUR)
    assert due_alerts(lead, NOW + HOUR + 3 * DAY - SECOND, SETTINGS) == ()
    [first] = due_alerts(lead, NOW + HOUR + 3 * DAY, SETTINGS)
    assert (first.kind, first.level, first.due_at) == (CADENCE, OWNER, NOW + HOUR + 3 * DAY)
    lead = record_alerts(lead, [first], manager_id="", now=first.due_at)
    assert due_alerts(lead, NOW + HOUR + 6 * DAY - SECOND, SETTINGS) == ()
    assert [a.due_at for a in due_alerts(lead, NOW + HOUR + 6 * DAY, SETTINGS)] == [
        NOW + HOUR + 6 * DAY
    ]


def test_a_missed_cadence_is_a_follow_up_reminder_not_a_breach():
    lead = _followed_up(_assigned(), NOW + HOUR)
    at = NOW + HOUR + 3 * DAY
    reminded = record_alerts(lead, due_alerts(lead, at, SETTINGS), manager_id="mgr", now=at)
    [event] = [e for e in reminded.events if e.event_type in ("LeadFollowUpDue", "LeadSlaBreached")]
    assert event.event_type == "LeadFollowUpDue"
    assert event.payload == {
        "lead_id": "l1",
        "owner_id": "ann",
        "due_at": "2026-11-27T09:00:00.000Z",
        "last_follow_up_at": "2026-11-24T09:00:00.000Z",
    }
    payload_message(event.event_type, event.payload)


def test_after_an_outage_only_the_latest_missed_reminder_is_raised():
    lead = _followed_up(_assigned(), NOW)
    [alert] = due_alerts(lead, NOW + 10 * DAY, SETTINGS)
    assert alert.due_at == NOW + 9 * DAY


def test_a_follow_up_restarts_the_cadence():
    lead = _followed_up(_assigned(), NOW)
    lead = _followed_up(lead, NOW + 2 * DAY)
    assert due_alerts(lead, NOW + 4 * DAY, SETTINGS) == ()


def test_a_lead_with_no_follow_up_for_30_days_returns_to_the_pool_with_the_reason():
    lead = _followed_up(_assigned(), NOW + DAY)
    assert recycle_if_neglected(lead, NOW + 31 * DAY - SECOND, SETTINGS) is lead
    recycled = recycle_if_neglected(lead, NOW + 31 * DAY, SETTINGS)
    assert in_pool(recycled)
    [event] = [e for e in recycled.events if e.event_type == "LeadRecycled"]
    assert event.payload["previous_owner_id"] == "ann"
    assert event.payload["reason"] == (
        "no follow-up for 30 days (last follow-up at 2026-11-25T08:00:00.000Z)"
    )
    assert recycled.assignment_reason == event.payload["reason"]
    assert cooldown_until(recycled, "ann", SETTINGS) == NOW + 38 * DAY


def test_a_lead_never_followed_up_is_recycled_30_days_after_its_owner_got_it():
    recycled = recycle_if_neglected(_assigned(), NOW + 30 * DAY, SETTINGS)
    assert recycled.status is LeadStatus.NEW and recycled.owner_id == ""
    assert "since ann became owner at 2026-11-24T08:00:00.000Z" in recycled.assignment_reason


def test_recycling_counts_from_the_new_owner_not_the_old_owners_follow_up():
    old = _followed_up(_assigned(rep="ann"), NOW)
    moved = assign(
        old, manual_candidate(Rep("bob"), by="mgr"), now=NOW + 20 * DAY, settings=SETTINGS
    )
    assert recycle_due_at(moved, SETTINGS) == NOW + 50 * DAY
    assert first_follow_up_due(moved, SETTINGS) == NOW + 21 * DAY


def test_recycling_applies_to_claimed_leads_even_while_held():
    settings = LeadSettings.from_dict({"holding_days": 60})
    lead = claim(
        _pool_lead(),
        rep_id="bob",
        team_id="",
        claims_in_window=0,
        open_leads=0,
        now=NOW,
        settings=settings,
    )
    assert in_pool(recycle_if_neglected(lead, NOW + 30 * DAY, settings))


def test_the_recycling_period_is_the_tenants():
    settings = LeadSettings.from_dict({"recycle_after_days": 10})
    assert recycle_due_at(_assigned(), settings) == NOW + 10 * DAY


def test_the_next_check_is_the_next_deadline_not_yet_handled():
    lead = _assigned()
    assert next_check_at(lead, SETTINGS) == NOW + 24 * HOUR
    lead = record_alerts(
        lead, [SlaAlert(FIRST_FOLLOW_UP, OWNER, NOW + 24 * HOUR)], manager_id="", now=NOW
    )
    assert next_check_at(lead, SETTINGS) == NOW + 48 * HOUR
    lead = _followed_up(lead, NOW + 2 * DAY)
    assert next_check_at(lead, SETTINGS) == NOW + 5 * DAY
    alerts = due_alerts(lead, NOW + 12 * DAY, SETTINGS)
    lead = record_alerts(lead, alerts, manager_id="", now=NOW + 12 * DAY)
    assert next_check_at(lead, SETTINGS) == NOW + 14 * DAY
    assert next_check_at(_pool_lead(), SETTINGS) is None
