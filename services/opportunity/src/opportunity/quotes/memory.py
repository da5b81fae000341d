"""Quote versions and yearly number counters in memory (opportunity.ports), keeping the
documents quotes/documents.py makes. The counter is written inside the transaction, as
on the store: a quote that is not committed gives its number back."""

from __future__ import annotations

from datetime import datetime

from crm_runtime.storage.memory import MemoryTransaction, TenantTable

from opportunity.indexes import QUOTE_COUNTERS, QUOTE_SORT, QUOTES
from opportunity.ports import Position, Query
from opportunity.quotes.documents import quote_from_doc, quote_to_doc, version_key
from opportunity.quotes.domain.numbers import format_quote_number, quote_sequence_name
from opportunity.quotes.domain.quote import Quote


class MemoryQuotes:
    def __init__(self, tx: MemoryTransaction, tenant_id: str) -> None:
        self.tx = tx
        self.quotes = TenantTable(tx, QUOTES, tenant_id)
        self.counters = TenantTable(tx, QUOTE_COUNTERS, tenant_id)

    def next_number(self, year: int) -> str:
        name = quote_sequence_name(year)
        counter = self.counters.get(name) or {"_id": name, "name": name, "seq": 0}
        counter = {**counter, "seq": counter["seq"] + 1}
        self.counters.put(counter)
        return format_quote_number(year, int(counter["seq"]))

    def add(self, quote: Quote, next_check_at: datetime | None) -> None:
        self.quotes.insert({**quote_to_doc(quote, latest=True), "next_check_at": next_check_at})
        self.tx.record(*quote.events)

    def save(self, quote: Quote, *, latest: bool, next_check_at: datetime | None) -> Quote:
        doc = {**quote_to_doc(quote, latest=latest), "next_check_at": next_check_at}
        saved = self.quotes.save_versioned(
            doc, quote.revision, quote.label, version_field="revision"
        )
        self.tx.record(*quote.events)
        return quote_from_doc(saved)

    def reschedule(self, quote: Quote, next_check_at: datetime | None) -> None:
        key = version_key(quote.id, quote.version)
        self.quotes.update(key, {"next_check_at": next_check_at}, revision=quote.revision)

    def get(self, quote_id: str, version: int) -> Quote | None:
        doc = self.quotes.get(version_key(quote_id, version))
        return quote_from_doc(doc) if doc else None

    def latest(self, quote_id: str) -> Quote | None:
        docs = self.quotes.find({"quote_id": quote_id}, [("version", -1)], 1)
        return quote_from_doc(docs[0]) if docs else None

    def page(self, query: Query, limit: int, after: Position) -> list[Quote]:
        return [quote_from_doc(d) for d in self.quotes.page(query, QUOTE_SORT, limit, after)]
