"""The storage seam (ports.py) on MongoDB: one transaction of the runtime's unit of
work, whose events go to the outbox in that same transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from crm_runtime.errors import AlreadyExists
from crm_runtime.messaging.events import DomainEvent
from crm_runtime.storage.mongo import (
    Doc,
    TenantCollection,
    Transaction,
    UnitOfWork,
    at_or_before,
    index_hint,
)
from crm_runtime.storage.repository import SortKey, page_docs, save_versioned
from pymongo.errors import DuplicateKeyError

from contract.indexes import CONTRACTS, CONTRACTS_EXPIRING
from contract.ports import Tables

T = TypeVar("T")


class MongoTable:
    def __init__(self, collection: TenantCollection) -> None:
        self.collection = collection

    def insert(self, doc: Doc) -> None:
        try:
            self.collection.insert_one(doc)
        except DuplicateKeyError as exc:
            raise AlreadyExists(f"{self.collection.raw.name} {doc['_id']} exists already") from exc

    def get(self, doc_id: str) -> Doc | None:
        return self.collection.find_one({"_id": doc_id})

    def find_one(self, query: Doc, hint: str) -> Doc | None:
        return self.collection.find_one(query, hint=hint)

    def replace(self, doc: Doc, expected_version: int, label: str) -> None:
        save_versioned(self.collection, {**doc}, expected_version, label)

    def page(
        self, query: Doc, sort: SortKey, limit: int, after: tuple[Any, str] | None, hint: str
    ) -> list[Doc]:
        return page_docs(self.collection, query, sort, limit, after, hint)

    def increment(self, doc_id: str) -> int:
        counter = self.collection.find_one_and_update(
            {"_id": doc_id}, {"$inc": {"seq": 1}}, upsert=True
        )
        assert counter is not None  # upserted and returned after the update
        return int(counter["seq"])


class MongoTables:
    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    def table(self, name: str, tenant_id: str) -> MongoTable:
        return MongoTable(self.tx.collection(name, tenant_id))

    def record(self, *events: DomainEvent) -> None:
        self.tx.record(*events)


class MongoContractStorage:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    def run(self, work: Callable[[Tables], T]) -> T:
        return self.uow.run(lambda tx: work(MongoTables(tx)))

    def due_for_expiry(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        contracts = self.uow.db[CONTRACTS]
        due = {"expire_due_at": at_or_before(now)}
        docs = contracts.find(
            due,
            projection={"tenant_id": 1},
            sort=[("expire_due_at", 1)],
            limit=limit,
            **index_hint(contracts, CONTRACTS_EXPIRING.name, due),
        )
        return [(d["tenant_id"], d["_id"]) for d in docs]
