"""Use cases that change a lead's data after capture, look for duplicates before
capture, and hand a lead over to the opportunity service at conversion. Same pattern as
lead.app: one transaction per call, the domain decides, the store checks the version."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from crm_runtime.clock import utcnow
from crm_runtime.errors import check_version
from crm_runtime.principal import Principal

from lead.app import Session
from lead.domain import dedup
from lead.domain.editing import edit_lead, identifiers_changed, without_duplicate_flag
from lead.domain.lead import Lead, LeadDraft
from lead.domain.lifecycle import convert
from lead.domain.scoring import Engagement, affects_score, apply_score, score_lead
from lead.ports import LeadStorage


class LeadEditApp:
    def __init__(self, storage: LeadStorage, clock: Callable[[], datetime] = utcnow) -> None:
        self.storage = storage
        self.clock = clock

    def _run(self, principal: Principal, work: Callable[[Session], object]) -> object:
        slots = self.storage.slots(principal.tenant_id)  # none taken: edits never route
        return self.storage.run(lambda stores: work(Session(stores, principal.tenant_id, slots)))

    def update(
        self,
        principal: Principal,
        lead_id: str,
        draft: LeadDraft,
        mask: Iterable[str],
        expected_version: int = 0,
    ) -> Lead:
        """The masked fields changed, validated as at capture, duplicates looked for
        again when an identifier changed, rescored when a scored field changed."""
        now, names = self.clock(), tuple(mask)

        def work(s: Session) -> Lead:
            lead = s.visible(principal, lead_id)
            check_version(f"lead {lead_id}", lead.version, expected_version)
            schema = s.config.custom_fields() if "custom_fields" in names else None
            edited, changed = edit_lead(lead, draft, names, now=now, schema=schema)
            if not changed:
                return lead
            if identifiers_changed(changed):
                edited = self._recheck_duplicates(s, edited, now)
            if affects_score(changed):
                engagement = Engagement(follow_ups=s.leads.count_follow_ups(lead_id))
                edited = apply_score(edited, score_lead(edited, s.settings, engagement), now=now)
            return s.save(lead, edited)

        return self._run(principal, work)  # type: ignore[return-value]

    @staticmethod
    def _recheck_duplicates(s: Session, lead: Lead, now: datetime) -> Lead:
        """A changed phone, email or company may now match another lead. Policy reject
        refuses the edit (409); flag and merge both flag it: an edit never merges a lead
        away behind its owner's back. A lead that matches nothing any more is unflagged."""
        keys = dedup.keys_of_lead(lead)
        s.leads.serialise_identifiers(keys, lead.id, now)
        others = [c for c in s.leads.possible_duplicates(keys) if c.id != lead.id]
        decision = dedup.decide(keys, others, s.settings.duplicate_policy)
        dedup.refuse_if_rejected(decision)
        if decision.outcome is dedup.Outcome.CREATE:
            return without_duplicate_flag(lead, now=now)
        return dedup.flag_duplicate(
            lead, dedup.DedupDecision(dedup.Outcome.FLAG, decision.matches), now=now
        )

    def check_duplicates(self, principal: Principal, draft: LeadDraft) -> tuple[dedup.Match, ...]:
        """The tenant's live leads a capture of `draft` would match, oldest first.

        Matches are reported across the whole tenant, whoever owns them: a rep must learn
        that a lead exists before entering it twice, even one they may not open."""
        keys = dedup.keys_of_draft(draft)

        def work(s: Session) -> tuple[dedup.Match, ...]:
            return dedup.find_matches(keys, s.leads.possible_duplicates(keys))

        return self._run(principal, work)  # type: ignore[return-value]

    def mark_converted(
        self,
        principal: Principal,
        lead_id: str,
        *,
        account_id: str,
        contact_id: str,
        opportunity_id: str,
    ) -> Lead:
        """The lead linked to the account, contact and opportunity made from it. The
        opportunity service calls this before committing them; calling again with the
        same links changes nothing, so its retries are safe (ADR 0017)."""
        now = self.clock()

        def work(s: Session) -> Lead:
            lead = s.visible(principal, lead_id)
            after = convert(
                lead,
                account_id=account_id,
                contact_id=contact_id,
                opportunity_id=opportunity_id,
                now=now,
            )
            return lead if after is lead else s.save(lead, after)

        return self._run(principal, work)  # type: ignore[return-value]
