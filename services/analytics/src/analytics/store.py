"""Analytics read models on MongoDB."""

from __future__ import annotations

from datetime import timedelta

from crm_runtime.messaging.outbox import ensure_outbox_indexes
from crm_runtime.storage.mongo import Doc, TenantCollection, Transaction
from pymongo import ASCENDING
from pymongo.database import Database

from analytics.domain.lead_summary import DayRange, LeadCount

LEAD_COUNTS = "lead_counts"


def ensure_indexes(db: Database[Doc]) -> None:
    db[LEAD_COUNTS].create_index(
        [("tenant_id", ASCENDING), ("day", ASCENDING), ("source", ASCENDING)], unique=True
    )
    ensure_outbox_indexes(db)


class LeadCounts:
    def __init__(self, tx: Transaction, tenant_id: str) -> None:
        self.counts: TenantCollection = tx.collection(LEAD_COUNTS, tenant_id)

    def increment(self, day: str, source: str) -> None:
        self.counts.update_one({"day": day, "source": source}, {"$inc": {"count": 1}}, upsert=True)

    def between(self, days: DayRange) -> list[LeadCount]:
        # Half-open range: the embedded MongoDB misses matches equal to an inclusive
        # upper bound combined with a lower bound on an indexed field ($gte + $lte).
        after_last = (days.last + timedelta(days=1)).isoformat()
        docs = self.counts.find(
            {"day": {"$gte": days.first.isoformat(), "$lt": after_last}},
            sort=[("day", ASCENDING), ("source", ASCENDING)],
        )
        return [LeadCount(d["day"], d["source"], d["count"]) for d in docs]
