"""Analytics read models and event log on MongoDB (`analytics.ports` implemented)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from crm_runtime.messaging.outbox import ensure_outbox_indexes
from crm_runtime.storage.mongo import Doc, TenantCollection, Transaction, UnitOfWork
from crm_runtime.storage.seam import MongoSeam
from pymongo import ASCENDING
from pymongo.database import Database

from analytics.documents import (
    deal_doc,
    deal_of,
    envelope_of,
    lead_doc,
    lead_of,
    log_doc,
    pipeline_doc,
    pipeline_of,
    receivable_doc,
    receivable_of,
)
from analytics.domain.deals import Deal
from analytics.domain.lead_summary import DayRange, LeadCount
from analytics.domain.leads import LeadFact
from analytics.domain.pipelines import Pipeline
from analytics.domain.receivables import Receivable
from analytics.ports import Stores

LEAD_COUNTS = "lead_counts"
DEALS = "deal_facts"
PIPELINES = "pipeline_stages"
EVENT_LOG = "event_log"
LEADS = "lead_facts"
RECEIVABLES = "receivable_facts"
REPLACED_PLANS = "replaced_plans"


def ensure_indexes(db: Database[Doc]) -> None:
    db[LEAD_COUNTS].create_index(
        [("tenant_id", ASCENDING), ("day", ASCENDING), ("source", ASCENDING)], unique=True
    )
    db[DEALS].create_index([("tenant_id", ASCENDING), ("opportunity_id", ASCENDING)], unique=True)
    db[DEALS].create_index(
        [("tenant_id", ASCENDING), ("pipeline_id", ASCENDING), ("opportunity_id", ASCENDING)]
    )
    db[DEALS].create_index([("tenant_id", ASCENDING), ("closed_on", ASCENDING)])
    db[DEALS].create_index([("tenant_id", ASCENDING), ("status", ASCENDING)])
    db[DEALS].create_index([("tenant_id", ASCENDING), ("overdue_days", ASCENDING)])
    db[LEADS].create_index([("tenant_id", ASCENDING), ("overdue_days", ASCENDING)])
    db[LEADS].create_index([("tenant_id", ASCENDING), ("lead_id", ASCENDING)], unique=True)
    db[RECEIVABLES].create_index(
        [("tenant_id", ASCENDING), ("receivable_id", ASCENDING)], unique=True
    )
    db[RECEIVABLES].create_index([("tenant_id", ASCENDING), ("plan_id", ASCENDING)])
    db[REPLACED_PLANS].create_index([("tenant_id", ASCENDING), ("plan_id", ASCENDING)], unique=True)
    db[LEADS].create_index([("tenant_id", ASCENDING), ("created_on", ASCENDING)])
    db[LEADS].create_index([("tenant_id", ASCENDING), ("follow_up_days", ASCENDING)])
    db[PIPELINES].create_index([("tenant_id", ASCENDING), ("pipeline_id", ASCENDING)], unique=True)
    db[EVENT_LOG].create_index([("tenant_id", ASCENDING), ("event_id", ASCENDING)], unique=True)
    db[EVENT_LOG].create_index(
        [("tenant_id", ASCENDING), ("occurred_at", ASCENDING), ("event_id", ASCENDING)]
    )
    ensure_outbox_indexes(db)


def _day_after(day: date) -> str:
    # Half-open range: the embedded MongoDB misses matches equal to an inclusive
    # upper bound combined with a lower bound on an indexed field ($gte + $lte).
    return (day + timedelta(days=1)).isoformat()


class LeadCounts:
    def __init__(self, tx: Transaction, tenant_id: str) -> None:
        self.counts: TenantCollection = tx.collection(LEAD_COUNTS, tenant_id)

    def increment(self, day: str, source: str, by: int = 1) -> None:
        self.counts.update_one({"day": day, "source": source}, {"$inc": {"count": by}}, upsert=True)

    def between(self, days: DayRange) -> list[LeadCount]:
        docs = self.counts.find(
            {"day": {"$gte": days.first.isoformat(), "$lt": _day_after(days.last)}},
            sort=[("day", ASCENDING), ("source", ASCENDING)],
        )
        return [LeadCount(d["day"], d["source"], d["count"]) for d in docs]

    def all(self) -> list[LeadCount]:
        docs = self.counts.find({}, sort=[("day", ASCENDING), ("source", ASCENDING)])
        return [LeadCount(d["day"], d["source"], d["count"]) for d in docs]

    def clear(self) -> None:
        self.counts.delete_many({})


class Deals:
    def __init__(self, tx: Transaction, tenant_id: str) -> None:
        self.deals: TenantCollection = tx.collection(DEALS, tenant_id)

    def get(self, opportunity_id: str) -> Deal | None:
        doc = self.deals.find_one({"opportunity_id": opportunity_id})
        return deal_of(doc) if doc else None

    def put(self, deal: Deal) -> None:
        doc = deal_doc(deal)
        key = {"opportunity_id": doc.pop("opportunity_id")}
        self.deals.update_one(key, {"$set": doc}, upsert=True)

    def in_pipeline(self, pipeline_id: str) -> list[Deal]:
        docs = self.deals.find({"pipeline_id": pipeline_id}, sort=[("opportunity_id", ASCENDING)])
        return [deal_of(d) for d in docs]

    def closed_between(self, first: date, last: date) -> list[Deal]:
        docs = self.deals.find(
            {"closed_on": {"$gte": first.isoformat(), "$lt": _day_after(last)}},
            sort=[("closed_on", ASCENDING)],
        )
        return sorted((deal_of(d) for d in docs), key=lambda d: d.opportunity_id)

    def all(self) -> list[Deal]:
        docs = self.deals.find({}, sort=[("opportunity_id", ASCENDING)])
        return [deal_of(d) for d in docs]

    def reminded_between(self, first: date, last: date) -> list[Deal]:
        docs = self.deals.find(
            {"overdue_days": {"$gte": first.isoformat(), "$lt": _day_after(last)}}
        )
        return sorted((deal_of(d) for d in docs), key=lambda d: d.opportunity_id)

    def won_lead_ids(self) -> set[str]:
        docs = self.deals.find({"status": "won"}, projection={"source_lead_id": 1})
        return {d["source_lead_id"] for d in docs if d.get("source_lead_id")}

    def clear(self) -> None:
        self.deals.delete_many({})


class Leads:
    def __init__(self, tx: Transaction, tenant_id: str) -> None:
        self.leads: TenantCollection = tx.collection(LEADS, tenant_id)

    def get(self, lead_id: str) -> LeadFact | None:
        doc = self.leads.find_one({"lead_id": lead_id})
        return lead_of(doc) if doc else None

    def put(self, lead: LeadFact) -> None:
        doc = lead_doc(lead)
        key = {"lead_id": doc.pop("lead_id")}
        self.leads.update_one(key, {"$set": doc}, upsert=True)

    def _between(self, field: str, first: date, last: date) -> list[LeadFact]:
        docs = self.leads.find({field: {"$gte": first.isoformat(), "$lt": _day_after(last)}})
        return sorted((lead_of(d) for d in docs), key=lambda lead: lead.lead_id)

    def created_between(self, first: date, last: date) -> list[LeadFact]:
        return self._between("created_on", first, last)

    def followed_up_between(self, first: date, last: date) -> list[LeadFact]:
        return self._between("follow_up_days", first, last)

    def reminded_between(self, first: date, last: date) -> list[LeadFact]:
        return self._between("overdue_days", first, last)

    def all(self) -> list[LeadFact]:
        return [lead_of(d) for d in self.leads.find({}, sort=[("lead_id", ASCENDING)])]

    def clear(self) -> None:
        self.leads.delete_many({})


class Receivables:
    def __init__(self, tx: Transaction, tenant_id: str) -> None:
        self.receivables: TenantCollection = tx.collection(RECEIVABLES, tenant_id)
        self.replaced: TenantCollection = tx.collection(REPLACED_PLANS, tenant_id)

    def some(self, receivable_ids: list[str]) -> dict[str, Receivable]:
        docs = self.receivables.find({"receivable_id": {"$in": receivable_ids}})
        return {d["receivable_id"]: receivable_of(d) for d in docs}

    def of_plan(self, plan_id: str) -> list[Receivable]:
        docs = self.receivables.find({"plan_id": plan_id})
        return sorted((receivable_of(d) for d in docs), key=lambda r: r.receivable_id)

    def put(self, receivable: Receivable) -> None:
        doc = receivable_doc(receivable)
        key = {"receivable_id": doc.pop("receivable_id")}
        self.receivables.update_one(key, {"$set": doc}, upsert=True)

    def replaced_plans(self) -> set[str]:
        return {d["plan_id"] for d in self.replaced.find({})}

    def mark_replaced(self, plan_id: str) -> None:
        self.replaced.update_one({"plan_id": plan_id}, {"$set": {"plan_id": plan_id}}, upsert=True)

    def all(self) -> list[Receivable]:
        docs = self.receivables.find({}, sort=[("receivable_id", ASCENDING)])
        return [receivable_of(d) for d in docs]

    def clear(self) -> None:
        self.receivables.delete_many({})
        self.replaced.delete_many({})


class Pipelines:
    def __init__(self, tx: Transaction, tenant_id: str) -> None:
        self.pipelines: TenantCollection = tx.collection(PIPELINES, tenant_id)

    def get(self, pipeline_id: str) -> Pipeline | None:
        doc = self.pipelines.find_one({"pipeline_id": pipeline_id})
        return pipeline_of(doc) if doc else None

    def default(self) -> Pipeline | None:
        return next((p for p in self.all() if p.is_default), None)

    def put(self, pipeline: Pipeline) -> None:
        doc = pipeline_doc(pipeline)
        key = {"pipeline_id": doc.pop("pipeline_id")}
        self.pipelines.update_one(key, {"$set": doc}, upsert=True)

    def all(self) -> list[Pipeline]:
        docs = self.pipelines.find({}, sort=[("pipeline_id", ASCENDING)])
        return [pipeline_of(d) for d in docs]

    def clear(self) -> None:
        self.pipelines.delete_many({})


class EventLog:
    def __init__(self, tx: Transaction, tenant_id: str) -> None:
        self.tenant_id = tenant_id
        self.log: TenantCollection = tx.collection(EVENT_LOG, tenant_id)

    def append(self, envelope: dict[str, Any]) -> None:
        self.log.insert_one(log_doc(envelope))

    def events(self) -> Iterator[dict[str, Any]]:
        docs = self.log.find({}, sort=[("occurred_at", ASCENDING), ("event_id", ASCENDING)])
        return (envelope_of(d, self.tenant_id) for d in docs)


class MongoStores:
    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    def lead_counts(self, tenant_id: str) -> LeadCounts:
        return LeadCounts(self.tx, tenant_id)

    def deals(self, tenant_id: str) -> Deals:
        return Deals(self.tx, tenant_id)

    def leads(self, tenant_id: str) -> Leads:
        return Leads(self.tx, tenant_id)

    def pipelines(self, tenant_id: str) -> Pipelines:
        return Pipelines(self.tx, tenant_id)

    def receivables(self, tenant_id: str) -> Receivables:
        return Receivables(self.tx, tenant_id)

    def event_log(self, tenant_id: str) -> EventLog:
        return EventLog(self.tx, tenant_id)


class MongoAnalyticsStorage(MongoSeam[Stores]):
    def __init__(self, uow: UnitOfWork) -> None:
        super().__init__(uow, MongoStores)

    def tenants(self) -> list[str]:
        return sorted(self.uow.db[EVENT_LOG].distinct("tenant_id"))
