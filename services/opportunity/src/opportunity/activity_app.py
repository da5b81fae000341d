"""Follow-ups on accounts and deals: the activity that restarts a deal's cadence and
keeps its account from going dormant."""

from __future__ import annotations

from dataclasses import replace

from crm_runtime.errors import FieldViolation, ValidationFailed, require
from crm_runtime.paging import page_limit
from crm_runtime.principal import Principal

from opportunity.app import ServiceApp, Session
from opportunity.documents import follow_up_to_doc
from opportunity.domain.followups import FollowUp, FollowUpDraft, draft_problems, log_follow_up
from opportunity.listing import next_cursor
from opportunity.paging import SortKey


class ActivityApp(ServiceApp):
    def log_follow_up(self, principal: Principal, draft: FollowUpDraft) -> FollowUp:
        follow_up_id, now = self.new_id(), self.clock()

        def work(s: Session) -> FollowUp:
            deal = s.visible_deal(principal, draft.opportunity_id) if draft.opportunity_id else None
            account = (
                s.accounts.get(deal.account_id)
                if deal
                else s.visible_account(principal, draft.account_id)
            )
            violations = draft_problems(
                replace(draft, account_id=account.id if account else ""), now
            )
            if deal is not None and draft.account_id and draft.account_id != deal.account_id:
                violations.append(FieldViolation("account_id", "is not the opportunity's account"))
            if draft.contact_id:
                contact = s.contacts.get(draft.contact_id)
                if contact is None or account is None or contact.account_id != account.id:
                    violations.append(
                        FieldViolation("contact_id", "is not a contact of the account")
                    )
            require(violations)
            if account is None:  # a deal whose account was removed by hand in the store
                raise ValidationFailed(
                    [FieldViolation("opportunity_id", "its account no longer exists")]
                )
            follow_up, active, worked = log_follow_up(
                draft, account, deal, follow_up_id=follow_up_id, by=principal.user_id, now=now
            )
            s.follow_ups.add(follow_up)
            s.save_account(account, active)
            if deal is not None and worked is not None:
                s.save_deal(deal, worked)
            return follow_up

        return self._run(principal, work)

    def follow_ups(
        self, principal: Principal, account_id: str, opportunity_id: str, limit: int, cursor: str
    ) -> tuple[list[FollowUp], str]:
        size, sort = page_limit(limit), SortKey("at", descending=True)
        after = sort.decode(cursor)

        def work(s: Session) -> tuple[list[FollowUp], str]:
            if opportunity_id:
                s.visible_deal(principal, opportunity_id)
                key, value = "opportunity_id", opportunity_id
            elif account_id:
                s.visible_account(principal, account_id)
                key, value = "account_id", account_id
            else:
                raise ValidationFailed(
                    [FieldViolation("account_id", "name an account or an opportunity")]
                )
            found = s.follow_ups.page(key, value, size + 1, after)
            return found[:size], next_cursor(sort, found, size, follow_up_to_doc)

        return self._run(principal, work)
