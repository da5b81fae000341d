"""Cadence reminders of open deals and dormancy of accounts: when each falls due, once
per period, and what the timer's index holds."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from opportunity.domain.account import AccountDraft, Tier, create_account
from opportunity.domain.cadence import (
    cadence_check_at,
    dormant_due,
    follow_up_due,
    mark_dormant_if_idle,
    record_activity,
    remind_if_overdue,
    with_schedule,
)
from opportunity.domain.opportunity import OpportunityDraft, Status, create_opportunity

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def _deal():
    opp = create_opportunity(
        OpportunityDraft(name="x", account_id="a1"),
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
    return replace(opp, events=[], history=[])


def test_a_follow_up_is_due_every_cadence_period_after_the_last_activity():
    opp = _deal()
    assert follow_up_due(opp, 2) == T0 + 2 * DAY == with_schedule(opp, 2).next_follow_up_due_at
    assert follow_up_due(replace(opp, last_activity_at=T0 + DAY), 2) == T0 + 3 * DAY
    assert follow_up_due(replace(opp, status=Status.WON), 2) is None
    assert cadence_check_at(replace(opp, status=Status.LOST), 2) is None


def test_one_reminder_per_missed_period_never_twice():
    opp = _deal()
    assert remind_if_overdue(opp, 2, T0 + 2 * DAY - timedelta(seconds=1)) is opp
    reminded = remind_if_overdue(opp, 2, T0 + 2 * DAY)
    [event] = reminded.events
    assert event.event_type == "OpportunityCadenceOverdue"
    assert (
        event.payload["due_at"] == "2026-11-03T09:00:00.000Z" and event.payload["cadence_days"] == 2
    )
    saved = replace(reminded, events=[])
    assert remind_if_overdue(saved, 2, T0 + 3 * DAY) is saved  # same period: nothing more
    assert cadence_check_at(saved, 2) == T0 + 4 * DAY
    assert (
        remind_if_overdue(saved, 2, T0 + 4 * DAY).events[0].payload["due_at"]
        == "2026-11-05T09:00:00.000Z"
    )


def test_after_an_outage_only_the_latest_missed_period_is_raised():
    reminded = remind_if_overdue(_deal(), 2, T0 + 9 * DAY)
    assert len(reminded.events) == 1 and reminded.cadence_reminded_at == T0 + 8 * DAY
    assert cadence_check_at(reminded, 2) == T0 + 10 * DAY


def test_activity_restarts_the_cadence():
    reminded = replace(remind_if_overdue(_deal(), 2, T0 + 2 * DAY), events=[])
    worked = replace(reminded, last_activity_at=T0 + 2 * DAY + timedelta(hours=1))
    assert cadence_check_at(worked, 2) == T0 + 4 * DAY + timedelta(hours=1)
    assert remind_if_overdue(worked, 2, T0 + 3 * DAY) is worked


def _account(**fields):
    made = create_account(
        AccountDraft(name="云图科技", **fields),
        account_id="a1",
        tenant_id="t1",
        created_by="u",
        now=T0,
    )
    return replace(made, events=[])


def test_an_idle_account_goes_dormant_once_and_wakes_up_at_its_tier():
    account = _account(tier="high")
    assert dormant_due(account, 30) == T0 + 30 * DAY
    assert mark_dormant_if_idle(account, 30, T0 + 30 * DAY - timedelta(seconds=1)) is account
    dormant = mark_dormant_if_idle(account, 30, T0 + 31 * DAY)
    assert (dormant.tier, dormant.dormant_from_tier) == (Tier.DORMANT, "high")
    assert [e.event_type for e in dormant.events] == ["AccountDormant", "AccountTierChanged"]
    assert dormant.events[0].payload["inactive_days"] == 31
    settled = replace(dormant, events=[])
    assert (
        dormant_due(settled, 30) is None
        and mark_dormant_if_idle(settled, 30, T0 + 90 * DAY) is settled
    )
    awake = record_activity(settled, T0 + 40 * DAY)
    assert (awake.tier, awake.last_activity_at) == ("high", T0 + 40 * DAY)
    assert awake.events[-1].payload["reason"] == "activity resumed"


def test_strategic_accounts_are_never_flagged_by_the_job():
    strategic = _account(tier="strategic")
    assert dormant_due(strategic, 30) is None
    assert mark_dormant_if_idle(strategic, 30, T0 + 365 * DAY) is strategic
