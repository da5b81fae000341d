"""Every read model of a tenant folded from its event log at once: what a rebuild
writes and what a check compares the live read models with. Pure Python."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from analytics.domain import deals, leads, pipelines, receivables
from analytics.domain.deals import Deal
from analytics.domain.lead_summary import bucket_of
from analytics.domain.leads import LeadFact
from analytics.domain.pipelines import Pipeline
from analytics.domain.receivables import Receivable

LEAD_EVENTS = ("LeadCreated",)
PROJECTED = (
    *leads.LEAD_FACT_EVENTS,
    *deals.DEAL_EVENTS,
    *pipelines.PIPELINE_EVENTS,
    *receivables.PAYMENT_EVENTS,
)


@dataclass
class Projection:
    deals: dict[str, Deal] = field(default_factory=dict)
    pipelines: dict[str, Pipeline] = field(default_factory=dict)
    lead_counts: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    leads: dict[str, LeadFact] = field(default_factory=dict)
    receivables: dict[str, Receivable] = field(default_factory=dict)
    replaced_plans: set[str] = field(default_factory=set)


def fold(events: Iterable[dict[str, Any]]) -> Projection:
    """The read models of one tenant's events (in any order: each fold is order-free)."""
    out = Projection()
    for envelope in events:
        event_type = envelope["event_type"]
        payload = envelope.get("payload") or {}
        if event_type in LEAD_EVENTS:
            out.lead_counts[bucket_of(envelope)] += 1
        if event_type in leads.LEAD_FACT_EVENTS:
            key = payload["lead_id"]
            out.leads[key] = leads.apply(out.leads.get(key), envelope)
        elif event_type in deals.DEAL_EVENTS:
            key = payload["opportunity_id"]
            out.deals[key] = deals.apply(out.deals.get(key), envelope)
        elif event_type in pipelines.PIPELINE_EVENTS:
            key = payload["pipeline_id"]
            out.pipelines[key] = pipelines.apply(out.pipelines.get(key), envelope)
        elif event_type in receivables.PAYMENT_EVENTS:
            for r in receivables.apply(out.receivables, out.replaced_plans, envelope):
                out.receivables[r.receivable_id] = r
    return out
