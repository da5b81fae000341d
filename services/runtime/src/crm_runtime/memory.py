"""An in-memory unit of work: the fake at the seam where use cases meet storage.

A service's in-memory repositories keep their documents in the unit of work's `tables`
and write through the `MemoryTransaction` they are given; the unit of work runs one
piece of work at a time, records its events as `crm_runtime.mongo.Transaction.record`
does, and on an exception puts every table back as it was before the work began, so a
failed use case leaves no partial write (as an aborted Mongo transaction does). Writes
that Mongo makes outside the transaction on purpose (counters a use case gives back
itself) go to `outside`, which is never rolled back; `on_rollback` undoes one of them
when the transaction that made it does not commit.

`matches` answers whether a document satisfies a Mongo-style filter, for the few
operators the stores' list queries use, so a fake serves the same query values.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from crm_runtime.events import DomainEvent

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


def _field(doc: Mapping[str, Any], path: str) -> Any:
    value: Any = doc
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _equal(value: Any, wanted: Any) -> bool:
    """Mongo's equality: an array field matches when any element does."""
    if isinstance(value, list) and not isinstance(wanted, list):
        return wanted in value
    return bool(value == wanted)


def _compare(value: Any, op: str, operand: Any) -> bool:
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
