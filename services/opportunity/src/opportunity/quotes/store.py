"""Quote persistence: one document per version, the tenant's yearly number counters,
and the expiry schedule. Writes of a version are checked against its `revision` (the
optimistic lock): of two writers of one version, the later one gets a Conflict."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crm_runtime.storage.mongo import Doc, Transaction, at_or_before, index_hint
from crm_runtime.storage.repository import page_docs, save_versioned
from pymongo import DESCENDING
from pymongo.database import Database

from opportunity.indexes import (
    LATEST_QUOTES_OF_DEAL,
    QUOTE_BY_VERSION,
    QUOTE_COUNTERS,
    QUOTE_SORT,
    QUOTES,
    QUOTES_DUE,
    QUOTES_OF_DEAL,
)
from opportunity.quotes.documents import quote_from_doc, quote_to_doc, version_key
from opportunity.quotes.domain.numbers import format_quote_number, quote_sequence_name
from opportunity.quotes.domain.quote import Quote

BY_VERSION = QUOTE_BY_VERSION.name
ALL_VERSIONS = QUOTES_OF_DEAL.name
LATEST_ONLY = LATEST_QUOTES_OF_DEAL.name


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
        saved = save_versioned(
            self.quotes, doc, quote.revision, quote.label, version_field="revision"
        )
        self.tx.record(*quote.events)
        return quote_from_doc(saved)

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
        due,
        projection={"tenant_id": 1, "quote_id": 1, "version": 1},
        sort=[("next_check_at", 1)],
        limit=limit,
        **index_hint(db[QUOTES], QUOTES_DUE.name, due),
    )
    return [(d["tenant_id"], d["quote_id"], int(d["version"])) for d in docs]
