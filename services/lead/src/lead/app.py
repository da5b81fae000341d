"""Lead use cases: load through the unit of work, let the domain decide, save with a
version check, keep each rep's open-lead count in step. Every write is one transaction
with its events (the outbox); every read and write is scoped to the caller's tenant and
data scope, so another tenant's or another rep's lead simply does not exist here."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from crm_runtime.clock import utcnow
from crm_runtime.errors import NotFound, check_version
from crm_runtime.paging import encode_position
from crm_runtime.principal import Principal

from lead.domain import assignment, dedup, pool
from lead.domain.assignment import Rep
from lead.domain.followups import FollowUp, FollowUpDraft, log_follow_up
from lead.domain.lead import Lead, LeadDraft, LeadStatus, create_lead
from lead.domain.lifecycle import change_status, is_open
from lead.domain.scoring import Engagement, apply_score, score_lead
from lead.domain.settings import LeadSettings
from lead.domain.sla import next_check_at
from lead.domain.visibility import can_see
from lead.listing import LeadQuery, page_window
from lead.ports import LeadStorage, Routing, Stores


def _new_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class Captured:
    lead: Lead  # the new lead, or the lead it was merged into
    outcome: str  # created, flagged or merged
    duplicates: tuple[dedup.Match, ...]


def counted_owner(lead: Lead) -> str:
    """Whose open-lead count this lead is part of ("" when nobody's)."""
    return lead.owner_id if lead.owner_id and is_open(lead) and not lead.merged_into else ""


class Session:
    """One use case's view of one tenant inside one transaction."""

    def __init__(self, stores: Stores, tenant_id: str, slots: Routing) -> None:
        self.leads = stores.leads(tenant_id)
        self.config = stores.config(tenant_id)
        self.settings: LeadSettings = self.config.settings()
        self.slots = slots

    def visible(self, principal: Principal, lead_id: str) -> Lead:
        lead = self.leads.get(lead_id)
        if lead is None or not can_see(principal, lead):
            raise NotFound(f"lead {lead_id} not found")
        return lead

    def assignable(self, principal: Principal, lead_id: str) -> Lead:
        """A lead the caller may hand out: one they can see, or one in the public pool."""
        lead = self.leads.get(lead_id)
        if lead is None or not (can_see(principal, lead) or not lead.owner_id):
            raise NotFound(f"lead {lead_id} not found")
        return lead

    def rep(self, rep_id: str) -> Rep:
        return self.config.rep(rep_id) or Rep(id=rep_id)

    def save(self, before: Lead, after: Lead) -> Lead:
        """Persist `after` over `before` and move the open-lead count with the owner
        (already moved when the rules routed the lead: the slot was reserved)."""
        old, new = counted_owner(before), counted_owner(after)
        if old != new:
            if old:
                self.config.free_slot(old)
            if new and not self.slots.holds(new, after.id):
                self.config.add_open_lead(new)
        return self.leads.save(after, before.version, next_check_at(after, self.settings))

    def route(self, lead: Lead, now: datetime) -> Lead:
        """Owner by the tenant's rules in order, taking a slot atomically; else the pool."""
        reps = {rep.id: rep for rep in self.config.all_reps()}
        rules = self.config.rules()
        turns = self.slots.draw_turns(assignment.groups_in_turn(lead, rules))
        plan = assignment.plan_assignment(lead, rules, list(reps.values()), turns, self.settings)
        for candidate in plan.candidates:
            capacity = reps[candidate.rep_id].capacity or self.settings.rep_capacity
            if self.slots.reserve(candidate.rep_id, capacity, lead.id, now):
                return assignment.assign(lead, candidate, now=now, settings=self.settings)
        return pool.note_unassigned(lead, plan.pool_reason, now=now)


def capture(
    s: Session, principal: Principal, draft: LeadDraft, lead_id: str, now: datetime
) -> Captured:
    """Capture one lead inside the session's transaction: validate, find duplicates and
    reject, flag or merge per the tenant's policy, score, assign; the lead and its events
    are written with the session. POST /v1/leads and the bulk import both come here."""
    lead = create_lead(
        draft,
        lead_id=lead_id,
        tenant_id=principal.tenant_id,
        created_by=principal.user_id,
        now=now,
        schema=s.config.custom_fields(),
    )
    keys = dedup.keys_of_lead(lead)
    s.leads.serialise_identifiers(keys, lead.id, now)
    decision = dedup.decide(keys, s.leads.possible_duplicates(keys), s.settings.duplicate_policy)
    dedup.refuse_if_rejected(decision)
    lead = apply_score(lead, score_lead(lead, s.settings), now=now)
    if decision.outcome is dedup.Outcome.MERGE:
        survivor = s.leads.get(decision.survivor_id)
        if survivor is None:  # matched inside this very transaction: cannot vanish
            raise NotFound(f"lead {decision.survivor_id} not found")
        kept, merged = dedup.merge(survivor, lead, by=principal.user_id, now=now)
        s.leads.add(merged, None)
        return Captured(s.save(survivor, kept), "merged", decision.matches)
    lead = dedup.flag_duplicate(lead, decision, now=now)
    if draft.owner_id:
        manual = assignment.manual_candidate(
            s.rep(draft.owner_id), by=principal.user_id, reason="owner set at capture"
        )
        lead = assignment.assign(lead, manual, now=now, settings=s.settings)
        if counted_owner(lead):
            s.config.add_open_lead(lead.owner_id)
    else:
        lead = s.route(lead, now)
    s.leads.add(lead, next_check_at(lead, s.settings))
    outcome = "flagged" if decision.outcome is dedup.Outcome.FLAG else "created"
    return Captured(lead, outcome, decision.matches)


class LeadApp:
    def __init__(
        self,
        storage: LeadStorage,
        clock: Callable[[], datetime] = utcnow,
        new_id: Callable[[], str] = _new_id,
    ) -> None:
        self.storage = storage
        self.clock = clock
        self.new_id = new_id

    def _run(self, principal: Principal, work: Callable[[Session], object]) -> object:
        """`work` in one transaction. The turns and slots it takes outside the transaction
        when it assigns by the rules are kept when it commits and given back when it does
        not, including before each retry of the transaction (none taken: nothing to do)."""
        slots = self.storage.slots(principal.tenant_id)

        def attempt(stores: Stores) -> object:
            slots.give_back()  # a previous attempt's, if the transaction is run again
            return work(Session(stores, principal.tenant_id, slots))

        try:
            done = self.storage.run(attempt)
        except BaseException:
            slots.give_back()
            raise
        slots.confirm()
        return done

    # Capture -------------------------------------------------------------------------

    def create(self, principal: Principal, draft: LeadDraft) -> Captured:
        lead_id, now = self.new_id(), self.clock()
        return self._run(principal, lambda s: capture(s, principal, draft, lead_id, now))  # type: ignore[return-value]

    # Reads ---------------------------------------------------------------------------

    def get(self, principal: Principal, lead_id: str) -> Lead:
        return self._run(principal, lambda s: s.visible(principal, lead_id))  # type: ignore[return-value]

    def page(self, principal: Principal, query: LeadQuery) -> tuple[list[Lead], str]:
        def work(s: Session) -> tuple[list[Lead], str]:
            found = s.leads.page(query.mongo(principal), query.limit + 1, query.after)
            return found[: query.limit], query.next_cursor(found)

        return self._run(principal, work)  # type: ignore[return-value]

    def pool_page(self, principal: Principal, query: LeadQuery) -> tuple[list[Lead], str]:
        """Unowned live leads, everyone's to see, contact details masked until claimed."""

        def work(s: Session) -> tuple[list[Lead], str]:
            mongo = {**query.mongo(principal, scoped=False), "owner_id": "", "merged_into": ""}
            found = s.leads.page(mongo, query.limit + 1, query.after)
            shown = [pool.pool_view(lead, s.settings) for lead in found[: query.limit]]
            return shown, query.next_cursor(found)

        return self._run(principal, work)  # type: ignore[return-value]

    def follow_ups(
        self, principal: Principal, lead_id: str, limit: int, cursor: str
    ) -> tuple[list[FollowUp], str]:
        size, after = page_window(limit, cursor)

        def work(s: Session) -> tuple[list[FollowUp], str]:
            s.visible(principal, lead_id)
            found = s.leads.follow_up_page(lead_id, size + 1, after)
            last = found[size - 1] if len(found) > size else None
            return found[:size], encode_position(last.at, last.id) if last else ""

        return self._run(principal, work)  # type: ignore[return-value]

    # Ownership -----------------------------------------------------------------------

    def _change(
        self,
        principal: Principal,
        lead_id: str,
        decide: Callable[[Session, Lead, datetime], Lead],
        expected_version: int = 0,
        pool_too: bool = False,
    ) -> Lead:
        now = self.clock()

        def work(s: Session) -> Lead:
            lead = s.assignable(principal, lead_id) if pool_too else s.visible(principal, lead_id)
            check_version(f"lead {lead_id}", lead.version, expected_version)
            after = decide(s, lead, now)
            return lead if after is lead else s.save(lead, after)

        return self._run(principal, work)  # type: ignore[return-value]

    def assign(
        self,
        principal: Principal,
        lead_id: str,
        owner_id: str,
        reason: str,
        expected_version: int = 0,
    ) -> Lead:
        """A manager's hand: to `owner_id`, or by the rules when it is empty."""

        def decide(s: Session, lead: Lead, now: datetime) -> Lead:
            if not owner_id:
                return s.route(lead, now) if not lead.owner_id else lead
            candidate = assignment.manual_candidate(
                s.rep(owner_id), by=principal.user_id, reason=reason
            )
            return assignment.assign(lead, candidate, now=now, settings=s.settings)

        return self._change(principal, lead_id, decide, expected_version, pool_too=True)

    def release(
        self, principal: Principal, lead_id: str, reason: str, expected_version: int = 0
    ) -> Lead:
        return self._change(
            principal,
            lead_id,
            lambda s, lead, now: pool.release_to_pool(
                lead, reason=reason, now=now, settings=s.settings
            ),
            expected_version,
        )

    def claim(self, principal: Principal, lead_id: str, expected_version: int = 0) -> Lead:
        """Atomic: of two reps claiming one lead, the second finds it owned (409)."""
        now = self.clock()

        def work(s: Session) -> Lead:
            lead = s.leads.get(lead_id)
            if lead is None:
                raise NotFound(f"lead {lead_id} not found")
            check_version(f"lead {lead_id}", lead.version, expected_version)
            rep = s.rep(principal.user_id)
            since = pool.claim_window_start(now, s.settings)
            after = pool.claim(
                lead,
                rep_id=rep.id,
                team_id=rep.team_id or principal.team_id,
                claims_in_window=s.leads.claims_since(rep.id, since),
                open_leads=rep.open_leads,
                now=now,
                settings=s.settings,
                capacity=rep.capacity,
            )
            if after is lead:
                return lead
            s.leads.record_claim(rep.id, lead.id, now)
            return s.save(lead, after)

        return self._run(principal, work)  # type: ignore[return-value]

    # Activity ------------------------------------------------------------------------

    def change_status(
        self,
        principal: Principal,
        lead_id: str,
        status: LeadStatus,
        reason: str,
        expected_version: int,
    ) -> Lead:
        return self._change(
            principal,
            lead_id,
            lambda s, lead, now: change_status(lead, status, reason=reason, now=now),
            expected_version,
        )

    def log_follow_up(self, principal: Principal, lead_id: str, draft: FollowUpDraft) -> FollowUp:
        follow_up_id, now = self.new_id(), self.clock()

        def work(s: Session) -> FollowUp:
            lead = s.visible(principal, lead_id)
            after, follow_up = log_follow_up(
                lead, draft, follow_up_id=follow_up_id, by=principal.user_id, now=now
            )
            engagement = Engagement(follow_ups=s.leads.count_follow_ups(lead_id) + 1)
            after = apply_score(after, score_lead(after, s.settings, engagement), now=now)
            s.leads.add_follow_up(follow_up)
            s.save(lead, after)
            return follow_up

        return self._run(principal, work)  # type: ignore[return-value]

    def merge(
        self, principal: Principal, survivor_id: str, merged_id: str, expected_version: int = 0
    ) -> Lead:
        now = self.clock()

        def work(s: Session) -> Lead:
            survivor, merged = s.visible(principal, survivor_id), s.visible(principal, merged_id)
            check_version(f"lead {survivor_id}", survivor.version, expected_version)
            kept, gone = dedup.merge(survivor, merged, by=principal.user_id, now=now)
            s.save(merged, gone)
            return s.save(survivor, kept)

        return self._run(principal, work)  # type: ignore[return-value]
