"""What the analytics use cases need from storage, named as Protocols: the seam.

`analytics.store` implements it on MongoDB for the service, `analytics.memory` in memory
for fast tests; one contract suite runs against both (tests/integration/test_analytics_store_contract.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any, Protocol, TypeVar

from analytics.domain.deals import Deal
from analytics.domain.lead_summary import DayRange, LeadCount
from analytics.domain.leads import LeadFact
from analytics.domain.pipelines import Pipeline
from analytics.domain.receivables import Receivable

T = TypeVar("T")


class LeadCounts(Protocol):
    def increment(self, day: str, source: str, by: int = 1) -> None: ...

    def between(self, days: DayRange) -> list[LeadCount]:
        """Counts on the days of `days` (both ends included), by day then source."""

    def all(self) -> list[LeadCount]:
        """Every count, by day then source."""

    def clear(self) -> None: ...


class Deals(Protocol):
    def get(self, opportunity_id: str) -> Deal | None: ...

    def put(self, deal: Deal) -> None: ...

    def in_pipeline(self, pipeline_id: str) -> list[Deal]:
        """Every deal of the pipeline, by opportunity id."""

    def closed_between(self, first: date, last: date) -> list[Deal]:
        """Deals won or lost on the days from `first` to `last`, both included."""

    def all(self) -> list[Deal]:
        """Every deal, by opportunity id."""

    def won_lead_ids(self) -> set[str]:
        """The source lead ids of the deals won."""

    def reminded_between(self, first: date, last: date) -> list[Deal]:
        """Deals with a missed-cadence reminder due on the days from `first` to `last`."""

    def clear(self) -> None: ...


class Leads(Protocol):
    def get(self, lead_id: str) -> LeadFact | None: ...

    def put(self, lead: LeadFact) -> None: ...

    def created_between(self, first: date, last: date) -> list[LeadFact]:
        """Leads created on the days from `first` to `last` (both included), by id."""

    def followed_up_between(self, first: date, last: date) -> list[LeadFact]:
        """Leads with a follow-up on the days from `first` to `last`, by id."""

    def reminded_between(self, first: date, last: date) -> list[LeadFact]:
        """Leads with a missed-cadence reminder due on the days from `first` to `last`."""

    def all(self) -> list[LeadFact]: ...

    def clear(self) -> None: ...


class Receivables(Protocol):
    def some(self, receivable_ids: list[str]) -> dict[str, Receivable]:
        """Those of `receivable_ids` known, by id."""

    def of_plan(self, plan_id: str) -> list[Receivable]: ...

    def put(self, receivable: Receivable) -> None: ...

    def replaced_plans(self) -> set[str]: ...

    def mark_replaced(self, plan_id: str) -> None: ...

    def all(self) -> list[Receivable]:
        """Every receivable, by id."""

    def clear(self) -> None:
        """Every receivable and replaced plan of the tenant gone."""


class Pipelines(Protocol):
    def get(self, pipeline_id: str) -> Pipeline | None: ...

    def default(self) -> Pipeline | None:
        """The pipeline marked default (the first by id if several say so)."""

    def put(self, pipeline: Pipeline) -> None: ...

    def all(self) -> list[Pipeline]: ...

    def clear(self) -> None: ...


class EventLog(Protocol):
    """The events analytics consumed, per tenant, append-only (ADR 0033)."""

    def append(self, envelope: dict[str, Any]) -> None: ...

    def events(self) -> Iterator[dict[str, Any]]:
        """Every logged envelope, in the order the events occurred."""


class Stores(Protocol):
    """One tenant's read models and event log inside one transaction."""

    def lead_counts(self, tenant_id: str) -> LeadCounts: ...

    def deals(self, tenant_id: str) -> Deals: ...

    def leads(self, tenant_id: str) -> Leads: ...

    def receivables(self, tenant_id: str) -> Receivables: ...

    def pipelines(self, tenant_id: str) -> Pipelines: ...

    def event_log(self, tenant_id: str) -> EventLog: ...


class AnalyticsStorage(Protocol):
    def run(self, work: Callable[[Stores], T]) -> T:
        """`work` in one transaction: all of it or none of it."""

    def handle_once(
        self, handler: str, envelope: dict[str, Any], effect: Callable[[Stores], None]
    ) -> bool:
        """`effect` in one transaction unless `handler` handled this event already."""

    def tenants(self) -> list[str]:
        """Every tenant with a logged event."""
