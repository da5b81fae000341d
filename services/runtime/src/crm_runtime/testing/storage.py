"""One contract suite for a service's storage seam, run against both of its
implementations: its in-memory fake and its Mongo stores on the embedded MongoDB, so
the fake cannot drift from the store. A suite's fixture:

    @pytest.fixture(params=STORAGES)
    def storage(request):
        return storage_for(request, MemoryStorage, MongoStorage, ensure_indexes, "svc")
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from pymongo.database import Database

from crm_runtime.messaging.outbox import OutboxWriter
from crm_runtime.storage.memory import MemoryUnitOfWork
from crm_runtime.storage.mongo import Doc, UnitOfWork

S = TypeVar("S")
STORAGES = ["memory", "mongo"]


def storage_for(
    request: pytest.FixtureRequest,
    memory: Callable[[], S],
    mongo: Callable[[UnitOfWork], S],
    ensure_indexes: Callable[[Database[Doc]], None],
    producer: str,
) -> S:
    """The storage a test parametrised over STORAGES runs on: the fake, or the Mongo
    stores on a database of the test's own with the service's indexes."""
    if request.param == "memory":
        return memory()
    client = request.getfixturevalue("mongo_client")
    name = request.getfixturevalue("database_name")
    ensure_indexes(client[name])
    return mongo(UnitOfWork(client, name, OutboxWriter(producer)))


def committed_events(storage: Any) -> list[str]:
    """The types of the events `storage` committed, in order (its outbox on Mongo)."""
    uow = storage.uow
    if isinstance(uow, MemoryUnitOfWork):
        return [e.event_type for e in uow.events]
    return [d["event_type"] for d in uow.db.outbox.find(sort=[("created_at", 1), ("seq", 1)])]
