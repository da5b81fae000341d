"""The lead's storage seam (lead.ports) in memory, on `crm_runtime.memory`: what the
use-case tests run on. It keeps the documents `lead.documents` makes, so that list
queries (the same Mongo-style filters) and versions behave as on the store; the
contract suite (tests/integration/test_lead_store_contract.py) holds it to that.

Rep slots and round-robin turns are written outside the transaction, as on Mongo
(ADR 20): a slot taken by a use case that fails is given back by the use case itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from crm_runtime.errors import AlreadyExists, Conflict
from crm_runtime.events import DomainEvent
from crm_runtime.memory import Doc, MemoryTransaction, MemoryUnitOfWork, Table, matches

from lead.documents import follow_up_from_doc, follow_up_to_doc, lead_from_doc, lead_to_doc
from lead.domain.assignment import AssignmentRule, Rep
from lead.domain.custom_fields import CustomFieldSchema
from lead.domain.dedup import DedupKeys
from lead.domain.followups import FollowUp
from lead.domain.lead import Lead
from lead.domain.settings import LeadSettings
from lead.imports.domain.jobs import ImportJob
from lead.imports.memory import MemoryImportJobs, MemoryImportQueue
from lead.imports.ports import ImportJobs
from lead.ports import HeldSlots, Leads, LeadStorage, Slots, Stores, TenantConfig
from lead.store import duplicate_lookups

T = TypeVar("T")
IDENTIFIER_KEYS = (("phone", "phone"), ("email", "email"), ("company", "company_key"))


def _newest_first(docs: list[Doc], at: str) -> list[Doc]:
    return sorted(docs, key=lambda d: (d[at], d["_id"]), reverse=True)


def _after(query: Mapping[str, Any], at: str, after: tuple[datetime, str] | None) -> Doc:
    if after is None:
        return dict(query)
    moment, last_id = after
    keyset = [{at: {"$lt": moment}}, {at: moment, "_id": {"$lt": last_id}}]
    return {**query, "$and": [*query.get("$and", []), {"$or": keyset}]}


class MemoryLeads:
    def __init__(self, tx: MemoryTransaction, tenant_id: str) -> None:
        self.tx = tx
        self.tenant_id = tenant_id
        self.leads = tx.table("leads")
        self.follow_ups = tx.table("follow_ups")
        self.claims = tx.table("claims")
        self.keys = tx.table("dedup_keys")

    def _docs(self, table: Table, query: Mapping[str, Any]) -> list[Doc]:
        return [
            d for (tenant, _), d in table.items() if tenant == self.tenant_id and matches(d, query)
        ]

    def _put(self, lead: Lead, next_check_at: datetime | None) -> None:
        doc = {**lead_to_doc(lead), "tenant_id": self.tenant_id, "next_check_at": next_check_at}
        self.leads[(self.tenant_id, lead.id)] = doc

    def add(self, lead: Lead, next_check_at: datetime | None) -> None:
        self.add_many([(lead, next_check_at)])
        self.tx.record(*lead.events)

    def save(self, lead: Lead, expected_version: int, next_check_at: datetime | None) -> Lead:
        saved = replace(lead, tenant_id=self.tenant_id, version=expected_version + 1, events=[])
        if not self.overwrite(saved, expected_version, next_check_at):
            raise Conflict(f"lead {lead.id} was changed by someone else; read it again")
        self.tx.record(*lead.events)
        return lead_from_doc(self.leads[(self.tenant_id, lead.id)])

    def get(self, lead_id: str) -> Lead | None:
        doc = self.leads.get((self.tenant_id, lead_id))
        return lead_from_doc(doc) if doc else None

    def possible_duplicates(self, keys: DedupKeys) -> list[Lead]:
        found: dict[str, Lead] = {}
        for query in duplicate_lookups(keys):
            for doc in self._docs(self.leads, query)[:50]:
                found.setdefault(doc["_id"], lead_from_doc(doc))
        return list(found.values())

    def serialise_identifiers(self, keys: DedupKeys, lead_id: str, now: datetime) -> None:
        self.touch_identifiers(
            {
                f"{kind}:{getattr(keys, field)}": lead_id
                for kind, field in IDENTIFIER_KEYS
                if getattr(keys, field)
            },
            now,
        )

    def page(
        self, query: Mapping[str, Any], limit: int, after: tuple[datetime, str] | None
    ) -> list[Lead]:
        docs = _newest_first(
            self._docs(self.leads, _after(query, "created_at", after)), "created_at"
        )
        return [lead_from_doc(d) for d in docs[:limit]]

    def add_follow_up(self, follow_up: FollowUp) -> None:
        doc = {**follow_up_to_doc(follow_up), "tenant_id": self.tenant_id}
        self.follow_ups[(self.tenant_id, follow_up.id)] = doc

    def count_follow_ups(self, lead_id: str) -> int:
        return len(self._docs(self.follow_ups, {"lead_id": lead_id}))

    def follow_up_page(
        self, lead_id: str, limit: int, after: tuple[datetime, str] | None
    ) -> list[FollowUp]:
        docs = self._docs(self.follow_ups, _after({"lead_id": lead_id}, "at", after))
        return [follow_up_from_doc(d) for d in _newest_first(docs, "at")[:limit]]

    def record_claim(self, rep_id: str, lead_id: str, at: datetime) -> None:
        key = (self.tenant_id, f"{len(self.claims)}")
        self.claims[key] = {"rep_id": rep_id, "lead_id": lead_id, "at": at}

    def claims_since(self, rep_id: str, since: datetime) -> int:
        return len(self._docs(self.claims, {"rep_id": rep_id, "at": {"$gte": since}}))

    def sharing_identifiers(self, values: Mapping[str, set[str]]) -> list[Lead]:
        found: list[Lead] = []
        for name, wanted in values.items():
            if wanted:
                found += [
                    lead_from_doc(d)
                    for d in self._docs(self.leads, {name: {"$in": sorted(wanted)}})
                ]
        return found

    def add_many(self, leads: list[tuple[Lead, datetime | None]]) -> None:
        for lead, _ in leads:
            if (self.tenant_id, lead.id) in self.leads:
                raise AlreadyExists(f"lead {lead.id} exists")
        for lead, at in leads:
            self._put(lead, at)

    def overwrite(self, lead: Lead, stored_version: int, next_check_at: datetime | None) -> bool:
        stored = self.leads.get((self.tenant_id, lead.id))
        if stored is None or stored["version"] != stored_version:
            return False
        self._put(lead, next_check_at)
        return True

    def touch_identifiers(self, first_lead: Mapping[str, str], now: datetime) -> None:
        for key, lead_id in first_lead.items():
            doc = self.keys.setdefault(
                (self.tenant_id, key), {"key": key, "first_lead_id": lead_id}
            )
            doc["touched_at"] = now


class MemoryConfig:
    def __init__(self, tx: MemoryTransaction, tenant_id: str) -> None:
        self.tx = tx
        self.tenant_id = tenant_id
        self.values = tx.table("lead_config")  # (tenant, what) -> overrides, rules, fields
        self.reps = tx.table("reps")  # (tenant, rep id) -> (rep, manager id)
        self.counts = tx.outside("rep_slots")  # (tenant, rep id) -> open leads, notes

    def _get(self, what: str, default: Any) -> Any:
        return self.values.get((self.tenant_id, what), default)

    def overrides(self) -> dict[str, Any]:
        return dict(self._get("overrides", {}))

    def settings(self) -> LeadSettings:
        return LeadSettings.from_dict(self.overrides())

    def save_overrides(self, overrides: dict[str, Any]) -> None:
        self.values[(self.tenant_id, "overrides")] = dict(overrides)

    def rules(self) -> list[AssignmentRule]:
        return list(self._get("rules", []))

    def replace_rules(self, rules: list[AssignmentRule]) -> None:
        self.values[(self.tenant_id, "rules")] = list(rules)

    def custom_fields(self) -> CustomFieldSchema:
        found: CustomFieldSchema = self._get("custom_fields", CustomFieldSchema(()))
        return found

    def save_custom_fields(self, schema: CustomFieldSchema) -> None:
        self.values[(self.tenant_id, "custom_fields")] = schema

    def all_reps(self) -> list[Rep]:
        return [rep for rep, _ in self.directory()]

    def directory(self) -> list[tuple[Rep, str]]:
        ids = sorted(rep_id for tenant, rep_id in self.reps if tenant == self.tenant_id)
        return [self._entry(rep_id) for rep_id in ids]

    def _entry(self, rep_id: str) -> tuple[Rep, str]:
        rep, manager = self.reps[(self.tenant_id, rep_id)]
        open_leads = self.counts.get((self.tenant_id, rep_id), {}).get("open_leads", 0)
        return replace(rep, open_leads=open_leads), manager

    def rep(self, rep_id: str) -> Rep | None:
        return self._entry(rep_id)[0] if (self.tenant_id, rep_id) in self.reps else None

    def manager_of(self, rep_id: str) -> str:
        return self._entry(rep_id)[1] if (self.tenant_id, rep_id) in self.reps else ""

    def upsert_rep(self, rep: Rep, manager_id: str) -> None:
        self.reps[(self.tenant_id, rep.id)] = (replace(rep, open_leads=0), manager_id)
        self.counts.setdefault((self.tenant_id, rep.id), {"open_leads": 0, "pending": []})

    def _move(self, rep_id: str, delta: int) -> None:
        """Open leads are counted beside the reservations (outside the transaction),
        so a count this transaction moved is moved back if it does not commit."""
        counts = self.counts[(self.tenant_id, rep_id)]
        counts["open_leads"] += delta
        self.tx.on_rollback(lambda: counts.__setitem__("open_leads", counts["open_leads"] - delta))

    def add_open_lead(self, rep_id: str) -> None:
        if self.rep(rep_id) is not None:
            self._move(rep_id, 1)

    def free_slot(self, rep_id: str) -> None:
        rep = self.rep(rep_id)
        if rep is not None and rep.open_leads > 0:
            self._move(rep_id, -1)

    def move_open_leads(self, rep_id: str, delta: int) -> None:
        if delta and self.rep(rep_id) is not None:
            self._move(rep_id, delta)


class MemorySlots(HeldSlots):
    """Turns and slots outside any transaction, as `lead.config_store.Reservations`."""

    def __init__(self, uow: MemoryUnitOfWork, tenant_id: str) -> None:
        self.uow = uow
        self.tenant_id = tenant_id
        self.counts = uow.outside("rep_slots")
        self.turns = uow.outside("turn_counters")
        super().__init__()

    def draw_turns(self, groups: list[str]) -> dict[str, int]:
        with self.uow.lock:
            drawn = {}
            for group in groups:
                key = (self.tenant_id, group)
                self.turns[key] = self.turns.get(key, 0) + 1
                drawn[group] = self.turns[key]
            return drawn

    def reserve(self, rep_id: str, capacity: int, lead_id: str, now: datetime) -> bool:
        with self.uow.lock:
            entry = self.uow.tables.get("reps", {}).get((self.tenant_id, rep_id))
            counts = self.counts.get((self.tenant_id, rep_id))
            if entry is None or counts is None:
                return False
            rep = entry[0]
            if not rep.active or rep.away or counts["open_leads"] >= capacity:
                return False
            counts["open_leads"] += 1
            counts["pending"].append({"lead_id": lead_id, "at": now})
            self.held.append((rep_id, lead_id))
            return True

    def keep(self, rep_id: str, lead_ids: list[str]) -> None:
        with self.uow.lock:
            counts = self.counts.get((self.tenant_id, rep_id))
            if counts is not None:
                counts["pending"] = [p for p in counts["pending"] if p["lead_id"] not in lead_ids]

    def release(self, rep_id: str, lead_id: str) -> bool:
        with self.uow.lock:
            counts = self.counts.get((self.tenant_id, rep_id))
            if counts is None or not any(p["lead_id"] == lead_id for p in counts["pending"]):
                return False
            counts["open_leads"] -= 1
            counts["pending"] = [p for p in counts["pending"] if p["lead_id"] != lead_id]
            return True

    def turns_now(self, groups: list[str]) -> dict[str, int]:
        with self.uow.lock:
            return {
                g: self.turns[(self.tenant_id, g)]
                for g in groups
                if (self.tenant_id, g) in self.turns
            }

    def add_turns(self, used: Mapping[str, int]) -> None:
        with self.uow.lock:
            for group, turns in used.items():
                key = (self.tenant_id, group)
                self.turns[key] = self.turns.get(key, 0) + turns


class MemoryStores:
    def __init__(self, tx: MemoryTransaction) -> None:
        self.tx = tx

    def leads(self, tenant_id: str) -> MemoryLeads:
        return MemoryLeads(self.tx, tenant_id)

    def config(self, tenant_id: str) -> MemoryConfig:
        return MemoryConfig(self.tx, tenant_id)

    def imports(self, tenant_id: str) -> MemoryImportJobs:
        return MemoryImportJobs(self.tx, tenant_id)

    def record(self, *events: DomainEvent) -> None:
        self.tx.record(*events)


class MemoryLeadStorage(MemoryImportQueue):
    """`lead.ports.LeadStorage` in memory; `uow.events` are the events committed."""

    def __init__(self, uow: MemoryUnitOfWork | None = None) -> None:
        super().__init__(uow or MemoryUnitOfWork())

    def run(self, work: Callable[[Stores], T]) -> T:
        return self.uow.run(lambda tx: work(MemoryStores(tx)))

    def slots(self, tenant_id: str) -> MemorySlots:
        return MemorySlots(self.uow, tenant_id)

    def due_leads(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        with self.uow.lock:
            due = [
                (d["next_check_at"], tenant, lead_id)
                for (tenant, lead_id), d in self.uow.tables.get("leads", {}).items()
                if d["next_check_at"] is not None and d["next_check_at"] <= now
            ]
        return [(tenant, lead_id) for _, tenant, lead_id in sorted(due)[:limit]]

    def sweep_abandoned(self, before: datetime) -> int:
        freed = 0
        with self.uow.lock:
            leads = self.uow.tables.get("leads", {})
            for (tenant, rep_id), counts in list(self.uow.outside("rep_slots").items()):
                stale = [p["lead_id"] for p in counts["pending"] if p["at"] < before]
                if not stale:
                    continue
                slots = self.slots(tenant)
                kept = [i for i in stale if (tenant, i) in leads]
                if kept:
                    slots.keep(rep_id, kept)
                freed += sum(slots.release(rep_id, i) for i in stale if (tenant, i) not in leads)
        return freed

    def jobs(self) -> list[ImportJob]:
        """Every import job of every tenant (for tests)."""
        return [entry["job"] for entry in self.uow.tables.get("lead_imports", {}).values()]


if TYPE_CHECKING:  # mypy proves the fake implements every Protocol of the seam
    _storage: type[LeadStorage] = MemoryLeadStorage
    _stores: type[Stores] = MemoryStores
    _leads: type[Leads] = MemoryLeads
    _config: type[TenantConfig] = MemoryConfig
    _slots: type[Slots] = MemorySlots
    _jobs: type[ImportJobs] = MemoryImportJobs
