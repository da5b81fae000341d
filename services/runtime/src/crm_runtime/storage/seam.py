"""What every service's storage seam does, written once: run work on the service's
stores in one unit of work (one transaction, its events to the outbox on commit), and
handle an event once (its effect and the inbox entry in that same unit of work).

A service's Mongo storage and its in-memory fake subclass these with the factory that
builds its stores on a transaction, and add what is theirs (due-work scans, claims).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from crm_runtime.messaging.inbox import handle_once
from crm_runtime.storage.memory import MemoryTransaction, MemoryUnitOfWork
from crm_runtime.storage.mongo import Transaction, UnitOfWork

S = TypeVar("S")
T = TypeVar("T")


class MongoSeam(Generic[S]):
    def __init__(self, uow: UnitOfWork, stores: Callable[[Transaction], S]) -> None:
        self.uow = uow
        self._stores = stores

    def run(self, work: Callable[[S], T]) -> T:
        return self.uow.run(lambda tx: work(self._stores(tx)))

    def handle_once(
        self, handler: str, envelope: dict[str, Any], effect: Callable[[S], None]
    ) -> bool:
        return handle_once(self.uow, handler, envelope, lambda tx: effect(self._stores(tx)))


class MemorySeam(Generic[S]):
    """The same in memory; `uow.events` are the events committed, in order."""

    def __init__(self, uow: MemoryUnitOfWork, stores: Callable[[MemoryTransaction], S]) -> None:
        self.uow = uow
        self._stores = stores

    def run(self, work: Callable[[S], T]) -> T:
        return self.uow.run(lambda tx: work(self._stores(tx)))

    def handle_once(
        self, handler: str, envelope: dict[str, Any], effect: Callable[[S], None]
    ) -> bool:
        return self.uow.handle_once(handler, envelope, lambda tx: effect(self._stores(tx)))
