"""Opportunity use cases: create at the first stage of a pipeline version, edit by
field mask, stage changes through gates (or into an approval), won, lost, reopen, and
the stage history. Each loads the deal within the caller's scope, lets the domain
decide, and saves with a version check: of two concurrent writers of one deal, the
later one gets 409 and nothing of its change is written."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from crm_runtime.errors import FieldViolation, ValidationFailed, require
from crm_runtime.paging import decode_cursor, encode_cursor, invalid_cursor, page_limit
from crm_runtime.principal import Principal

from opportunity.approvals.domain import cancel
from opportunity.deals.documents import opportunity_to_doc
from opportunity.deals.listing import OpportunityQuery
from opportunity.domain import closing, stages
from opportunity.domain.gates import gate_problems
from opportunity.domain.history import StageChange
from opportunity.domain.money import Money
from opportunity.domain.opportunity import (
    ArtefactDraft,
    Opportunity,
    OpportunityDraft,
    attach_artefacts,
    create_opportunity,
    update_opportunity,
)
from opportunity.domain.pipeline import Pipeline
from opportunity.listing import next_cursor
from opportunity.session import ServiceApp, Session, check_request_key, check_version, own_team


@dataclass(frozen=True)
class StageMove:
    opportunity: Opportunity
    approval_id: str  # set when the move waits for approval

    @property
    def pending(self) -> bool:
        return bool(self.approval_id)


class OpportunityApp(ServiceApp):
    def create(
        self,
        principal: Principal,
        draft: OpportunityDraft,
        source_lead_id: str = "",
        idempotency_key: str = "",
    ) -> Opportunity:
        """With an idempotency key, a repeat returns the deal the first one made."""
        opp_id, now = self.new_id(), self.clock()
        owner = draft.owner_id or principal.user_id
        draft = replace(draft, owner_id=owner, team_id=own_team(principal, owner, draft.team_id))
        check_request_key(idempotency_key)

        def work(s: Session) -> Opportunity:
            made = s.request_keys.created("opportunity", idempotency_key) if idempotency_key else ""
            if made:
                return s.visible_deal(principal, made)
            if idempotency_key:
                s.request_keys.remember("opportunity", idempotency_key, opp_id, now)
            if not draft.account_id:
                raise ValidationFailed([FieldViolation("account_id", "is required")])
            account = s.referenced_account(principal, draft.account_id)
            pipeline = (
                s.config.latest(draft.pipeline_id) if draft.pipeline_id else s.config.default()
            )
            if pipeline is None or not pipeline.active:
                raise ValidationFailed(
                    [FieldViolation("pipeline_id", "names no active pipeline of this tenant")]
                )
            first = pipeline.open_stages[0]
            opp = create_opportunity(
                draft,
                opportunity_id=opp_id,
                tenant_id=principal.tenant_id,
                account_name=account.name,
                pipeline_id=pipeline.id,
                pipeline_version=pipeline.version,
                first_stage=first.key,
                probability=first.win_probability,
                created_by=principal.user_id,
                now=now,
                source_lead_id=source_lead_id,
            )
            s.check_contacts(account.id, opp.contact_ids, opp.primary_contact_id)
            require(gate_problems(opp, first))
            s.note_activity(account, now)
            return s.add_deal(opp)

        return self._run(principal, work)

    def get(self, principal: Principal, opp_id: str) -> Opportunity:
        return self._run(principal, lambda s: s.visible_deal(principal, opp_id))

    def update(
        self,
        principal: Principal,
        opp_id: str,
        draft: OpportunityDraft,
        mask: tuple[str, ...],
        expected_version: int,
    ) -> Opportunity:
        now = self.clock()

        def work(s: Session) -> Opportunity:
            opp = s.visible_deal(principal, opp_id)
            check_version("opportunity", opp_id, opp.version, expected_version)
            after = update_opportunity(opp, draft, mask, by=principal.user_id, now=now)
            if after.contact_ids != opp.contact_ids:
                s.check_contacts(opp.account_id, after.contact_ids, after.primary_contact_id)
            return s.save_deal(opp, after)

        return self._run(principal, work)

    def page(self, principal: Principal, query: OpportunityQuery) -> tuple[list[Opportunity], str]:
        mongo, sort, limit, after = query.plan(principal)

        def work(s: Session) -> tuple[list[Opportunity], str]:
            found = s.deals.page(mongo, sort, limit + 1, after)
            return found[:limit], next_cursor(sort, found, limit, opportunity_to_doc)

        return self._run(principal, work)

    # Stages ----------------------------------------------------------------------------

    def change_stage(
        self,
        principal: Principal,
        opp_id: str,
        to_stage: str,
        artefacts: tuple[ArtefactDraft, ...],
        note: str,
        expected_version: int,
    ) -> StageMove:
        """Applied when the gates pass; held for approval when the deal is big and the
        stage requires it (the artefacts are kept with the waiting deal)."""
        now = self.clock()
        artefact_ids = [self.new_id() for _ in artefacts]
        approval_id = self.new_id()

        def work(s: Session) -> StageMove:
            opp = s.visible_deal(principal, opp_id)
            check_version("opportunity", opp_id, opp.version, expected_version)
            pipeline = s.pipeline_of(opp)
            text = stages.clean_note(note)
            with_files = attach_artefacts(
                opp, artefacts, artefact_ids, stage=to_stage, by=principal.user_id, now=now
            )
            plan = stages.plan_move(with_files, pipeline, to_stage, set(), s.settings)
            if plan.needs_approval:
                waiting, approval = stages.request_approval(
                    with_files,
                    plan,
                    approval_id=approval_id,
                    approver_role=pipeline.approver(s.settings),
                    by=principal.user_id,
                    note=text,
                    now=now,
                )
                s.approvals.add(approval)
                return StageMove(s.save_deal(opp, waiting), approval_id)
            moved = stages.enter_stage(
                with_files,
                plan.target,
                by=principal.user_id,
                now=now,
                note=text,
                skipped=plan.skipped,
            )
            return StageMove(s.save_deal(opp, moved), "")

        return self._run(principal, work)

    def _without_pending(self, s: Session, opp: Opportunity, by: str, now: datetime) -> Opportunity:
        """A deal that closes stops waiting: its pending approval is cancelled."""
        if not opp.pending_approval_id:
            return opp
        approval = s.approvals.get(opp.pending_approval_id)
        if approval is None:
            return replace(opp, pending_approval_id="")
        reason = "the opportunity was closed before the decision"
        s.approvals.save(cancel(approval, reason=reason, by=by, now=now), approval.version)
        return stages.cancel_pending(opp, approval, by=by, now=now)

    def _close(
        self,
        principal: Principal,
        opp_id: str,
        expected_version: int,
        verb: str,
        close: Callable[[Opportunity, Pipeline, datetime], Opportunity],
    ) -> Opportunity:
        """Win or lose: an open deal the caller sees, at the version they saw, with any
        pending stage approval cancelled first."""
        now = self.clock()

        def work(s: Session) -> Opportunity:
            opp = s.visible_deal(principal, opp_id)
            check_version("opportunity", opp_id, opp.version, expected_version)
            stages.ensure_open(opp, verb)
            released = self._without_pending(s, opp, principal.user_id, now)
            return s.save_deal(opp, close(released, s.pipeline_of(opp), now))

        return self._run(principal, work)

    def mark_won(
        self,
        principal: Principal,
        opp_id: str,
        *,
        closed_date: str,
        amount: Money | None,
        quote_id: str,
        note: str,
        expected_version: int,
    ) -> Opportunity:
        def win(opp: Opportunity, pipeline: Pipeline, now: datetime) -> Opportunity:
            return closing.mark_won(
                opp,
                pipeline,
                closed_date=closed_date,
                amount=amount,
                quote_id=quote_id,
                note=note,
                by=principal.user_id,
                now=now,
            )

        return self._close(principal, opp_id, expected_version, "win", win)

    def mark_lost(
        self,
        principal: Principal,
        opp_id: str,
        *,
        loss_reason: str,
        competitor: str,
        closed_date: str,
        note: str,
        expected_version: int,
    ) -> Opportunity:
        def lose(opp: Opportunity, pipeline: Pipeline, now: datetime) -> Opportunity:
            return closing.mark_lost(
                opp,
                pipeline,
                loss_reason=loss_reason,
                competitor=competitor,
                closed_date=closed_date,
                note=note,
                by=principal.user_id,
                now=now,
            )

        return self._close(principal, opp_id, expected_version, "lose", lose)

    def reopen(
        self, principal: Principal, opp_id: str, to_stage: str, reason: str, expected_version: int
    ) -> Opportunity:
        now = self.clock()

        def work(s: Session) -> Opportunity:
            opp = s.visible_deal(principal, opp_id)
            check_version("opportunity", opp_id, opp.version, expected_version)
            reopened = closing.reopen(
                opp,
                s.pipeline_of(opp),
                to_stage=to_stage,
                reason=reason,
                by=principal.user_id,
                now=now,
            )
            return s.save_deal(opp, reopened)

        return self._run(principal, work)

    def history(
        self, principal: Principal, opp_id: str, limit: int, cursor: str
    ) -> tuple[list[StageChange], str]:
        """Oldest first; the cursor carries the last change's number."""
        size = page_limit(limit)
        raw = decode_cursor(cursor)
        if raw is not None and (len(raw) != 1 or not isinstance(raw[0], int)):
            raise invalid_cursor()
        after = raw[0] if raw else 0

        def work(s: Session) -> tuple[list[StageChange], str]:
            s.visible_deal(principal, opp_id)
            found = s.deals.history(opp_id, size + 1, after)
            more = len(found) > size
            return found[:size], encode_cursor([found[size - 1].seq]) if more else ""

        return self._run(principal, work)
