"""The storage seam: what the use cases need from storage, as Protocols. The Mongo
implementation (mongo_storage.py) and the in-memory fake (memory.py) both satisfy it,
and one contract suite runs every store behaviour on both (tests/integration/
test_contract_store_contract.py), so the fake cannot drift from the real store.

A `Table` is one tenant's documents of one collection inside one transaction; the
repositories of each area (templates/store.py, contracts/store.py) are written once over
it and map documents to the domain (documents.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol, TypeVar

from crm_runtime.messaging.events import DomainEvent
from crm_runtime.storage.repository import SortKey

T = TypeVar("T")
Doc = dict[str, Any]


class Table(Protocol):
    def insert(self, doc: Doc) -> None:
        """Store a new document; AlreadyExists when its `_id` or a unique key is taken."""

    def get(self, doc_id: str) -> Doc | None: ...

    def find_one(self, query: Doc, hint: str) -> Doc | None: ...

    def replace(self, doc: Doc, expected_version: int, label: str) -> None:
        """Write `doc` (its `version` already the next) over the stored one if that is
        still at `expected_version`; Conflict otherwise."""

    def page(
        self, query: Doc, sort: SortKey, limit: int, after: tuple[Any, str] | None, hint: str
    ) -> list[Doc]: ...

    def increment(self, doc_id: str) -> int:
        """The counter `doc_id` plus one, written in this transaction (its new value)."""


class Tables(Protocol):
    def table(self, name: str, tenant_id: str) -> Table: ...

    def record(self, *events: DomainEvent) -> None: ...


class ContractStorage(Protocol):
    def run(self, work: Callable[[Tables], T]) -> T:
        """`work` in one transaction: its writes and recorded events, all or none."""

    def due_for_expiry(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        """(tenant, contract id) of active contracts past their end date, across tenants."""
