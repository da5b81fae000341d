"""Activity and lead conversion over lead facts. Pure Python.

- Follow-ups per rep by kind: follow-ups logged in the period, counted for whoever
  logged them.
- First response: hours from a lead's creation to its first follow-up, of the leads
  created in the period, per lead owner.
- SLA compliance: of the leads created in the period whose first-follow-up deadline has
  passed or been met, the share followed up by the deadline (the first assignment's).
- Overdue cadences: reminders that a lead's or a deal's next follow-up was missed
  (LeadFollowUpDue, OpportunityCadenceOverdue) due in the period, per rep reminded.
- Conversion: of the leads created in the period, per source, owner, team or month,
  how many became an opportunity and how many of those were won.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from analytics.domain.deals import Deal
from analytics.domain.filters import Period
from analytics.domain.leads import LeadFact
from analytics.domain.stats import Spread, ratio, spread

HOUR = 3600.0
LEAD_GROUPS = ("", "source", "owner", "team", "month")


@dataclass
class RepActivity:
    user_id: str
    follow_ups_by_kind: dict[str, int] = field(default_factory=dict)
    first_response_hours: Spread = field(default_factory=lambda: spread([]))
    sla_due: int = 0  # leads whose deadline passed or was met
    sla_met: int = 0
    overdue_cadences: int = 0

    @property
    def sla_compliance(self) -> float:
        return ratio(self.sla_met, self.sla_due)


def activity(
    leads: Sequence[LeadFact],
    deals: Sequence[Deal],
    period: Period,
    now: datetime,
    counts: Callable[[str, str], bool],
) -> list[RepActivity]:
    """Per rep: `counts(user_id, team_id)` says whose figures the caller may see."""
    overdue: dict[str, int] = defaultdict(int)
    reminders = [(r.overdue, r.team_id) for r in leads] + [(d.overdue, d.team_id) for d in deals]
    for missed, team_id in reminders:
        for due_at, owner in missed:
            if period.holds(due_at.date()) and counts(owner, team_id):
                overdue[owner] += 1
    kinds: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    responses: dict[str, list[float]] = defaultdict(list)
    due: dict[str, int] = defaultdict(int)
    met: dict[str, int] = defaultdict(int)
    for lead in leads:
        for f in lead.follow_ups:
            if period.holds(f.at.date()) and counts(f.owner_id, lead.team_id):
                kinds[f.owner_id][f.kind] += 1
        created = lead.created_at
        if created is None or not period.holds(created.date()):
            continue
        if not lead.owner_id or not counts(lead.owner_id, lead.team_id):
            continue
        first = lead.first_follow_up_at
        if first is not None:
            responses[lead.owner_id].append((first - created).total_seconds() / HOUR)
        deadline = lead.first_due_at
        if deadline is not None and (deadline <= now or (first is not None and first <= deadline)):
            due[lead.owner_id] += 1
            met[lead.owner_id] += int(first is not None and first <= deadline)
    reps = sorted(set(kinds) | set(responses) | set(due) | set(overdue))
    return [
        RepActivity(
            rep,
            dict(sorted(kinds[rep].items())),
            spread(responses[rep]),
            due[rep],
            met[rep],
            overdue[rep],
        )
        for rep in reps
    ]


@dataclass(frozen=True)
class Conversion:
    group: str
    leads: int
    converted: int  # became an opportunity
    won: int  # whose opportunity was won

    @property
    def lead_to_opportunity(self) -> float:
        return ratio(self.converted, self.leads)

    @property
    def opportunity_to_won(self) -> float:
        return ratio(self.won, self.converted)

    @property
    def lead_to_won(self) -> float:
        return ratio(self.won, self.leads)


def _group(group_by: str, lead: LeadFact) -> str:
    if group_by == "source":
        return lead.source
    if group_by == "owner":
        return lead.owner_id
    if group_by == "team":
        return lead.team_id
    if group_by == "month" and lead.created_at is not None:
        return lead.created_at.strftime("%Y-%m")
    return ""


def conversion(
    leads: Sequence[LeadFact], won_leads: Collection[str], group_by: str
) -> list[Conversion]:
    """`leads` of the cohort; `won_leads` the ids of leads whose opportunity was won."""
    rows: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for lead in leads:
        row = rows[_group(group_by, lead)]
        won = lead.lead_id in won_leads
        row[0] += 1
        row[1] += int(bool(lead.opportunity_id) or won)  # a win seen before the conversion
        row[2] += int(won)
    return [Conversion(g, *rows[g]) for g in sorted(rows)]
