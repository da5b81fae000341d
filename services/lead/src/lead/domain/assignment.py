"""Which rep a new lead should go to, and why, from the tenant's rules taken in order.

The domain only ranks. `plan_assignment` returns the reps to try, in order, each with
the rule and the reason that put it there; taking a rep's slot is the store's
conditional update (open leads still below capacity), so when two leads race for a
rep's last slot the loser moves on to the next candidate instead of overfilling anyone.
The order is round-robin within each rule's group: the store hands every lead a turn
number per group (an atomic counter, outside the lead's transaction, so concurrent
captures never fight over it and no two leads get the same turn), and turn n starts
at the n-th of the group's eligible reps in id order, wrapping round (so a rep who is
away or full does not pass all their turns to one neighbour). Reps who are
away, deactivated or full are skipped and named, so a lead that lands in the pool says
why; open-source CRMs that forget this hand leads to people who have left.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from crm_runtime.errors import FailedPrecondition, FieldViolation, require

from lead.domain.lead import Lead, revise, rfc3339
from lead.domain.lifecycle import MAX_REASON, ensure_open, take_ownership
from lead.domain.pool import ensure_not_held
from lead.domain.settings import LeadSettings

MANUAL = "manual"


@dataclass(frozen=True)
class Rep:
    """A rep as the store sees them now, with their current load."""

    id: str
    name: str = ""
    team_id: str = ""
    groups: frozenset[str] = frozenset()
    skills: frozenset[str] = frozenset()
    senior: bool = False
    active: bool = True  # False once deactivated, e.g. after leaving the company
    away: bool = False  # on leave or out of office
    open_leads: int = 0
    capacity: int | None = None  # overrides the tenant's rep_capacity

    @property
    def label(self) -> str:
        return self.name or self.id


@dataclass(frozen=True)
class AssignmentRule:
    """Leads matching every criterion given go to the group's reps having every skill.

    An empty criterion matches anything; an empty group means every rep.
    """

    name: str
    group: str = ""
    regions: frozenset[str] = frozenset()
    industries: frozenset[str] = frozenset()
    product_lines: frozenset[str] = frozenset()
    min_score: int | None = None
    skills: frozenset[str] = frozenset()
    seniors_only: bool = False

    def matches(self, lead: Lead) -> bool:
        return (
            (not self.regions or lead.region in self.regions)
            and (not self.industries or lead.industry in self.industries)
            and (not self.product_lines or lead.product_line in self.product_lines)
            and (self.min_score is None or lead.score >= self.min_score)
        )

    def why(self, lead: Lead) -> str:
        """The criteria this lead met, in words; "any lead" for a catch-all rule."""
        met = [
            f"{label} {value}"
            for label, value, wanted in (
                ("region", lead.region, self.regions),
                ("industry", lead.industry, self.industries),
                ("product line", lead.product_line, self.product_lines),
            )
            if wanted
        ]
        if self.min_score is not None:
            met.append(f"score {lead.score} ≥ {self.min_score}")
        return ", ".join(met) or "any lead"


def senior_rule(settings: LeadSettings, *, group: str = "") -> AssignmentRule:
    """ "Score ≥ 80 goes to senior reps", with the tenant's threshold."""
    return AssignmentRule(
        name="high-score-to-seniors",
        group=group,
        min_score=settings.senior_score_threshold,
        seniors_only=True,
    )


@dataclass(frozen=True)
class Candidate:
    """A rep to try, with the rule and the reason to record if the store gets the slot."""

    rep_id: str
    team_id: str
    rule: str
    reason: str


@dataclass(frozen=True)
class AssignmentPlan:
    candidates: tuple[Candidate, ...]
    pool_reason: str  # recorded if the lead goes to the pool (no candidate could be taken)

    @property
    def to_pool(self) -> bool:
        return not self.candidates


def _capacity(rep: Rep, settings: LeadSettings) -> int:
    return rep.capacity if rep.capacity is not None else settings.rep_capacity


def _skip_reason(rep: Rep, rule: AssignmentRule, settings: LeadSettings) -> str:
    if not rep.active:
        return f"{rep.label} is deactivated"
    if rep.away:
        return f"{rep.label} is away"
    if rule.seniors_only and not rep.senior:
        return f"{rep.label} is not a senior rep"
    missing = rule.skills - rep.skills
    if missing:
        return f"{rep.label} lacks {', '.join(sorted(missing))}"
    capacity = _capacity(rep, settings)
    if rep.open_leads >= capacity:
        return f"{rep.label} is at capacity ({rep.open_leads}/{capacity} open leads)"
    return ""


def _in_turn(reps: Sequence[Rep], turn: int) -> list[Rep]:
    """Reps by id, turn n (from 1) starting at the n-th and wrapping round."""
    ordered = sorted(reps, key=lambda rep: rep.id)
    start = (turn - 1) % len(ordered) if ordered else 0
    return ordered[start:] + ordered[:start]


def groups_in_turn(lead: Lead, rules: Sequence[AssignmentRule]) -> list[str]:
    """The round-robin groups whose turn `plan_assignment` needs for `lead`: those of the
    rules it matches, once each, in rule order."""
    return list(dict.fromkeys(rule.group for rule in rules if rule.matches(lead)))


def plan_assignment(
    lead: Lead,
    rules: Sequence[AssignmentRule],
    reps: Sequence[Rep],
    turns: Mapping[str, int],
    settings: LeadSettings,
) -> AssignmentPlan:
    """The reps to try for `lead`, first rule first, each rule's group in round-robin order
    from the lead's turn in that group (1 when none was drawn).

    A rule that matches but has nobody eligible falls through to the next rule.
    """
    candidates: list[Candidate] = []
    notes: list[str] = []
    for rule in rules:
        if not rule.matches(lead):
            continue
        group = rule.group or "all reps"
        members = [r for r in reps if not rule.group or rule.group in r.groups]
        skipped = {r.id: _skip_reason(r, rule, settings) for r in members}
        eligible = [r for r in members if not skipped[r.id]]
        for rep in _in_turn(eligible, turns.get(rule.group, 1)):
            if any(c.rep_id == rep.id for c in candidates):
                continue
            reason = (
                f"rule {rule.name!r} ({rule.why(lead)}): {rep.label} is next in the "
                f"round-robin of {group} ({rep.open_leads}/{_capacity(rep, settings)} open leads)"
            )
            candidates.append(Candidate(rep.id, rep.team_id, rule.name, reason))
        if not any(c.rule == rule.name for c in candidates):
            why_not = "; ".join(why for why in skipped.values() if why) or f"{group} is empty"
            notes.append(f"rule {rule.name!r} matched but no rep was eligible: {why_not}")
    if candidates:
        return AssignmentPlan(tuple(candidates), "every eligible rep was full when assigned")
    if not notes:
        notes.append(
            f"no assignment rule matched (region {lead.region or '-'}, industry "
            f"{lead.industry or '-'}, product line {lead.product_line or '-'}, "
            f"score {lead.score})"
        )
    return AssignmentPlan((), "; ".join(notes))


def manual_candidate(rep: Rep, *, by: str, reason: str = "") -> Candidate:
    """A manager's choice. Capacity is the manager's call; away or deactivated reps are not."""
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        require([FieldViolation("reason", f"must be at most {MAX_REASON} characters")])
    if not rep.active or rep.away:
        state = "deactivated" if not rep.active else "away"
        raise FailedPrecondition(f"cannot assign a lead to {rep.label}: the rep is {state}")
    said = f"assigned by hand by {by}" + (f": {reason}" if reason else "")
    return Candidate(rep.id, rep.team_id, MANUAL, said)


def assign(lead: Lead, candidate: Candidate, *, now: datetime, settings: LeadSettings) -> Lead:
    """The lead owned by the candidate, recording LeadAssigned with its rule and reason.

    Allowed from any open status, so a manager can reassign a lead already worked.
    Assigning a lead to its owner changes nothing.
    """
    ensure_open(lead, "assign")
    if lead.owner_id == candidate.rep_id:
        return lead
    if candidate.rule != MANUAL:
        ensure_not_held(lead, candidate.rep_id, now, settings)
    owned = take_ownership(
        lead,
        owner_id=candidate.rep_id,
        team_id=candidate.team_id,
        rule=candidate.rule,
        reason=candidate.reason,
        now=now,
    )
    payload = {
        "lead_id": lead.id,
        "owner_id": candidate.rep_id,
        "previous_owner_id": lead.owner_id,
        "rule": candidate.rule,
        "reason": candidate.reason,
        "first_follow_up_due_at": rfc3339(now + settings.first_follow_up_sla),
        "team_id": candidate.team_id,
    }
    return revise(owned, now, [("LeadAssigned", payload)])
