"""Account and contact use cases: create with the duplicate check, edit by field mask
with a version check, lists and search within the caller's scope, the relationship
map. Contacts follow their account's owner and team. Follow-ups logged on an account
or a deal, and the 360° view of one account."""

from __future__ import annotations

from dataclasses import dataclass, replace

from crm_runtime.errors import AlreadyExists, FieldViolation, ValidationFailed, require
from crm_runtime.paging import page_limit
from crm_runtime.principal import Principal
from crm_runtime.storage.repository import SortKey

from opportunity.accounts.documents import account_to_doc, contact_to_doc, follow_up_to_doc
from opportunity.accounts.listing import AccountQuery, ContactQuery
from opportunity.domain import account as accounts
from opportunity.domain import account360
from opportunity.domain import contact as contacts
from opportunity.domain.account import Account, AccountDraft, DuplicateMatch
from opportunity.domain.account360 import DealSums
from opportunity.domain.contact import Contact, ContactDraft
from opportunity.domain.followups import FollowUp, FollowUpDraft, draft_problems, log_follow_up
from opportunity.domain.opportunity import Opportunity
from opportunity.domain.relationships import RelationshipMap, cycle_problem, relationship_map
from opportunity.domain.visibility import can_see
from opportunity.listing import next_cursor
from opportunity.session import ServiceApp, Session, check_request_key, check_version, own_team


def duplicate_error(matches: list[DuplicateMatch]) -> AlreadyExists:
    described = "; ".join(
        f"{m.name} (account {m.account_id}, owner {m.owner_id or 'none'}) has the same "
        f"{'unified social credit code' if m.matched_on == 'credit_code' else 'name'}"
        for m in matches
    )
    return AlreadyExists(f"the account already exists: {described}")


class AccountApp(ServiceApp):
    def create(
        self, principal: Principal, draft: AccountDraft, idempotency_key: str = ""
    ) -> Account:
        """With an idempotency key, a repeat returns the account the first one made."""
        account_id, now = self.new_id(), self.clock()
        owner = draft.owner_id or principal.user_id
        draft = replace(draft, owner_id=owner, team_id=own_team(principal, owner, draft.team_id))
        check_request_key(idempotency_key)

        def work(s: Session) -> Account:
            made = s.request_keys.created("account", idempotency_key) if idempotency_key else ""
            if made:
                return s.visible_account(principal, made)
            if idempotency_key:
                s.request_keys.remember("account", idempotency_key, account_id, now)
            account = accounts.create_account(
                draft,
                account_id=account_id,
                tenant_id=principal.tenant_id,
                created_by=principal.user_id,
                now=now,
            )
            self.claim_identity(s, account, None)
            s.add_account(account)
            return account

        return self._run(principal, work)

    @staticmethod
    def claim_identity(s: Session, account: Account, before: Account | None) -> None:
        """Refuse a name or credit code another account of the tenant has (409 naming
        it); then hold the keys, so that a concurrent twin cannot commit either."""
        keys = accounts.dedup_keys(account)
        old = accounts.dedup_keys(before) if before else {}
        fresh = {k: v for k, v in keys.items() if old.get(k) != v}
        if not fresh and before is not None:
            return
        matches = accounts.duplicates_of(fresh, s.accounts.with_keys(fresh), exclude=account.id)
        if matches:
            raise duplicate_error(matches)
        s.accounts.claim_keys(account.id, keys, old)

    def get(self, principal: Principal, account_id: str) -> Account:
        return self._run(principal, lambda s: s.visible_account(principal, account_id))

    def update(
        self,
        principal: Principal,
        account_id: str,
        draft: AccountDraft,
        mask: tuple[str, ...],
        expected_version: int,
    ) -> Account:
        now = self.clock()

        def work(s: Session) -> Account:
            account = s.visible_account(principal, account_id)
            check_version("account", account_id, account.version, expected_version)
            after = accounts.update_account(account, draft, mask, by=principal.user_id, now=now)
            if after is account:
                return account
            self.claim_identity(s, after, account)
            if (after.owner_id, after.team_id) != (account.owner_id, account.team_id):
                for contact in s.contacts.of_account(account_id):
                    moved = contacts.follow_owner(contact, after.owner_id, after.team_id, now)
                    if moved is not contact:
                        s.contacts.save(moved, contact.version)
            if after.name != account.name:
                for opp in s.deals.of_account(account_id):
                    s.deals.rename_account(opp, after.name)
            return s.save_account(account, after)

        return self._run(principal, work)

    def page(self, principal: Principal, query: AccountQuery) -> tuple[list[Account], str]:
        mongo, sort, limit, after = query.plan(principal)

        def work(s: Session) -> tuple[list[Account], str]:
            found = s.accounts.page(mongo, sort, limit + 1, after)
            return found[:limit], next_cursor(sort, found, limit, account_to_doc)

        return self._run(principal, work)

    def duplicates(self, principal: Principal, name: str, code: str) -> list[DuplicateMatch]:
        """Accounts of the caller's tenant a new account of this name or code would
        duplicate (another tenant's are never looked at)."""
        if len(name) > 200:
            raise ValidationFailed([FieldViolation("name", "must be at most 200 characters")])
        keys = accounts.check_keys(name, code[:64])
        if not keys:
            return []
        return self._run(
            principal, lambda s: accounts.duplicates_of(keys, s.accounts.with_keys(keys))
        )


class ContactApp(ServiceApp):
    def add(self, principal: Principal, draft: ContactDraft) -> Contact:
        contact_id, now = self.new_id(), self.clock()

        def work(s: Session) -> Contact:
            if not draft.account_id:
                raise ValidationFailed([FieldViolation("account_id", "is required")])
            account = s.referenced_account(principal, draft.account_id)
            contact = contacts.add_contact(
                draft,
                contact_id=contact_id,
                tenant_id=principal.tenant_id,
                account_owner_id=account.owner_id,
                account_team_id=account.team_id,
                added_by=principal.user_id,
                now=now,
            )
            self._relations(s, contact, principal.user_id)
            s.contacts.add(contact)
            return contact

        return self._run(principal, work)

    @staticmethod
    def _relations(s: Session, contact: Contact, by: str) -> None:
        """Reports-to stays a forest and one contact at most is primary. Touching the
        account serialises concurrent changes of its contacts, so two links made at
        once cannot close a cycle between them."""
        s.accounts.touch(contact.account_id)
        peers = [c for c in s.contacts.of_account(contact.account_id) if c.id != contact.id]
        links = {c.id: c.reports_to_contact_id for c in peers}
        links[contact.id] = contact.reports_to_contact_id
        problem = cycle_problem(contact.id, contact.reports_to_contact_id, links)
        require([problem] if problem else [])
        if contact.primary:
            for peer in peers:
                demoted = contacts.demote(peer, by=by, now=contact.updated_at)
                if demoted is not peer:
                    s.contacts.save(demoted, peer.version)

    def get(self, principal: Principal, contact_id: str) -> Contact:
        return self._run(principal, lambda s: s.visible_contact(principal, contact_id))

    def update(
        self,
        principal: Principal,
        contact_id: str,
        draft: ContactDraft,
        mask: tuple[str, ...],
        expected_version: int,
    ) -> Contact:
        now = self.clock()

        def work(s: Session) -> Contact:
            contact = s.visible_contact(principal, contact_id)
            check_version("contact", contact_id, contact.version, expected_version)
            after = contacts.update_contact(contact, draft, mask, by=principal.user_id, now=now)
            if after is contact:
                return contact
            self._relations(s, after, principal.user_id)
            return s.contacts.save(after, contact.version)

        return self._run(principal, work)

    def page(self, principal: Principal, query: ContactQuery) -> tuple[list[Contact], str]:
        mongo, sort, limit, after = query.plan(principal)

        def work(s: Session) -> tuple[list[Contact], str]:
            found = s.contacts.page(mongo, sort, limit + 1, after)
            return found[:limit], next_cursor(sort, found, limit, contact_to_doc)

        return self._run(principal, work)

    def relationship_map(self, principal: Principal, account_id: str) -> RelationshipMap:
        def work(s: Session) -> RelationshipMap:
            s.visible_account(principal, account_id)
            return relationship_map(account_id, s.contacts.of_account(account_id))

        return self._run(principal, work)


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


@dataclass(frozen=True)
class Account360Parts:
    account: Account
    contacts: list[Contact]
    open_opportunities: list[Opportunity]
    closed_opportunities: list[Opportunity]
    recent_follow_ups: list[FollowUp]
    sums: DealSums


class Account360App(ServiceApp):
    def parts(self, principal: Principal, account_id: str, limit: int = 0) -> Account360Parts:
        size = account360.view_limit(limit)

        def work(s: Session) -> Account360Parts:
            account = s.visible_account(principal, account_id)
            deals = [
                d for d in s.deals.of_account(account_id) if can_see(principal, d, d.created_by)
            ]
            opened, closed = account360.split(deals, size)
            return Account360Parts(
                account=account,
                contacts=s.contacts.of_account(account_id),
                open_opportunities=opened,
                closed_opportunities=closed,
                recent_follow_ups=s.follow_ups.page("account_id", account_id, size, None),
                sums=account360.sums(deals),
            )

        return self._run(principal, work)
