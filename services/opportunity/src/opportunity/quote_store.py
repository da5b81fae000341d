"""Quote persistence: one document per version, the tenant's yearly number counters,
and the expiry schedule. Writes of a version are checked against its `revision` (the
optimistic lock): of two writers of one version, the later one gets a Conflict."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crm_runtime.errors import Conflict
from crm_runtime.mongo import Doc, Transaction, at_or_before, index_hint
from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database

from opportunity.domain.quote_numbers import format_quote_number, quote_sequence_name
from opportunity.domain.quotes import Quote
from opportunity.paging import SortKey
from opportunity.quote_documents import quote_from_doc, quote_to_doc, version_key
from opportunity.store import index_name, page_docs

QUOTES, QUOTE_COUNTERS = "quotes", "quote_counters"
QUOTE_SORT = SortKey("created_at", descending=True)
_NEWEST = [("created_at", DESCENDING), ("_id", DESCENDING)]
BY_VERSION = index_name(("tenant_id", 1), ("quote_id", 1), ("version", 1))
ALL_VERSIONS = index_name(("tenant_id", 1), ("opportunity_id", 1), *QUOTE_SORT.index_spec)
LATEST_ONLY = index_name(
    ("tenant_id", 1), ("opportunity_id", 1), ("latest", 1), *QUOTE_SORT.index_spec
)


def ensure_quote_indexes(db: Database[Doc]) -> None:
    quotes = db[QUOTES]
    quotes.create_index(
        [("tenant_id", ASCENDING), ("quote_id", ASCENDING), ("version", ASCENDING)], unique=True
    )
    quotes.create_index([("tenant_id", ASCENDING), ("opportunity_id", ASCENDING), *_NEWEST])
    quotes.create_index(
        [("tenant_id", ASCENDING), ("opportunity_id", ASCENDING), ("latest", ASCENDING), *_NEWEST]
    )
    quotes.create_index([("next_check_at", ASCENDING)])


class QuoteRepository:
    """The quotes of one tenant inside one transaction."""

    def __init__(self, tx: Transaction, tenant_id: str) -> None:
        self.tx = tx
        self.quotes = tx.collection(QUOTES, tenant_id)
        self.counters = tx.collection(QUOTE_COUNTERS, tenant_id)

    def next_number(self, year: int) -> str:
        """The next number of `year`, taken in this transaction: two quotes created at
        once both write the counter, so one of the transactions retries with the next."""
        name = quote_sequence_name(year)
        counter = self.counters.find_one_and_update(
            {"_id": f"{self.counters.tenant_id}:{name}"},
            {"$inc": {"seq": 1}, "$set": {"name": name}},
            upsert=True,
        )
        assert counter is not None  # upserted and returned after the update
        return format_quote_number(year, int(counter["seq"]))

    def add(self, quote: Quote, next_check_at: datetime | None) -> None:
        doc = {**quote_to_doc(quote, latest=True), "next_check_at": next_check_at}
        self.quotes.insert_one(doc)
        self.tx.record(*quote.events)

    def save(self, quote: Quote, *, latest: bool, next_check_at: datetime | None) -> Quote:
        """Write `quote` over its stored version if nobody wrote it since `quote.revision`."""
        doc = {**quote_to_doc(quote, latest=latest), "next_check_at": next_check_at}
        doc["revision"] = quote.revision + 1
        item_id = doc.pop("_id")
        if not self.quotes.update_one({"_id": item_id, "revision": quote.revision}, {"$set": doc}):
            raise Conflict(f"{quote.label} was changed by someone else; read it again")
        self.tx.record(*quote.events)
        return quote_from_doc({**doc, "_id": item_id, "tenant_id": self.quotes.tenant_id})

    def reschedule(self, quote: Quote, next_check_at: datetime | None) -> None:
        """The expiry check moved, at this revision only; not a change of the version."""
        self.quotes.update_one(
            {"_id": version_key(quote.id, quote.version), "revision": quote.revision},
            {"$set": {"next_check_at": next_check_at}},
        )

    def get(self, quote_id: str, version: int) -> Quote | None:
        doc = self.quotes.find_one({"_id": version_key(quote_id, version)})
        return quote_from_doc(doc) if doc else None

    def latest(self, quote_id: str) -> Quote | None:
        docs = self.quotes.find(
            {"quote_id": quote_id}, sort=[("version", DESCENDING)], limit=1, hint=BY_VERSION
        )
        return next((quote_from_doc(d) for d in docs), None)

    def page(self, query: Doc, limit: int, after: tuple[Any, str] | None) -> list[Quote]:
        hint = LATEST_ONLY if "latest" in query else ALL_VERSIONS
        return [
            quote_from_doc(d) for d in page_docs(self.quotes, query, QUOTE_SORT, limit, after, hint)
        ]


def quotes_due_for_expiry(
    db: Database[Doc], now: datetime, limit: int
) -> list[tuple[str, str, int]]:
    """(tenant, quote id, version) of issued or waiting versions past their last valid
    day, across tenants."""
    due = {"next_check_at": at_or_before(now)}
    docs = db[QUOTES].find(
        due, projection={"tenant_id": 1, "quote_id": 1, "version": 1},
        sort=[("next_check_at", 1)], limit=limit,
        **index_hint(db[QUOTES], index_name(("next_check_at", 1)), due),
    )  # fmt: skip
    return [(d["tenant_id"], d["quote_id"], int(d["version"])) for d in docs]
