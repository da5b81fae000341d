"""What the lead's use cases need from storage, named as Protocols: the seam.

The Mongo stores (`lead.store`, `lead.config_store`, `lead.imports.store`) implement it
for the service; `lead.memory` implements it in memory for fast tests, and the import's
batch (`lead.imports.batch`) implements `Leads`, `TenantConfig` and `Routing` itself so
that `capture()` runs on it unchanged. One contract suite runs against every store.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol, TypeVar

from crm_runtime.messaging.events import DomainEvent

from lead.domain.assignment import AssignmentRule, Rep
from lead.domain.custom_fields import CustomFieldSchema
from lead.domain.dedup import DedupKeys
from lead.domain.followups import FollowUp
from lead.domain.lead import Lead
from lead.domain.settings import LeadSettings
from lead.imports.ports import ImportJobs, ImportQueue

T = TypeVar("T")
Query = Mapping[str, Any]  # a list query: field conditions as Mongo writes them


class Leads(Protocol):
    """One tenant's leads, their follow-ups and claims inside one transaction."""

    def add(self, lead: Lead, next_check_at: datetime | None) -> None:
        """Store a new lead and record its events."""

    def save(self, lead: Lead, expected_version: int, next_check_at: datetime | None) -> Lead:
        """Write `lead` over `expected_version` (Conflict otherwise); the next version."""

    def get(self, lead_id: str) -> Lead | None: ...

    def possible_duplicates(self, keys: DedupKeys) -> list[Lead]:
        """Live (not merged) leads sharing a phone, email or company key."""

    def serialise_identifiers(self, keys: DedupKeys, lead_id: str, now: datetime) -> None:
        """Touch one record per identifier, so that concurrent captures conflict."""

    def page(self, query: Query, limit: int, after: tuple[datetime, str] | None) -> list[Lead]:
        """Newest first, `limit` leads matching `query` after the cursor position."""

    def add_follow_up(self, follow_up: FollowUp) -> None: ...

    def count_follow_ups(self, lead_id: str) -> int: ...

    def follow_up_page(
        self, lead_id: str, limit: int, after: tuple[datetime, str] | None
    ) -> list[FollowUp]: ...

    def record_claim(self, rep_id: str, lead_id: str, at: datetime) -> None: ...

    def claims_since(self, rep_id: str, since: datetime) -> int: ...

    # What a batch of imported rows writes at its end --------------------------------

    def sharing_identifiers(self, values: Mapping[str, set[str]]) -> list[Lead]:
        """Every lead (merged ones too) whose phone, email or company_key is one of
        `values[that field]`."""

    def add_many(self, leads: list[tuple[Lead, datetime | None]]) -> None:
        """Store new leads whose events were recorded already."""

    def overwrite(self, lead: Lead, stored_version: int, next_check_at: datetime | None) -> bool:
        """Write `lead` as it is if the stored one is still at `stored_version`."""

    def touch_identifiers(self, first_lead: Mapping[str, str], now: datetime) -> None:
        """What serialise_identifiers does, for many keys ("phone:..." -> first lead)."""


class TenantConfig(Protocol):
    """One tenant's configuration inside one transaction."""

    def overrides(self) -> dict[str, Any]: ...

    def settings(self) -> LeadSettings: ...

    def settings_version(self) -> int:
        """1 before the settings are first changed; each change adds one."""
        ...

    def save_overrides(self, overrides: dict[str, Any]) -> None:
        """The tenant's overrides in place of the old ones; moves the version on."""
        ...

    def rules(self) -> list[AssignmentRule]: ...

    def rules_version(self) -> int:
        """1 before the rules are first replaced; each replacement adds one."""
        ...

    def replace_rules(self, rules: list[AssignmentRule]) -> None: ...

    def custom_fields(self) -> CustomFieldSchema: ...

    def custom_fields_version(self) -> int:
        """1 before the definitions are first saved; each save adds one."""
        ...

    def save_custom_fields(self, schema: CustomFieldSchema) -> None: ...

    def all_reps(self) -> list[Rep]: ...

    def directory(self) -> list[tuple[Rep, str]]:
        """Every rep with their manager's id, in id order."""

    def rep(self, rep_id: str) -> Rep | None: ...

    def manager_of(self, rep_id: str) -> str: ...

    def upsert_rep(self, rep: Rep, manager_id: str) -> None: ...

    def add_open_lead(self, rep_id: str) -> None:
        """A manual assignment or a claim: the capacity decision was already made."""

    def free_slot(self, rep_id: str) -> None:
        """One open lead fewer (never below zero)."""

    def move_open_leads(self, rep_id: str, delta: int) -> None:
        """A batch's net change of a rep's open leads, in one write."""


class Routing(Protocol):
    """Where routing by the rules draws its turns and takes its slots."""

    def draw_turns(self, groups: list[str]) -> dict[str, int]: ...

    def reserve(self, rep_id: str, capacity: int, lead_id: str, now: datetime) -> bool: ...

    def holds(self, rep_id: str, lead_id: str) -> bool: ...


class Slots(Routing, Protocol):
    """Turns and slots taken outside the use case's transaction (ADR 20): kept when it
    commits, given back when it does not."""

    def confirm(self) -> None: ...

    def give_back(self) -> None: ...

    def turns_now(self, groups: list[str]) -> dict[str, int]:
        """The last turn drawn of each group (0 when none), drawing none."""

    def add_turns(self, used: Mapping[str, int]) -> None:
        """Advance each group's counter by the turns a batch used."""


class HeldSlots(ABC):
    """What every `Slots` keeps the same way: the slots this use case holds, kept on
    commit (`keep`) or freed (`release`) by the implementation."""

    def __init__(self) -> None:
        self.held: list[tuple[str, str]] = []  # (rep id, lead id)

    def holds(self, rep_id: str, lead_id: str) -> bool:
        return (rep_id, lead_id) in self.held

    def confirm(self) -> None:
        """The transaction committed: the slots are the leads' now."""
        for rep_id, lead_id in self.held:
            self.keep(rep_id, [lead_id])
        self.held.clear()

    def give_back(self) -> None:
        """The transaction did not commit: every slot it took is free again."""
        for rep_id, lead_id in self.held:
            self.release(rep_id, lead_id)
        self.held.clear()

    @abstractmethod
    def keep(self, rep_id: str, lead_ids: list[str]) -> None:
        """Make the slots the leads' for good (the implementation's store)."""

    @abstractmethod
    def release(self, rep_id: str, lead_id: str) -> bool:
        """Free one slot; whether it was held."""


class Stores(Protocol):
    """The repositories of one transaction."""

    def leads(self, tenant_id: str) -> Leads: ...

    def config(self, tenant_id: str) -> TenantConfig: ...

    def imports(self, tenant_id: str) -> ImportJobs: ...

    def record(self, *events: DomainEvent) -> None: ...


class LeadStorage(ImportQueue, Protocol):
    """The unit of work the lead's use cases run on, and the cross-tenant reads and
    writes of the worker's timers."""

    def run(self, work: Callable[[Stores], T]) -> T:
        """`work` in one transaction with its events: all of it or none of it."""

    def slots(self, tenant_id: str) -> Slots: ...

    def due_leads(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        """(tenant, lead id) whose next check is due, oldest first, across tenants."""

    def sweep_abandoned(self, before: datetime) -> int:
        """Settle slot notes older than `before`; how many slots were freed."""
