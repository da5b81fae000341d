"""MongoDB access shared by every service: one client per process, tenant-scoped
collections, and a unit of work that commits state and outbox events in one transaction.

Works unchanged on a real replica set and on the embedded SecantusDB (which needs
`retryWrites=false` in its URI; see ARCHITECTURE.md).

Index hints: stores name the index each list and look-up runs on (`hint=`), which on
MongoDB pins the plan that serves both the filter and the sort. SecantusDB honours a
hint by walking the named index end to end and decoding every document, whatever the
query's bounds (a page of 50 deals of one owner read all 20,000 deals: 0.9 s, against
8 ms unhinted). Its planner does use the bounds, but gets a two-sided range wrong
(`probability >= 30 and < 31` matched nothing). So on that server a query of equality
conditions only (values, `$in`, `$all`) goes to its planner without the hint, and any
other keeps the hint: slow, never wrong (ADR 0019). `index_hint` is the one place
that decides.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from pymongo import MongoClient, ReturnDocument
from pymongo.client_session import ClientSession
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from crm_runtime.config import Settings
from crm_runtime.messaging.events import DomainEvent

T = TypeVar("T")
Doc = dict[str, Any]


EARLIEST = datetime.min.replace(tzinfo=UTC)
MILLISECOND = timedelta(milliseconds=1)  # the resolution of a BSON date


def at_or_before(instant: datetime) -> Doc:
    """The condition "a date at or before `instant`" for a timer's due query, written
    as a range closed at both ends: a document whose field is null (nothing due) sorts
    before every date, so a bare `$lte` on SecantusDB walks past every such entry of the
    index before the first date (5-12 s per poll at 100,000 leads in the pool, ADR 0019).
    Half-open (`$gte`, `$lt`; ADR 0004), one millisecond past `instant` as stored."""
    stored = instant.replace(microsecond=instant.microsecond // 1000 * 1000)
    return {"$gte": EARLIEST, "$lt": stored + MILLISECOND}


def due_for_checks(collection: Collection[Doc], now: datetime, limit: int) -> list[tuple[str, str]]:
    """(tenant, id) of the documents whose `next_check_at` is due, oldest first, across
    tenants: the one cross-tenant read of a worker's timer, which then works per tenant."""
    docs = collection.find(
        {"next_check_at": at_or_before(now)},
        projection={"tenant_id": 1},
        sort=[("next_check_at", 1)],
        limit=limit,
    )
    return [(d["tenant_id"], d["_id"]) for d in docs]


def to_millisecond(at: datetime) -> datetime:
    """`at` as a BSON date keeps it (whole milliseconds)."""
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


def claim_due(
    collection: Collection[Doc], now: datetime, limit: int, lease: timedelta
) -> list[tuple[Doc, datetime]]:
    """A work queue across tenants on a `next_attempt_at` field (present only while an
    item waits; index it sparse): take up to `limit` due items, each moved `lease`
    ahead and stamped `claimed_until` in one conditional update, so that no other
    worker takes it meanwhile and one that dies leaves it due again when the lease ends.
    Each item comes back as it was due (its own `next_attempt_at`), with the claim the
    outcome must be saved under."""
    until = to_millisecond(now + lease)
    claimed = []
    for doc in collection.find(
        {"next_attempt_at": at_or_before(now)},
        projection={"_id": 1, "next_attempt_at": 1},
        sort=[("next_attempt_at", 1)],
        limit=limit,
    ):
        taken = collection.find_one_and_update(
            {"_id": doc["_id"], "next_attempt_at": doc["next_attempt_at"]},
            {"$set": {"next_attempt_at": until, "claimed_until": until}},
            return_document=ReturnDocument.AFTER,
        )
        if taken is not None:
            claimed.append(({**taken, "next_attempt_at": doc["next_attempt_at"]}, until))
    return claimed


def connect(settings: Settings) -> MongoClient[Doc]:
    """A client for this process (pymongo pools connections; create it once)."""
    return MongoClient(settings.mongo_uri, tz_aware=True, appname=f"crm-{settings.service}")


_WALKS_HINTED_INDEX: weakref.WeakKeyDictionary[MongoClient[Doc], bool] = weakref.WeakKeyDictionary()


def walks_hinted_index(client: MongoClient[Doc]) -> bool:
    """Whether the server reads a hinted index whole (SecantusDB), asked once per client."""
    known = _WALKS_HINTED_INDEX.get(client)
    if known is None:
        known = "secantusVersion" in client.admin.command("buildInfo")
        _WALKS_HINTED_INDEX[client] = known
    return known


_EQUALITY_OPERATORS = frozenset({"$in", "$all"})


def _equalities_only(filter_: Mapping[str, Any]) -> bool:
    return all(
        not key.startswith("$")
        and (not isinstance(value, Mapping) or set(value) <= _EQUALITY_OPERATORS)
        for key, value in filter_.items()
    )


def index_hint(
    collection: Collection[Doc], hint: Any, filter_: Mapping[str, Any]
) -> dict[str, Any]:
    """The `hint=` keyword for a query on `collection`: the index on MongoDB; nothing on
    a server that would walk it whole, when its planner can be trusted with the filter
    (see the module's docstring)."""
    if hint is None:
        return {}
    if _equalities_only(filter_) and walks_hinted_index(collection.database.client):
        return {}
    return {"hint": hint}


def _check_filter(filter_: Mapping[str, Any]) -> None:
    if "tenant_id" in filter_:
        raise ValueError("tenant_id is set by the store, never by the caller")


class TenantCollection:
    """A collection seen through one tenant: every read and write carries tenant_id.

    Callers pass filters without tenant_id; it is added here so no query can forget it.
    """

    def __init__(
        self, collection: Collection[Doc], tenant_id: str, session: ClientSession | None = None
    ) -> None:
        if not tenant_id:
            raise ValueError("a tenant id is required")
        self.raw = collection
        self.tenant_id = tenant_id
        self.session = session

    def _scoped(self, filter_: Mapping[str, Any] | None) -> Doc:
        filter_ = filter_ or {}
        _check_filter(filter_)
        return {"tenant_id": self.tenant_id, **filter_}

    def insert_one(self, doc: Doc) -> None:
        _check_filter(doc)
        self.raw.insert_one({"tenant_id": self.tenant_id, **doc}, session=self.session)

    def insert_many(self, docs: list[Doc]) -> None:
        for doc in docs:
            _check_filter(doc)
        self.raw.insert_many(
            [{"tenant_id": self.tenant_id, **doc} for doc in docs], session=self.session
        )

    def find_one(self, filter_: Mapping[str, Any], **kwargs: Any) -> Doc | None:
        scoped = self._scoped(filter_)
        kwargs.update(index_hint(self.raw, kwargs.pop("hint", None), scoped))
        return self.raw.find_one(scoped, session=self.session, **kwargs)

    def find(self, filter_: Mapping[str, Any] | None = None, **kwargs: Any) -> Iterator[Doc]:
        scoped = self._scoped(filter_)
        kwargs.update(index_hint(self.raw, kwargs.pop("hint", None), scoped))
        return iter(self.raw.find(scoped, session=self.session, **kwargs))

    def count(self, filter_: Mapping[str, Any] | None = None) -> int:
        return self.raw.count_documents(self._scoped(filter_), session=self.session)

    def update_one(
        self, filter_: Mapping[str, Any], update: Mapping[str, Any], upsert: bool = False
    ) -> int:
        result = self.raw.update_one(
            self._scoped(filter_), update, upsert=upsert, session=self.session
        )
        return result.modified_count + (1 if result.upserted_id is not None else 0)

    def delete_one(self, filter_: Mapping[str, Any]) -> bool:
        """Delete one of the tenant's documents; whether one matched."""
        return self.raw.delete_one(self._scoped(filter_), session=self.session).deleted_count > 0

    def update_many(self, filter_: Mapping[str, Any], update: Mapping[str, Any]) -> int:
        return self.raw.update_many(
            self._scoped(filter_), update, session=self.session
        ).modified_count

    def delete_many(self, filter_: Mapping[str, Any]) -> int:
        return self.raw.delete_many(self._scoped(filter_), session=self.session).deleted_count

    def find_one_and_update(
        self, filter_: Mapping[str, Any], update: Mapping[str, Any], upsert: bool = False
    ) -> Doc | None:
        return self.raw.find_one_and_update(
            self._scoped(filter_),
            update,
            upsert=upsert,
            return_document=ReturnDocument.AFTER,
            session=self.session,
        )


class Transaction:
    """What one unit of work sees: its session, its database and events to publish."""

    def __init__(self, db: Database[Doc], session: ClientSession) -> None:
        self.db = db
        self.session = session
        self.events: list[DomainEvent] = []

    def collection(self, name: str, tenant_id: str) -> TenantCollection:
        return TenantCollection(self.db[name], tenant_id, self.session)

    def record(self, *events: DomainEvent) -> None:
        self.events.extend(events)


OnCommit = Callable[[Transaction], None]


class UnitOfWork:
    """Runs a function inside one Mongo transaction and writes its events to the outbox
    in that same transaction. Transient conflicts are retried by pymongo's
    `with_transaction`, which calls the function again with a fresh Transaction."""

    def __init__(
        self, client: MongoClient[Doc], database: str, before_commit: OnCommit | None = None
    ) -> None:
        self.client = client
        self.db: Database[Doc] = client[database]
        self._before_commit = before_commit

    def run(self, work: Callable[[Transaction], T]) -> T:
        with self.client.start_session() as session:

            def callback(s: ClientSession) -> T:
                tx = Transaction(self.db, s)
                result = work(tx)
                if self._before_commit is not None:
                    self._before_commit(tx)
                return result

            return session.with_transaction(
                callback,
                read_concern=ReadConcern("snapshot"),
                write_concern=WriteConcern("majority"),
            )
