"""`analytics.ports` in memory: the fake the use-case tests run on. The same contract
suite runs on it and on the Mongo store, so it cannot drift from the truth."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from crm_runtime.storage.memory import MemoryTransaction, MemoryUnitOfWork
from crm_runtime.storage.seam import MemorySeam

from analytics.domain.deals import Deal
from analytics.domain.lead_summary import DayRange, LeadCount
from analytics.domain.leads import LeadFact
from analytics.domain.pipelines import Pipeline
from analytics.domain.receivables import Receivable
from analytics.ports import Stores


class _TenantTable:
    def __init__(self, tx: MemoryTransaction, name: str, tenant_id: str) -> None:
        self.table = tx.table(name)
        self.tenant_id = tenant_id

    def rows(self) -> dict[Any, Any]:
        return {k[1]: v for k, v in self.table.items() if k[0] == self.tenant_id}

    def _get(self, key: Any) -> Any:
        return self.table.get((self.tenant_id, key))

    def _put(self, key: Any, value: Any) -> None:
        self.table[(self.tenant_id, key)] = value

    def clear(self) -> None:
        for key in [k for k in self.table if k[0] == self.tenant_id]:
            del self.table[key]


class MemoryLeadCounts(_TenantTable):
    def __init__(self, tx: MemoryTransaction, tenant_id: str) -> None:
        super().__init__(tx, "lead_counts", tenant_id)

    def increment(self, day: str, source: str, by: int = 1) -> None:
        self._put((day, source), (self._get((day, source)) or 0) + by)

    def between(self, days: DayRange) -> list[LeadCount]:
        first, last = days.first.isoformat(), days.last.isoformat()
        return [
            LeadCount(day, source, count)
            for (day, source), count in sorted(self.rows().items())
            if first <= day <= last
        ]

    def all(self) -> list[LeadCount]:
        return [LeadCount(d, s, n) for (d, s), n in sorted(self.rows().items())]


class MemoryDeals(_TenantTable):
    def __init__(self, tx: MemoryTransaction, tenant_id: str) -> None:
        super().__init__(tx, "deal_facts", tenant_id)

    def get(self, opportunity_id: str) -> Deal | None:
        found: Deal | None = self._get(opportunity_id)
        return found

    def put(self, deal: Deal) -> None:
        self._put(deal.opportunity_id, deal)

    def all(self) -> list[Deal]:
        return [d for _, d in sorted(self.rows().items())]

    def in_pipeline(self, pipeline_id: str) -> list[Deal]:
        return [d for d in self.all() if d.pipeline_id == pipeline_id]

    def closed_between(self, first: date, last: date) -> list[Deal]:
        return [d for d in self.all() if d.closed_on is not None and first <= d.closed_on <= last]

    def reminded_between(self, first: date, last: date) -> list[Deal]:
        return [d for d in self.all() if any(first <= at.date() <= last for at, _ in d.overdue)]

    def won_lead_ids(self) -> set[str]:
        return {d.source_lead_id for d in self.all() if d.status == "won" and d.source_lead_id}


class MemoryLeads(_TenantTable):
    def __init__(self, tx: MemoryTransaction, tenant_id: str) -> None:
        super().__init__(tx, "lead_facts", tenant_id)

    def get(self, lead_id: str) -> LeadFact | None:
        found: LeadFact | None = self._get(lead_id)
        return found

    def put(self, lead: LeadFact) -> None:
        self._put(lead.lead_id, lead)

    def all(self) -> list[LeadFact]:
        return [lead for _, lead in sorted(self.rows().items())]

    def created_between(self, first: date, last: date) -> list[LeadFact]:
        return [
            lead
            for lead in self.all()
            if lead.created_at is not None and first <= lead.created_at.date() <= last
        ]

    def reminded_between(self, first: date, last: date) -> list[LeadFact]:
        return [
            lead for lead in self.all() if any(first <= at.date() <= last for at, _ in lead.overdue)
        ]

    def followed_up_between(self, first: date, last: date) -> list[LeadFact]:
        return [
            lead
            for lead in self.all()
            if any(first <= f.at.date() <= last for f in lead.follow_ups)
        ]


class MemoryReceivables(_TenantTable):
    def __init__(self, tx: MemoryTransaction, tenant_id: str) -> None:
        super().__init__(tx, "receivable_facts", tenant_id)
        self.replaced = _TenantTable(tx, "replaced_plans", tenant_id)

    def some(self, receivable_ids: list[str]) -> dict[str, Receivable]:
        rows = self.rows()
        return {k: rows[k] for k in receivable_ids if k in rows}

    def of_plan(self, plan_id: str) -> list[Receivable]:
        return [r for r in self.all() if r.plan_id == plan_id]

    def put(self, receivable: Receivable) -> None:
        self._put(receivable.receivable_id, receivable)

    def replaced_plans(self) -> set[str]:
        return set(self.replaced.rows())

    def mark_replaced(self, plan_id: str) -> None:
        self.replaced._put(plan_id, True)

    def all(self) -> list[Receivable]:
        return [r for _, r in sorted(self.rows().items())]

    def clear(self) -> None:
        super().clear()
        self.replaced.clear()


class MemoryPipelines(_TenantTable):
    def __init__(self, tx: MemoryTransaction, tenant_id: str) -> None:
        super().__init__(tx, "pipeline_stages", tenant_id)

    def get(self, pipeline_id: str) -> Pipeline | None:
        found: Pipeline | None = self._get(pipeline_id)
        return found

    def put(self, pipeline: Pipeline) -> None:
        self._put(pipeline.pipeline_id, pipeline)

    def all(self) -> list[Pipeline]:
        return [p for _, p in sorted(self.rows().items())]

    def default(self) -> Pipeline | None:
        return next((p for p in self.all() if p.is_default), None)


class MemoryEventLog(_TenantTable):
    def __init__(self, tx: MemoryTransaction, tenant_id: str) -> None:
        super().__init__(tx, "event_log", tenant_id)

    def append(self, envelope: dict[str, Any]) -> None:
        if self._get(envelope["event_id"]) is not None:
            raise ValueError(f"event {envelope['event_id']} is logged already")
        self._put(envelope["event_id"], dict(envelope))

    def events(self) -> Iterator[dict[str, Any]]:
        logged = sorted(self.rows().values(), key=lambda e: (e["occurred_at"], e["event_id"]))
        return iter(logged)


class MemoryStores:
    def __init__(self, tx: MemoryTransaction) -> None:
        self.tx = tx

    def lead_counts(self, tenant_id: str) -> MemoryLeadCounts:
        return MemoryLeadCounts(self.tx, tenant_id)

    def deals(self, tenant_id: str) -> MemoryDeals:
        return MemoryDeals(self.tx, tenant_id)

    def leads(self, tenant_id: str) -> MemoryLeads:
        return MemoryLeads(self.tx, tenant_id)

    def receivables(self, tenant_id: str) -> MemoryReceivables:
        return MemoryReceivables(self.tx, tenant_id)

    def pipelines(self, tenant_id: str) -> MemoryPipelines:
        return MemoryPipelines(self.tx, tenant_id)

    def event_log(self, tenant_id: str) -> MemoryEventLog:
        return MemoryEventLog(self.tx, tenant_id)


class MemoryAnalyticsStorage(MemorySeam[Stores]):
    """`analytics.ports.AnalyticsStorage` in memory."""

    def __init__(self, uow: MemoryUnitOfWork | None = None) -> None:
        super().__init__(uow or MemoryUnitOfWork(), MemoryStores)

    def tenants(self) -> list[str]:
        return sorted({tenant for tenant, _ in self.uow.tables.get("event_log", {})})
