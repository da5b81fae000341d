"""An in-memory unit of work: the fake at the seam where use cases meet storage.

A service's in-memory repositories keep their documents in the unit of work's `tables`
and write through the `MemoryTransaction` they are given; the unit of work runs one
piece of work at a time, records its events as `crm_runtime.storage.mongo.Transaction.record`
does, and on an exception puts every table back as it was before the work began, so a
failed use case leaves no partial write (as an aborted Mongo transaction does). Writes
that Mongo makes outside the transaction on purpose (counters a use case gives back
itself) go to `outside`, which is never rolled back; `on_rollback` undoes one of them
when the transaction that made it does not commit.

`matches` answers whether a document satisfies a Mongo-style filter, for the few
operators the stores' list queries use, so a fake serves the same query values;
`TenantTable` is one tenant's documents of one table as a store's collection holds them
(unique ids, version-checked saves, sorted and keyset-paged finds).
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from crm_runtime.errors import Conflict
from crm_runtime.messaging.events import DomainEvent
from crm_runtime.storage.repository import IndexKey, SortKey

T = TypeVar("T")
Doc = dict[str, Any]
Table = dict[Any, Any]


class MemoryTransaction:
    """What one unit of work sees: the tables, and the events to publish."""

    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self.uow = uow
        self.events: list[DomainEvent] = []
        self._undo: list[Callable[[], None]] = []

    def table(self, name: str) -> Table:
        """A table rolled back with the transaction."""
        return self.uow.tables.setdefault(name, {})

    def outside(self, name: str) -> Table:
        """A table written outside the transaction (kept whatever happens to it)."""
        return self.uow.outside(name)

    def on_rollback(self, undo: Callable[[], None]) -> None:
        """Undo a write made to an `outside` table if this transaction does not commit."""
        self._undo.append(undo)

    def record(self, *events: DomainEvent) -> None:
        self.events.extend(events)


class MemoryUnitOfWork:
    """Runs work one at a time over in-memory tables: all of it or none of it."""

    def __init__(self, before_commit: Callable[[MemoryTransaction], None] | None = None) -> None:
        self.tables: dict[str, Table] = {}
        self._outside: dict[str, Table] = {}
        self.events: list[DomainEvent] = []  # of committed work, in commit order
        self.lock = threading.RLock()
        self._before_commit = before_commit

    def outside(self, name: str) -> Table:
        return self._outside.setdefault(name, {})

    def run(self, work: Callable[[MemoryTransaction], T]) -> T:
        with self.lock:
            before = copy.deepcopy(self.tables)
            tx = MemoryTransaction(self)
            try:
                result = work(tx)
                if self._before_commit is not None:
                    self._before_commit(tx)
            except BaseException:
                self.tables = before
                for undo in reversed(tx._undo):
                    undo()
                raise
            self.events.extend(tx.events)
            return result

    def handle_once(
        self, handler: str, envelope: dict[str, Any], effect: Callable[[MemoryTransaction], None]
    ) -> bool:
        """`crm_runtime.messaging.inbox.handle_once` in memory: `effect` runs (all or
        nothing) unless `handler` recorded this event id already; False for a duplicate."""

        def work(tx: MemoryTransaction) -> bool:
            inbox = tx.table("inbox")
            key = f"{handler}:{envelope['event_id']}"
            if key in inbox:
                return False
            inbox[key] = {"tenant_id": envelope["tenant_id"], "event_type": envelope["event_type"]}
            effect(tx)
            return True

        return self.run(work)


def _field(doc: Mapping[str, Any], path: str) -> Any:
    value: Any = doc
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _plain(value: Any) -> Any:
    """A value Python can order as MongoDB does (Decimal128 has no order of its own)."""
    to_decimal = getattr(value, "to_decimal", None)
    return to_decimal() if to_decimal is not None else value


def _equal(value: Any, wanted: Any) -> bool:
    """Mongo's equality: an array field matches when any element does."""
    if isinstance(value, list) and not isinstance(wanted, list):
        return wanted in value
    return bool(value == wanted)


def _compare(value: Any, op: str, operand: Any) -> bool:
    value, operand = _plain(value), _plain(operand)
    if op == "$in":
        return any(_equal(value, o) for o in operand)
    if op == "$nin":
        return not any(_equal(value, o) for o in operand)
    if op == "$all":
        return isinstance(value, list) and all(o in value for o in operand)
    if op == "$ne":
        return not _equal(value, operand)
    if op == "$exists":
        return (value is not None) is bool(operand)
    if value is None:
        return False
    if op == "$gt":
        return bool(value > operand)
    if op == "$gte":
        return bool(value >= operand)
    if op == "$lt":
        return bool(value < operand)
    if op == "$lte":
        return bool(value <= operand)
    raise ValueError(f"the in-memory store does not know {op}")


def matches(doc: Mapping[str, Any], filter_: Mapping[str, Any]) -> bool:
    """Whether `doc` satisfies `filter_` (equality, $in, $nin, $all, $ne, $exists, $gt,
    $gte, $lt, $lte, $and, $or)."""
    for key, wanted in filter_.items():
        if key == "$and":
            if not all(matches(doc, clause) for clause in wanted):
                return False
        elif key == "$or":
            if not any(matches(doc, clause) for clause in wanted):
                return False
        elif isinstance(wanted, Mapping) and wanted and all(k.startswith("$") for k in wanted):
            value = _field(doc, key)
            if not all(_compare(value, op, operand) for op, operand in wanted.items()):
                return False
        elif not _equal(_field(doc, key), wanted):
            return False
    return True


def _order(value: Any) -> tuple[int, Any]:
    """MongoDB's order of one sort field: missing and null first, then the values."""
    value = _plain(value)
    return (0, 0) if value is None else (1, value)


def _order_of(field: str, doc: Doc) -> tuple[int, Any]:
    return _order(_field(doc, field))


def claim_due(
    uow: MemoryUnitOfWork, table: str, now: datetime, limit: int, lease: timedelta
) -> list[tuple[Doc, datetime]]:
    """`crm_runtime.storage.mongo.claim_due` in memory."""
    until = now + lease
    until = until.replace(microsecond=until.microsecond // 1000 * 1000)
    with uow.lock:
        waiting = [d for d in uow.tables.get(table, {}).values() if d.get("next_attempt_at")]
        due = sorted((d for d in waiting if d["next_attempt_at"] <= now), key=_due_at)[:limit]
        claimed = []
        for doc in due:
            claimed.append((copy.deepcopy(doc), until))
            doc["next_attempt_at"] = until
            doc["claimed_until"] = until
        return claimed


def _due_at(doc: Doc) -> Any:
    return doc["next_attempt_at"]


class DuplicateId(Exception):
    """A document with this id is stored already (MongoDB's duplicate key error)."""


class TenantTable:
    """One tenant's documents of one table, keyed by `_id`, as a tenant's collection of
    a store holds them (the tenant id added to every document)."""

    def __init__(self, tx: MemoryTransaction, name: str, tenant_id: str) -> None:
        self.tx = tx
        self.tenant_id = tenant_id
        self.docs = tx.table(name)

    def insert(self, doc: Doc) -> None:
        """Store a new document; DuplicateId when its `_id` is taken."""
        key = (self.tenant_id, doc["_id"])
        if key in self.docs:
            raise DuplicateId(doc["_id"])
        self.docs[key] = {**doc, "tenant_id": self.tenant_id}

    def put(self, doc: Doc) -> None:
        """Store `doc` under its `_id`, replacing what was there."""
        self.docs[(self.tenant_id, doc["_id"])] = {**doc, "tenant_id": self.tenant_id}

    def get(self, doc_id: Any) -> Doc | None:
        return self.docs.get((self.tenant_id, doc_id))

    def delete(self, doc_id: Any) -> None:
        self.docs.pop((self.tenant_id, doc_id), None)

    def update(self, doc_id: Any, fields: Doc, **expected: Any) -> bool:
        """Set `fields` on the document if it holds every `expected` value."""
        doc = self.get(doc_id)
        if doc is None or any(doc.get(k) != v for k, v in expected.items()):
            return False
        doc.update(fields)
        return True

    def find(
        self, query: Mapping[str, Any], sort: list[IndexKey] | None = None, limit: int = 0
    ) -> list[Doc]:
        """The documents matching `query`, in `sort` order (MongoDB's), at most `limit`."""
        found = [
            d
            for (tenant, _), d in self.docs.items()
            if tenant == self.tenant_id and matches(d, query)
        ]
        for field, direction in reversed(sort or []):
            found.sort(key=partial(_order_of, field), reverse=direction < 0)
        return found[:limit] if limit else found

    def page(
        self, query: Mapping[str, Any], sort: SortKey, limit: int, after: tuple[Any, str] | None
    ) -> list[Doc]:
        """`crm_runtime.storage.repository.page_docs` in memory: `limit` documents strictly after
        `after` in `sort` order."""
        if after is not None:
            query = {**query, "$and": [*query.get("$and", []), sort.after(after)]}
        return self.find(query, sort.spec, limit)

    def save_versioned(
        self, doc: Doc, expected_version: int, label: str, *, version_field: str = "version"
    ) -> Doc:
        """`crm_runtime.storage.repository.save_versioned` in memory: Conflict when stale."""
        stored = self.get(doc["_id"])
        if stored is None or stored.get(version_field) != expected_version:
            raise Conflict(f"{label} was changed by someone else; read it again")
        saved = {**stored, **doc, version_field: expected_version + 1, "tenant_id": self.tenant_id}
        self.put(saved)
        return saved
