"""The lead's storage seam (lead.ports) in memory, on `crm_runtime.storage.memory`: what the
use-case tests run on. It keeps the documents `lead.documents` makes, so that list
queries (the same Mongo-style filters) and versions behave as on the store; the
contract suite (tests/integration/test_lead_store_contract.py) holds it to that. The
tenant's configuration, rep slots and turns: lead.config_memory.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from crm_runtime.errors import AlreadyExists, Conflict
from crm_runtime.messaging.events import DomainEvent
from crm_runtime.storage.memory import Doc, MemoryTransaction, MemoryUnitOfWork, Table, matches
from crm_runtime.storage.repository import SortKey

from lead.config_memory import MemoryConfig, MemorySlots
from lead.documents import follow_up_from_doc, follow_up_to_doc, lead_from_doc, lead_to_doc
from lead.domain.dedup import DedupKeys
from lead.domain.followups import FollowUp
from lead.domain.lead import Lead
from lead.imports.domain.jobs import ImportJob
from lead.imports.memory import MemoryImportJobs, MemoryImportQueue
from lead.imports.ports import ImportJobs
from lead.ports import Leads, LeadStorage, Slots, Stores, TenantConfig
from lead.store import FOLLOW_UPS_NEWEST, NEWEST, duplicate_lookups

T = TypeVar("T")
IDENTIFIER_KEYS = (("phone", "phone"), ("email", "email"), ("company", "company_key"))


def _newest_first(docs: list[Doc], at: str) -> list[Doc]:
    return sorted(docs, key=lambda d: (d[at], d["_id"]), reverse=True)


def _after(query: Mapping[str, Any], sort: SortKey, after: tuple[datetime, str] | None) -> Doc:
    if after is None:
        return dict(query)
    return {**query, "$and": [*query.get("$and", []), sort.after(after)]}


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
        docs = _newest_first(self._docs(self.leads, _after(query, NEWEST, after)), "created_at")
        return [lead_from_doc(d) for d in docs[:limit]]

    def add_follow_up(self, follow_up: FollowUp) -> None:
        doc = {**follow_up_to_doc(follow_up), "tenant_id": self.tenant_id}
        self.follow_ups[(self.tenant_id, follow_up.id)] = doc

    def count_follow_ups(self, lead_id: str) -> int:
        return len(self._docs(self.follow_ups, {"lead_id": lead_id}))

    def follow_up_page(
        self, lead_id: str, limit: int, after: tuple[datetime, str] | None
    ) -> list[FollowUp]:
        docs = self._docs(self.follow_ups, _after({"lead_id": lead_id}, FOLLOW_UPS_NEWEST, after))
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
