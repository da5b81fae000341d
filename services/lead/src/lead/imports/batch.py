"""A batch of imported rows captured in one transaction by the same `capture()` as
POST /v1/leads, on a session whose repositories batch the store's work: `BatchLeads`
and `BatchConfig` implement the seam's Protocols (lead.ports) over the real ones.

The batch session reads once what every capture of the batch would read again: the
candidate duplicates of all its rows (one `$in` look-up per identifier kind), the
tenant's settings, rules, reps and round-robin turns. It serves the batch's own
writes back from memory (row 300 sees the lead row 12 created, a rep's count includes
the slots taken so far) and writes at the end: new leads and events in bulk, changed
leads with their version check, every identifier key and rep counter it touched.

Isolation is the transaction's, as between two single captures (ADR 13): everything a
decision rested on is written by the batch (identifier keys, the rep counters), so a
capture or another import racing it on the same phone, email, company or rep
conflicts with it, and MongoDB makes one of them run again. The turns it used are
added to the round-robin counters outside the transaction, as a single capture draws
them (ADR 20): a turn shared with a racing capture costs fairness, never capacity.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from crm_runtime.errors import Conflict

from lead.app import Session
from lead.domain.assignment import AssignmentRule, Rep
from lead.domain.custom_fields import CustomFieldSchema
from lead.domain.dedup import DedupKeys
from lead.domain.followups import FollowUp
from lead.domain.lead import Lead
from lead.domain.settings import LeadSettings
from lead.ports import Leads, Query, Routing, Slots, Stores, TenantConfig

IDENTIFIERS = ("phone", "email", "company_key")
T = TypeVar("T")


class BatchLeads:
    """`Leads` for a batch: reads once, serves its own writes back, writes at the end."""

    def __init__(self, stored: Leads, stores: Stores) -> None:
        self.stored = stored
        self.stores = stores  # where the rows' events are recorded
        self.cache: dict[str, Lead] = {}
        self.read_versions: dict[str, int] = {}  # stored leads: the version read
        self.index: dict[str, dict[str, set[str]]] = {name: {} for name in IDENTIFIERS}
        self.new: dict[str, datetime | None] = {}  # to insert, with next_check_at
        self.changed: dict[str, datetime | None] = {}  # stored ones to update
        self.touched: dict[str, str] = {}  # identifier key -> the lead that touched it first
        self.row_keys: list[str] = []

    def preload(self, keys: Iterable[DedupKeys]) -> None:
        """Every stored lead sharing an identifier with any row of the batch: three
        indexed `$in` look-ups (merged leads too; possible_duplicates skips them)."""
        wanted: dict[str, set[str]] = {name: set() for name in IDENTIFIERS}
        for k in keys:
            for name, value in zip(IDENTIFIERS, (k.phone, k.email, k.company_key), strict=True):
                if value:
                    wanted[name].add(value)
        for lead in self.stored.sharing_identifiers(wanted):
            self._remember(lead, stored=True)

    def _remember(self, lead: Lead, stored: bool = False) -> None:
        if stored:
            if lead.id in self.cache:
                return
            self.read_versions[lead.id] = lead.version
        self.cache[lead.id] = lead
        for name in IDENTIFIERS:
            value = getattr(lead, name)
            if value:
                self.index[name].setdefault(value, set()).add(lead.id)

    def begin_row(self) -> None:
        self.row_keys = []

    # What capture() calls ------------------------------------------------------------

    def serialise_identifiers(self, keys: DedupKeys, lead_id: str, now: datetime) -> None:
        # Kept for the row until its lead is added: a refused row touches nothing.
        self.row_keys = [
            f"{field}:{value}"
            for field, value in (
                ("phone", keys.phone),
                ("email", keys.email),
                ("company", keys.company_key),
            )
            if value
        ]

    def possible_duplicates(self, keys: DedupKeys) -> list[Lead]:
        ids: set[str] = set()
        for name, value in zip(
            IDENTIFIERS, (keys.phone, keys.email, keys.company_key), strict=True
        ):
            if value:
                ids |= self.index[name].get(value, set())
        return [self.cache[i] for i in sorted(ids) if not self.cache[i].merged_into]

    def get(self, lead_id: str) -> Lead | None:
        if lead_id not in self.cache:
            found = self.stored.get(lead_id)
            if found is None:
                return None
            self._remember(found, stored=True)
        return self.cache[lead_id]

    def add(self, lead: Lead, next_check_at: datetime | None) -> None:
        self.stores.record(*lead.events)
        self._remember(replace(lead, events=[]))
        self.new[lead.id] = next_check_at
        for key in self.row_keys:
            self.touched.setdefault(key, lead.id)
        self.row_keys = []

    def save(self, lead: Lead, expected_version: int, next_check_at: datetime | None) -> Lead:
        current = self.cache.get(lead.id)
        if current is None or current.version != expected_version:
            raise Conflict(f"lead {lead.id} was changed by someone else; read it again")
        self.stores.record(*lead.events)
        saved = replace(lead, version=expected_version + 1, events=[])
        self._remember(saved)
        (self.new if lead.id in self.new else self.changed)[lead.id] = next_check_at
        return saved

    # The rest of Leads: what capture() does not call goes to the store ---------------

    def page(self, query: Query, limit: int, after: tuple[datetime, str] | None) -> list[Lead]:
        return self.stored.page(query, limit, after)

    def add_follow_up(self, follow_up: FollowUp) -> None:
        self.stored.add_follow_up(follow_up)

    def count_follow_ups(self, lead_id: str) -> int:
        return self.stored.count_follow_ups(lead_id)

    def follow_up_page(
        self, lead_id: str, limit: int, after: tuple[datetime, str] | None
    ) -> list[FollowUp]:
        return self.stored.follow_up_page(lead_id, limit, after)

    def record_claim(self, rep_id: str, lead_id: str, at: datetime) -> None:
        self.stored.record_claim(rep_id, lead_id, at)

    def claims_since(self, rep_id: str, since: datetime) -> int:
        return self.stored.claims_since(rep_id, since)

    def sharing_identifiers(self, values: Mapping[str, set[str]]) -> list[Lead]:
        return self.stored.sharing_identifiers(values)

    def add_many(self, leads: list[tuple[Lead, datetime | None]]) -> None:
        self.stored.add_many(leads)

    def overwrite(self, lead: Lead, stored_version: int, next_check_at: datetime | None) -> bool:
        return self.stored.overwrite(lead, stored_version, next_check_at)

    def touch_identifiers(self, first_lead: Mapping[str, str], now: datetime) -> None:
        self.stored.touch_identifiers(first_lead, now)

    # The end of the batch ------------------------------------------------------------

    def flush(self, now: datetime) -> None:
        self.stored.add_many([(self.cache[i], at) for i, at in self.new.items()])
        for lead_id, at in self.changed.items():
            if not self.stored.overwrite(self.cache[lead_id], self.read_versions[lead_id], at):
                raise Conflict(f"lead {lead_id} was changed by someone else during the import")
        if self.touched:
            self.stored.touch_identifiers(self.touched, now)


class BatchConfig:
    """`TenantConfig` and `Routing` for a batch: the configuration read once, the rep
    counters and round-robin turns kept in memory and written at the end."""

    def __init__(self, stored: TenantConfig, turns: Slots) -> None:
        self.stored = stored
        self.turns = turns  # the counters, read and advanced outside the transaction
        self._cached: dict[str, Any] = {}
        self._directory: dict[str, tuple[Rep, str]] | None = None
        self._turns: dict[str, int] = {}  # round-robin group -> last turn seen
        self.slots: dict[str, int] = {}  # rep -> open leads added by the batch
        self.taken: set[tuple[str, str]] = set()  # (rep, lead) slots taken by the rules
        self.drawn: dict[str, int] = {}  # round-robin group -> turns used by the batch

    def _once(self, name: str, load: Callable[[], T]) -> T:
        if name not in self._cached:
            self._cached[name] = load()
        found: T = self._cached[name]
        return found

    def settings(self) -> LeadSettings:
        return self._once("settings", self.stored.settings)

    def custom_fields(self) -> CustomFieldSchema:
        return self._once("custom_fields", self.stored.custom_fields)

    def rules(self) -> list[AssignmentRule]:
        return self._once("rules", self.stored.rules)

    def directory(self) -> list[tuple[Rep, str]]:
        if self._directory is None:
            self._directory = {rep.id: (rep, manager) for rep, manager in self.stored.directory()}
        return list(self._directory.values())

    def all_reps(self) -> list[Rep]:
        return [rep for rep, _ in self.directory()]

    def rep(self, rep_id: str) -> Rep | None:
        self.directory()
        assert self._directory is not None
        found = self._directory.get(rep_id)
        return found[0] if found else None

    def _bump(self, rep_id: str, delta: int) -> None:
        assert self._directory is not None
        rep, manager = self._directory[rep_id]
        self._directory[rep_id] = (replace(rep, open_leads=rep.open_leads + delta), manager)
        self.slots[rep_id] = self.slots.get(rep_id, 0) + delta

    def draw_turns(self, groups: list[str]) -> dict[str, int]:
        missing = [g for g in groups if g not in self._turns]
        if missing:
            self._turns.update(self.turns.turns_now(missing))
        for group in groups:
            self._turns[group] = self._turns.get(group, 0) + 1
            self.drawn[group] = self.drawn.get(group, 0) + 1
        return {g: self._turns[g] for g in groups}

    def reserve(self, rep_id: str, capacity: int, lead_id: str, now: datetime) -> bool:
        rep = self.rep(rep_id)
        if rep is None or not rep.active or rep.away or rep.open_leads >= capacity:
            return False
        self._bump(rep_id, 1)
        self.taken.add((rep_id, lead_id))
        return True

    def holds(self, rep_id: str, lead_id: str) -> bool:
        return (rep_id, lead_id) in self.taken

    def add_open_lead(self, rep_id: str) -> None:
        if self.rep(rep_id) is not None:
            self._bump(rep_id, 1)

    def free_slot(self, rep_id: str) -> None:
        rep = self.rep(rep_id)
        if rep is not None and rep.open_leads > 0:
            self._bump(rep_id, -1)

    # The rest of TenantConfig: what capture() does not call goes to the store -------

    def overrides(self) -> dict[str, Any]:
        return self.stored.overrides()

    def save_overrides(self, overrides: dict[str, Any]) -> None:
        self.stored.save_overrides(overrides)

    def settings_version(self) -> int:
        return self.stored.settings_version()

    def rules_version(self) -> int:
        return self.stored.rules_version()

    def replace_rules(self, rules: list[AssignmentRule]) -> None:
        self.stored.replace_rules(rules)

    def custom_fields_version(self) -> int:
        return self.stored.custom_fields_version()

    def save_custom_fields(self, schema: CustomFieldSchema) -> None:
        self.stored.save_custom_fields(schema)

    def manager_of(self, rep_id: str) -> str:
        return self.stored.manager_of(rep_id)

    def upsert_rep(self, rep: Rep, manager_id: str) -> None:
        self.stored.upsert_rep(rep, manager_id)

    def move_open_leads(self, rep_id: str, delta: int) -> None:
        self.stored.move_open_leads(rep_id, delta)

    def flush(self) -> None:
        for rep_id, delta in self.slots.items():
            self.stored.move_open_leads(rep_id, delta)
        if self.drawn:  # outside the transaction, as captures do
            self.turns.add_turns(self.drawn)


class ImportSession(Session):
    """A Session (lead.app) whose repositories batch: capture() runs on it unchanged."""

    def __init__(self, stores: Stores, tenant_id: str, turns: Slots) -> None:
        self.leads: BatchLeads = BatchLeads(stores.leads(tenant_id), stores)
        self.config: BatchConfig = BatchConfig(stores.config(tenant_id), turns)
        self.settings = self.config.settings()
        self.slots = self.config  # turns and slots in memory, flushed with the batch

    def flush(self, now: datetime) -> None:
        self.leads.flush(now)
        self.config.flush()


if TYPE_CHECKING:  # mypy proves the batch implements the Protocols capture() runs on
    _leads: type[Leads] = BatchLeads
    _config: type[TenantConfig] = BatchConfig
    _routing: type[Routing] = BatchConfig
