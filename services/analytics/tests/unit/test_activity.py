"""Lead facts, activity per rep (follow-ups by kind, first response, SLA) and lead ->
opportunity -> won conversion, from a known history of lead and deal events."""

import random
from datetime import UTC, date, datetime

from analytics.domain.activity import activity, conversion
from analytics.domain.filters import Period, Scope
from analytics.domain.projection import fold
from analytics_events import envelope, history, lead_event, lead_history

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))
NOW = datetime(2026, 11, 24, tzinfo=UTC)
ALL = Scope("all", "dir").sees


def _leads(events):
    return sorted(fold(events).leads.values(), key=lambda lead: lead.lead_id)


def test_a_leads_facts_are_the_same_in_any_order():
    events = lead_history()
    shuffled = list(events)
    random.Random(11).shuffle(shuffled)
    assert fold(shuffled).leads == fold(events).leads
    l2 = fold(events).leads["l2"]
    assert (l2.owner_id, l2.team_id, l2.owner_version) == ("rep-1", "team-a", 3)
    assert l2.first_due_at == datetime(2026, 11, 4, 8, tzinfo=UTC)


def test_a_recycled_lead_has_no_owner_until_the_next_one():
    events = [
        lead_event("LeadCreated", "l9", {"source": "web"}),
        lead_event("LeadAssigned", "l9", {"owner_id": "rep-1", "team_id": "a"}, version=2),
        lead_event("LeadRecycled", "l9", {"previous_owner_id": "rep-1"}, version=3),
    ]
    lead = fold(events).leads["l9"]
    assert (lead.owner_id, lead.team_id) == ("", "")
    claimed = lead_event("LeadClaimed", "l9", {"owner_id": "rep-2", "team_id": "b"}, version=4)
    assert fold([*events, claimed]).leads["l9"].owner_id == "rep-2"


def test_activity_per_rep():
    reps = {r.user_id: r for r in activity(_leads(lead_history()), [], NOVEMBER, NOW, ALL)}
    rep1, rep2 = reps["rep-1"], reps["rep-2"]
    assert rep1.follow_ups_by_kind == {"call": 2, "visit": 1}
    assert (rep1.first_response_hours.mean, rep1.first_response_hours.p90) == (25, 48)
    assert (rep1.sla_due, rep1.sla_met, rep1.sla_compliance) == (2, 1, 0.5)
    assert rep2.follow_ups_by_kind == {"wechat": 1}
    assert (rep2.first_response_hours.count, rep2.sla_due, rep2.sla_compliance) == (0, 1, 0.0)


def test_a_deadline_not_yet_reached_is_not_counted():
    early = datetime(2026, 11, 4, 12, tzinfo=UTC)  # l2's deadline passed, l3's not yet
    reps = {r.user_id: r for r in activity(_leads(lead_history()), [], NOVEMBER, early, ALL)}
    assert reps["rep-2"].sla_due == 0 and reps["rep-1"].sla_due == 2


def test_a_manager_sees_the_teams_leads_only():
    team_b = Scope("team", "mgr", "team-b").sees
    reps = activity(_leads(lead_history()), [], NOVEMBER, NOW, team_b)
    assert [(r.user_id, r.sla_due, r.follow_ups_by_kind) for r in reps] == [("rep-2", 1, {})]


def test_conversion_by_source_counts_leads_opportunities_and_wins():
    projection = fold(lead_history() + history())
    won = {d.source_lead_id for d in projection.deals.values() if d.status == "won"}
    cohort = [lead for lead in projection.leads.values() if lead.created_at is not None]
    rows = {r.group: r for r in conversion(cohort, won, "source")}
    assert (rows["web"].leads, rows["web"].converted, rows["web"].won) == (2, 1, 1)
    assert (rows["web"].lead_to_opportunity, rows["web"].opportunity_to_won) == (0.5, 1.0)
    assert (rows["expo"].leads, rows["expo"].lead_to_won) == (1, 0.0)
    assert [r.group for r in conversion(cohort, won, "team")] == ["team-a", "team-b"]
    assert [r.group for r in conversion(cohort, won, "month")] == ["2026-11"]


def test_missed_cadences_of_leads_and_deals_count_for_the_rep_reminded():
    due = {"owner_id": "rep-1", "due_at": "2026-11-10T08:00:00Z"}
    reminders = [
        lead_event("LeadFollowUpDue", "l1", due, version=9),
        lead_event("LeadFollowUpDue", "l1", due, version=9),  # the same reminder again
        lead_event("LeadFollowUpDue", "l1", {**due, "due_at": "2026-12-01T00:00:00Z"}),
    ]
    cadence = {
        "opportunity_id": "d3",
        "owner_id": "rep-2",
        "team_id": "team-b",
        "due_at": "2026-11-12T00:00:00Z",
    }
    deal_reminder = envelope("OpportunityCadenceOverdue", cadence, version=7)
    projection = fold(lead_history() + history() + reminders + [deal_reminder])
    assert projection.deals["d3"].stage == "needs"  # a reminder states nothing
    leads = sorted(projection.leads.values(), key=lambda lead: lead.lead_id)
    deals = list(projection.deals.values())
    reps = {r.user_id: r for r in activity(leads, deals, NOVEMBER, NOW, ALL)}
    assert (reps["rep-1"].overdue_cadences, reps["rep-2"].overdue_cadences) == (1, 1)
    team_b = Scope("team", "mgr", "team-b").sees
    assert [
        (r.user_id, r.overdue_cadences) for r in activity(leads, deals, NOVEMBER, NOW, team_b)
    ] == [("rep-2", 1)]
