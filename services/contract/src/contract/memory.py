"""The storage seam (ports.py) in memory, on the runtime's in-memory unit of work: the
fake the use-case tests run on, checked against the Mongo store by the contract suite.
Unique keys are the ones indexes.py declares unique."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from crm_runtime.errors import AlreadyExists, Conflict
from crm_runtime.messaging.events import DomainEvent
from crm_runtime.storage.memory import DuplicateId, MemoryTransaction, MemoryUnitOfWork, TenantTable
from crm_runtime.storage.repository import SortKey

from contract.indexes import CONTRACTS, INDEXES
from contract.ports import Doc, Tables

T = TypeVar("T")
UNIQUE = {s.collection: [k for k, _ in s.keys if k != "tenant_id"] for s in INDEXES if s.unique}


class MemoryTable:
    def __init__(self, table: TenantTable, name: str) -> None:
        self.table = table
        self.unique = UNIQUE.get(name, [])

    def insert(self, doc: Doc) -> None:
        if self.unique and self.table.find({k: doc.get(k) for k in self.unique}):
            raise AlreadyExists(f"{self.unique} {doc.get(self.unique[0])} exists already")
        try:
            self.table.insert(doc)
        except DuplicateId as exc:
            raise AlreadyExists(f"{doc['_id']} exists already") from exc

    def get(self, doc_id: str) -> Doc | None:
        return self.table.get(doc_id)

    def find_one(self, query: Doc, hint: str) -> Doc | None:
        found = self.table.find(query, limit=1)
        return found[0] if found else None

    def replace(self, doc: Doc, expected_version: int, label: str) -> None:
        stored = self.table.get(doc["_id"])
        if stored is None or stored.get("version") != expected_version:
            raise Conflict(f"{label} was changed by someone else; read it again")
        self.table.put(doc)

    def page(
        self, query: Doc, sort: SortKey, limit: int, after: tuple[Any, str] | None, hint: str
    ) -> list[Doc]:
        return self.table.page(query, sort, limit, after)

    def increment(self, doc_id: str) -> int:
        counter = self.table.get(doc_id) or {"_id": doc_id, "seq": 0}
        self.table.put({**counter, "seq": counter["seq"] + 1})
        return int(counter["seq"]) + 1


class MemoryTables:
    def __init__(self, tx: MemoryTransaction) -> None:
        self.tx = tx

    def table(self, name: str, tenant_id: str) -> MemoryTable:
        return MemoryTable(TenantTable(self.tx, name, tenant_id), name)

    def record(self, *events: DomainEvent) -> None:
        self.tx.record(*events)


class MemoryContractStorage:
    def __init__(self) -> None:
        self.uow = MemoryUnitOfWork()

    @property
    def events(self) -> list[DomainEvent]:
        return self.uow.events

    def run(self, work: Callable[[Tables], T]) -> T:
        return self.uow.run(lambda tx: work(MemoryTables(tx)))

    def due_for_expiry(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        due = sorted(
            (d["expire_due_at"], tenant, doc_id)
            for (tenant, doc_id), d in self.uow.tables.get(CONTRACTS, {}).items()
            if d.get("expire_due_at") is not None and d["expire_due_at"] <= now
        )
        return [(tenant, doc_id) for _, tenant, doc_id in due[:limit]]
