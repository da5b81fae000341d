"""Analytics use cases: fold each event into the read models once (logging it), answer
reports within the caller's data scope, and rebuild or check a tenant's read models
from its event log (ADR 0033)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from crm_runtime.clock import utcnow
from crm_runtime.errors import FieldViolation, NotFound, require
from crm_runtime.principal import Principal

from analytics.domain import deals, leads, pipelines, receivables
from analytics.domain.activity import LEAD_GROUPS, Conversion, RepActivity, activity, conversion
from analytics.domain.cash import Cash, cash
from analytics.domain.deals import Deal
from analytics.domain.filters import Period, Scope, group_by, period
from analytics.domain.funnel import Funnel, funnel
from analytics.domain.lead_summary import LeadCount, bucket_of, day_range
from analytics.domain.projection import LEAD_EVENTS, PROJECTED, Projection, fold
from analytics.domain.results import GroupResults, results, window
from analytics.ports import AnalyticsStorage, Stores

CURRENCY = re.compile(r"[A-Z]{3}")
DEFAULT_CURRENCY = "CNY"


def _today() -> date:
    return datetime.now(UTC).date()


def handler_of(event_type: str) -> str:
    """The inbox name an event is recorded under (lead counts kept their first name)."""
    return "analytics.on_lead_created" if event_type in LEAD_EVENTS else "analytics.project"


def project(stores: Stores, envelope: dict[str, Any]) -> None:
    """Fold one event into the tenant's live read models."""
    tenant, event_type = envelope["tenant_id"], envelope["event_type"]
    payload = envelope.get("payload") or {}
    if event_type in LEAD_EVENTS:
        stores.lead_counts(tenant).increment(*bucket_of(envelope))
    if event_type in leads.LEAD_FACT_EVENTS:
        facts = stores.leads(tenant)
        facts.put(leads.apply(facts.get(payload["lead_id"]), envelope))
    elif event_type in deals.DEAL_EVENTS:
        repo = stores.deals(tenant)
        repo.put(deals.apply(repo.get(payload["opportunity_id"]), envelope))
    elif event_type in pipelines.PIPELINE_EVENTS:
        known = stores.pipelines(tenant)
        known.put(pipelines.apply(known.get(payload["pipeline_id"]), envelope))
    elif event_type in receivables.PAYMENT_EVENTS:
        owed = stores.receivables(tenant)
        ids, replaces = receivables.touched(envelope)
        found = owed.some(ids)
        if replaces:
            owed.mark_replaced(replaces)
            found.update({r.receivable_id: r for r in owed.of_plan(replaces)})
        replaced = owed.replaced_plans()
        for changed in receivables.apply(found, replaced, envelope):
            owed.put(changed)


def _currency(raw: str) -> str:
    if not raw:
        return DEFAULT_CURRENCY
    require([] if CURRENCY.fullmatch(raw) else [FieldViolation("currency", "must be ISO 4217")])
    return raw


def _scope(principal: Principal, owner_id: str, team_id: str) -> Scope:
    return Scope(principal.scope, principal.user_id, principal.team_id, owner_id, team_id)


@dataclass(frozen=True)
class Rebuilt:
    tenant_id: str
    events: int
    deals: int
    pipelines: int


def _live(stores: Stores, tenant: str) -> Projection:
    counts = {(c.day, c.source): c.count for c in stores.lead_counts(tenant).all()}
    return Projection(
        deals={d.opportunity_id: d for d in stores.deals(tenant).all()},
        pipelines={p.pipeline_id: p for p in stores.pipelines(tenant).all()},
        lead_counts=counts,
        leads={lead.lead_id: lead for lead in stores.leads(tenant).all()},
        receivables={r.receivable_id: r for r in stores.receivables(tenant).all()},
        replaced_plans=stores.receivables(tenant).replaced_plans(),
    )


def differences(live: Projection, rebuilt: Projection) -> list[str]:
    """What differs between two projections of a tenant, one line per record."""
    out = []
    for name in ("deals", "pipelines", "lead_counts", "leads", "receivables"):
        a, b = getattr(live, name), getattr(rebuilt, name)
        for key in sorted(set(a) | set(b), key=str):
            if a.get(key) != b.get(key):
                out.append(f"{name} {key}: live {a.get(key)!r} != log {b.get(key)!r}")
    return out


class AnalyticsApp:
    def __init__(
        self,
        storage: AnalyticsStorage,
        today: Callable[[], date] = _today,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self.storage = storage
        self.today = today
        self.now = now

    def _period(self, field: str, raw_from: str, raw_to: str) -> Period:
        """The inclusive days of `<field>_from` / `<field>_to` (named so in a 422)."""
        return period(raw_from, raw_to, self.today(), (f"{field}_from", f"{field}_to"))

    # Events -----------------------------------------------------------------------

    def on_event(self, envelope: dict[str, Any]) -> bool:
        """Log and project an event once; False for a duplicate or a type not projected."""
        if envelope["event_type"] not in PROJECTED:
            return False

        def effect(stores: Stores) -> None:
            stores.event_log(envelope["tenant_id"]).append(envelope)
            project(stores, envelope)

        return self.storage.handle_once(handler_of(envelope["event_type"]), envelope, effect)

    # Reports ----------------------------------------------------------------------

    def lead_summary(self, principal: Principal, from_day: str, to_day: str) -> list[LeadCount]:
        days = day_range(from_day, to_day, self.today())
        return self.storage.run(lambda s: s.lead_counts(principal.tenant_id).between(days))

    def funnel(
        self,
        principal: Principal,
        *,
        pipeline_id: str = "",
        created_on_from: str = "",
        created_on_to: str = "",
        owner_id: str = "",
        team_id: str = "",
        currency: str = "",
    ) -> Funnel:
        """The funnel of the deals created in the period (the last 30 days by default)."""
        days = self._period("created_on", created_on_from, created_on_to)
        money = _currency(currency)
        scope = _scope(principal, owner_id, team_id)

        def read(stores: Stores) -> Funnel:
            known = stores.pipelines(principal.tenant_id)
            pipeline = known.get(pipeline_id) if pipeline_id else known.default()
            if pipeline is None and pipeline_id:
                raise NotFound(f"pipeline {pipeline_id} has no events in analytics")
            if pipeline is None:
                require([FieldViolation("pipeline_id", "is required: no default pipeline yet")])
            assert pipeline is not None
            cohort = [
                d
                for d in stores.deals(principal.tenant_id).in_pipeline(pipeline.pipeline_id)
                if days.holds(d.created_on)
                and d.currency == money
                and scope.sees(d.owner_id, d.team_id)
            ]
            return funnel(pipeline, cohort)

        return self.storage.run(read)

    def results(
        self,
        principal: Principal,
        *,
        closed_date_from: str = "",
        closed_date_to: str = "",
        group: str = "",
        owner_id: str = "",
        team_id: str = "",
        currency: str = "",
    ) -> list[GroupResults]:
        """Results of deals closed in the period, beside the period before it."""
        days = self._period("closed_date", closed_date_from, closed_date_to)
        grouping = group_by(group)
        money = _currency(currency)
        scope = _scope(principal, owner_id, team_id)
        first, last = window(days, grouping)

        def read(stores: Stores) -> list[Deal]:
            return stores.deals(principal.tenant_id).closed_between(first, last)

        closed = [
            d
            for d in self.storage.run(read)
            if d.currency == money and scope.sees(d.owner_id, d.team_id)
        ]
        return results(closed, days, grouping)

    def activity(
        self,
        principal: Principal,
        *,
        created_on_from: str = "",
        created_on_to: str = "",
        owner_id: str = "",
        team_id: str = "",
    ) -> list[RepActivity]:
        """Follow-ups by kind logged in the period; first response and SLA of the leads
        created in it; per rep, within the caller's scope."""
        days = self._period("created_on", created_on_from, created_on_to)
        scope = _scope(principal, owner_id, team_id)

        def read(stores: Stores) -> tuple[list[leads.LeadFact], list[Deal]]:
            repo = stores.leads(principal.tenant_id)
            found = {lead.lead_id: lead for lead in repo.created_between(days.first, days.last)}
            for lead in (
                *repo.followed_up_between(days.first, days.last),
                *repo.reminded_between(days.first, days.last),
            ):
                found.setdefault(lead.lead_id, lead)
            reminded = stores.deals(principal.tenant_id).reminded_between(days.first, days.last)
            return [found[k] for k in sorted(found)], reminded

        lead_facts, deal_facts = self.storage.run(read)
        return activity(lead_facts, deal_facts, days, self.now(), scope.sees)

    def lead_conversion(
        self,
        principal: Principal,
        *,
        created_on_from: str = "",
        created_on_to: str = "",
        group: str = "",
        owner_id: str = "",
        team_id: str = "",
    ) -> list[Conversion]:
        """Lead -> opportunity -> won of the leads created in the period, per group."""
        days = self._period("created_on", created_on_from, created_on_to)
        grouping = group_by(group, LEAD_GROUPS)
        scope = _scope(principal, owner_id, team_id)

        def read(stores: Stores) -> tuple[list[leads.LeadFact], set[str]]:
            cohort = stores.leads(principal.tenant_id).created_between(days.first, days.last)
            return cohort, stores.deals(principal.tenant_id).won_lead_ids()

        cohort, won = self.storage.run(read)
        visible = [lead for lead in cohort if scope.sees(lead.owner_id, lead.team_id)]
        return conversion(visible, won, grouping)

    def cash(
        self,
        principal: Principal,
        *,
        due_date_from: str = "",
        due_date_to: str = "",
        owner_id: str = "",
        team_id: str = "",
        currency: str = "",
    ) -> Cash:
        """Aging as of today; collection and DSO over the receivables due in the period."""
        days = self._period("due_date", due_date_from, due_date_to)
        money = _currency(currency)
        scope = _scope(principal, owner_id, team_id)
        every = self.storage.run(lambda s: s.receivables(principal.tenant_id).all())
        visible = [r for r in every if r.currency == money and scope.sees(r.owner_id, r.team_id)]
        return cash(visible, self.today(), days)

    # Operations -------------------------------------------------------------------

    def rebuild(self, tenant_id: str) -> Rebuilt:
        """Replace the tenant's read models by the fold of its event log, in one
        transaction: readers see the old figures or the new, never a mix."""

        def work(stores: Stores) -> Rebuilt:
            events = list(stores.event_log(tenant_id).events())
            folded = fold(events)
            counts, deal_repo, known, lead_repo = (
                stores.lead_counts(tenant_id),
                stores.deals(tenant_id),
                stores.pipelines(tenant_id),
                stores.leads(tenant_id),
            )
            counts.clear()
            deal_repo.clear()
            known.clear()
            lead_repo.clear()
            for lead in folded.leads.values():
                lead_repo.put(lead)
            money_repo = stores.receivables(tenant_id)
            money_repo.clear()
            for plan_id in sorted(folded.replaced_plans):
                money_repo.mark_replaced(plan_id)
            for receivable in folded.receivables.values():
                money_repo.put(receivable)
            for (day, source), n in sorted(folded.lead_counts.items()):
                counts.increment(day, source, n)
            for deal in folded.deals.values():
                deal_repo.put(deal)
            for pipeline in folded.pipelines.values():
                known.put(pipeline)
            return Rebuilt(tenant_id, len(events), len(folded.deals), len(folded.pipelines))

        return self.storage.run(work)

    def check(self, tenant_id: str) -> list[str]:
        """How the tenant's live read models differ from a fold of its log (none: equal)."""

        def work(stores: Stores) -> list[str]:
            return differences(_live(stores, tenant_id), fold(stores.event_log(tenant_id).events()))

        return self.storage.run(work)
