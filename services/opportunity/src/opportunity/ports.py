"""What the opportunity's use cases need from storage, named as Protocols: the seam.

Each area's Mongo store (`<area>/store.py`, gathered by `storage.py`) implements it for
the service; `memory.py` (over each area's `memory.py`) implements it in memory for fast
tests. One contract suite (tests/integration/test_opportunity_store_contract.py) runs against both.
Queries are Mongo-style filters, as the use cases' listings build them; `after` is the
decoded cursor position (sort value, id) of `crm_runtime.storage.repository.SortKey`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol, TypeVar

from crm_runtime.storage.repository import SortKey

from opportunity.approvals.domain import Approval
from opportunity.conversion.domain.records import ConversionRecord, StoredConversion
from opportunity.domain.account import Account
from opportunity.domain.contact import Contact
from opportunity.domain.followups import FollowUp
from opportunity.domain.history import StageChange
from opportunity.domain.opportunity import Opportunity
from opportunity.domain.pipeline import Pipeline
from opportunity.domain.settings import OpportunitySettings
from opportunity.quotes.domain.quote import Quote

T = TypeVar("T")
Query = dict[str, Any]  # a list query: field conditions as Mongo writes them
Position = tuple[Any, str] | None  # where the previous page ended (None: the start)
MAX_CONTACTS_PER_ACCOUNT = 2000


class Accounts(Protocol):
    """One tenant's accounts inside one transaction."""

    def add(self, account: Account, next_check_at: datetime | None) -> None: ...

    def save(
        self, account: Account, expected_version: int, next_check_at: datetime | None
    ) -> Account:
        """Write over `expected_version` (Conflict otherwise); the saved next version."""

    def reschedule(self, account_id: str, version: int, next_check_at: datetime | None) -> None:
        """Move the dormancy check, at `version` only, without a new version."""

    def note_activity(self, account_id: str, at: datetime, next_check_at: datetime | None) -> None:
        """Activity at `at`, without a new version."""

    def get(self, account_id: str) -> Account | None: ...

    def touch(self, account_id: str) -> None:
        """A write that makes concurrent writers of the account conflict."""

    def with_keys(self, keys: dict[str, str]) -> list[Account]:
        """Accounts holding any of the dedup keys (`name`, `credit_code`)."""

    def claim_keys(self, account_id: str, keys: dict[str, str], released: dict[str, str]) -> None:
        """Hold `keys` for the account, letting go of `released` (AlreadyExists when
        another account holds one)."""

    def page(self, query: Query, sort: SortKey, limit: int, after: Position) -> list[Account]: ...


class Contacts(Protocol):
    def add(self, contact: Contact) -> None: ...

    def save(self, contact: Contact, expected_version: int) -> Contact: ...

    def get(self, contact_id: str) -> Contact | None: ...

    def of_account(self, account_id: str) -> list[Contact]:
        """The account's contacts, newest first (at most MAX_CONTACTS_PER_ACCOUNT)."""

    def page(self, query: Query, sort: SortKey, limit: int, after: Position) -> list[Contact]: ...


class FollowUps(Protocol):
    def add(self, follow_up: FollowUp) -> None: ...

    def page(self, key: str, value: str, limit: int, after: Position) -> list[FollowUp]:
        """Newest first, the follow-ups whose `key` (account_id, opportunity_id) is `value`."""


class RequestKeys(Protocol):
    """Idempotency keys of create requests."""

    def created(self, kind: str, key: str) -> str:
        """The id the first request with this key created ("" if none)."""

    def remember(self, kind: str, key: str, created_id: str, at: datetime) -> None: ...


class Deals(Protocol):
    """One tenant's opportunities and their stage history."""

    def add(self, opp: Opportunity, next_check_at: datetime | None) -> None: ...

    def save(
        self, opp: Opportunity, expected_version: int, next_check_at: datetime | None
    ) -> Opportunity: ...

    def reschedule(self, opp_id: str, version: int, next_check_at: datetime | None) -> None: ...

    def get(self, opp_id: str) -> Opportunity | None: ...

    def page(
        self, query: Query, sort: SortKey, limit: int, after: Position
    ) -> list[Opportunity]: ...

    def of_account(self, account_id: str) -> list[Opportunity]: ...

    def rename_account(self, opp: Opportunity, name: str) -> None:
        """The deal under the account's new name, without a new version."""

    def history(self, opp_id: str, limit: int, after_seq: int) -> list[StageChange]:
        """Oldest first, `limit` stage changes after the one numbered `after_seq`."""


class Approvals(Protocol):
    def add(self, approval: Approval) -> None: ...

    def save(self, approval: Approval, expected_version: int) -> Approval: ...

    def get(self, approval_id: str) -> Approval | None: ...

    def page(self, query: Query, limit: int, after: Position) -> list[Approval]:
        """Newest requested first."""


class Pipelines(Protocol):
    """One tenant's pipelines (a head and every version) and settings."""

    def overrides(self) -> dict[str, Any]: ...

    def settings(self) -> OpportunitySettings: ...

    def settings_version(self) -> int:
        """1 before the settings are first changed; each change adds one."""
        ...

    def save_overrides(self, overrides: dict[str, Any]) -> None:
        """The tenant's overrides in place of the old ones; moves the version on."""
        ...

    def add(self, pipeline: Pipeline) -> None: ...

    def save(self, pipeline: Pipeline) -> None:
        """The pipeline's next version, if nobody made one since (Conflict otherwise)."""

    def latest(self, pipeline_id: str) -> Pipeline | None: ...

    def version(self, pipeline_id: str, version: int) -> Pipeline | None: ...

    def default(self) -> Pipeline:
        """The tenant's default pipeline, made now when it has none."""

    def unset_other_defaults(self, keep_id: str) -> list[Pipeline]:
        """The default pipelines other than `keep_id` (the caller saves them)."""

    def page(self, include_inactive: bool, limit: int, after: Position) -> list[Pipeline]: ...

    def count(self) -> int: ...


class Quotes(Protocol):
    """One tenant's quote versions and yearly number counters."""

    def next_number(self, year: int) -> str: ...

    def add(self, quote: Quote, next_check_at: datetime | None) -> None: ...

    def save(self, quote: Quote, *, latest: bool, next_check_at: datetime | None) -> Quote:
        """Write over the stored version if its revision is still `quote.revision`."""

    def reschedule(self, quote: Quote, next_check_at: datetime | None) -> None: ...

    def get(self, quote_id: str, version: int) -> Quote | None: ...

    def latest(self, quote_id: str) -> Quote | None: ...

    def page(self, query: Query, limit: int, after: Position) -> list[Quote]: ...


class Conversions(Protocol):
    """One tenant's conversion attempts and the claims on leads (ADR 17)."""

    def by_key(self, key: str) -> StoredConversion | None: ...

    def holding(self, lead_id: str) -> StoredConversion | None: ...

    def of_lead(self, lead_id: str) -> list[StoredConversion]: ...

    def add(self, stored: StoredConversion) -> None:
        """The pending attempt and its claim; AttemptTaken when the key or lead is taken."""

    def settle(self, before: ConversionRecord, after: ConversionRecord) -> bool:
        """Move the attempt from the state it was read in; False if someone moved it."""


class Stores(Protocol):
    """The repositories of one transaction, for one tenant each."""

    def accounts(self, tenant_id: str) -> Accounts: ...

    def contacts(self, tenant_id: str) -> Contacts: ...

    def follow_ups(self, tenant_id: str) -> FollowUps: ...

    def request_keys(self, tenant_id: str) -> RequestKeys: ...

    def deals(self, tenant_id: str) -> Deals: ...

    def approvals(self, tenant_id: str) -> Approvals: ...

    def pipelines(self, tenant_id: str, clock: Callable[[], datetime]) -> Pipelines: ...

    def quotes(self, tenant_id: str) -> Quotes: ...

    def conversions(self, tenant_id: str) -> Conversions: ...


class OpportunityStorage(Protocol):
    """The unit of work the use cases run on, and the worker's reads across tenants."""

    def run(self, work: Callable[[Stores], T]) -> T:
        """`work` in one transaction with its events: all of it or none of it."""

    def handle_once(
        self, handler: str, envelope: dict[str, Any], effect: Callable[[Stores], None]
    ) -> bool:
        """`effect` in one transaction unless `handler` handled this event already."""

    def due_deals(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        """(tenant, deal id) whose cadence check is due."""

    def due_accounts(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        """(tenant, account id) whose dormancy check is due."""

    def due_quotes(self, now: datetime, limit: int) -> list[tuple[str, str, int]]:
        """(tenant, quote id, version) whose expiry check is due."""
