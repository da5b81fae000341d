"""What every opportunity use case shares: a Session (one tenant's repositories inside
one transaction, the tenant's settings, visibility checks, saves that keep timers in
step) and the base of the use-case classes. Every write is one transaction with its
events (the outbox); every read and write is scoped to the caller's tenant and data
scope, so another tenant's or another rep's record simply does not exist here."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from crm_runtime import errors
from crm_runtime.clock import utcnow
from crm_runtime.errors import FieldViolation, NotFound, ValidationFailed
from crm_runtime.principal import Principal

from opportunity.domain.account import Account
from opportunity.domain.cadence import cadence_check_at, dormant_due, record_activity, with_schedule
from opportunity.domain.contact import Contact
from opportunity.domain.opportunity import Opportunity
from opportunity.domain.pipeline import Pipeline
from opportunity.domain.settings import OpportunitySettings
from opportunity.domain.visibility import can_see
from opportunity.ports import OpportunityStorage, Stores

T = TypeVar("T")


def new_id() -> str:
    return str(uuid.uuid4())


def check_version(what: str, item_id: str, current: int, expected: int) -> None:
    """0 means "any version"; otherwise a stale expectation is StaleVersion (HTTP 412)."""
    errors.check_version(f"{what} {item_id}", current, expected)


def check_request_key(key: str) -> None:
    if len(key) > 128:
        raise ValidationFailed(
            [FieldViolation("idempotency_key", "must be at most 128 characters")]
        )


def own_team(principal: Principal, owner_id: str, team_id: str) -> str:
    """The team a new record belongs to: the one given, else the caller's when the
    caller owns it."""
    return team_id or (principal.team_id if owner_id == principal.user_id else "")


class Session:
    """One use case's view of one tenant inside one transaction."""

    def __init__(self, stores: Stores, tenant_id: str, clock: Callable[[], datetime]) -> None:
        self.tenant_id = tenant_id
        self.accounts = stores.accounts(tenant_id)
        self.contacts = stores.contacts(tenant_id)
        self.follow_ups = stores.follow_ups(tenant_id)
        self.request_keys = stores.request_keys(tenant_id)
        self.deals = stores.deals(tenant_id)
        self.approvals = stores.approvals(tenant_id)
        self.config = stores.pipelines(tenant_id, clock)
        self.quotes = stores.quotes(tenant_id)
        self.conversions = stores.conversions(tenant_id)
        self._settings: OpportunitySettings | None = None

    @property
    def settings(self) -> OpportunitySettings:
        if self._settings is None:
            self._settings = self.config.settings()
        return self._settings

    # Reads within the caller's scope ---------------------------------------------------

    def visible_account(self, principal: Principal, account_id: str) -> Account:
        account = self.accounts.get(account_id)
        if account is None or not can_see(principal, account, account.created_by):
            raise NotFound(f"account {account_id} not found")
        return account

    def referenced_account(
        self, principal: Principal, account_id: str, field: str = "account_id"
    ) -> Account:
        """An account a request body names: one the caller does not see is a bad field."""
        try:
            return self.visible_account(principal, account_id)
        except NotFound as exc:
            raise ValidationFailed([FieldViolation(field, "names no account you can see")]) from exc

    def visible_contact(self, principal: Principal, contact_id: str) -> Contact:
        contact = self.contacts.get(contact_id)
        if contact is None or not can_see(principal, contact, contact.created_by):
            raise NotFound(f"contact {contact_id} not found")
        return contact

    def visible_deal(self, principal: Principal, opp_id: str) -> Opportunity:
        opp = self.deals.get(opp_id)
        if opp is None or not can_see(principal, opp, opp.created_by):
            raise NotFound(f"opportunity {opp_id} not found")
        return opp

    def pipeline_of(self, opp: Opportunity) -> Pipeline:
        pipeline = self.config.version(opp.pipeline_id, opp.pipeline_version)
        if pipeline is None:
            raise NotFound(f"pipeline {opp.pipeline_id} version {opp.pipeline_version} not found")
        return pipeline

    def check_contacts(self, account_id: str, contact_ids: tuple[str, ...], primary: str) -> None:
        """Every contact a deal names belongs to its account."""
        violations = []
        for i, contact_id in enumerate(contact_ids):
            contact = self.contacts.get(contact_id)
            if contact is None or contact.account_id != account_id:
                field = "primary_contact_id" if contact_id == primary else f"contact_ids[{i}]"
                violations.append(
                    FieldViolation(field, f"{contact_id} is not a contact of account {account_id}")
                )
        if violations:
            raise ValidationFailed(violations)

    # Writes that keep the timers' indexes in step --------------------------------------

    def add_account(self, account: Account) -> None:
        self.accounts.add(account, dormant_due(account, self.settings.dormant_after_days))

    def save_account(self, before: Account, after: Account) -> Account:
        if after is before:
            return before
        due = dormant_due(after, self.settings.dormant_after_days)
        return self.accounts.save(after, before.version, due)

    def note_activity(self, account: Account, at: datetime) -> Account:
        """The account active at `at`. Waking a dormant account is a change (its tier,
        with an event); otherwise only the activity time and the dormancy check move,
        without a new version: activity is not an edit, and must not make an editor's
        `expected_version` stale."""
        after = record_activity(account, at)
        if after.events:
            return self.save_account(account, after)
        self.accounts.note_activity(
            account.id, at, dormant_due(after, self.settings.dormant_after_days)
        )
        return after

    def _scheduled(self, opp: Opportunity) -> tuple[Opportunity, datetime | None]:
        cadence = self.pipeline_of(opp).cadence(self.settings)
        scheduled = with_schedule(opp, cadence)
        return scheduled, cadence_check_at(scheduled, cadence)

    def add_deal(self, opp: Opportunity) -> Opportunity:
        scheduled, check_at = self._scheduled(opp)
        self.deals.add(scheduled, check_at)
        return scheduled

    def save_deal(self, before: Opportunity, after: Opportunity) -> Opportunity:
        if after is before:
            return before
        scheduled, check_at = self._scheduled(after)
        return self.deals.save(scheduled, before.version, check_at)


class ServiceApp:
    """Base of the use-case classes: the storage, the clock, new ids."""

    def __init__(
        self,
        storage: OpportunityStorage,
        clock: Callable[[], datetime] = utcnow,
        make_id: Callable[[], str] = new_id,
    ) -> None:
        self.storage = storage
        self.clock = clock
        self.new_id = make_id

    def _run(self, principal: Principal, work: Callable[[Session], T]) -> T:
        return in_session(self.storage, principal.tenant_id, self.clock, work)


def in_session(
    storage: OpportunityStorage,
    tenant_id: str,
    clock: Callable[[], datetime],
    work: Callable[[Session], T],
) -> T:
    """`work` on one tenant's Session in one transaction."""
    return storage.run(lambda stores: work(Session(stores, tenant_id, clock)))
