"""Analytics worker: folds every service's events into read models (nameko), each event
once (the inbox) and logged for rebuilds (ADR 0033)."""

from __future__ import annotations

from typing import Any

from crm_runtime.clock import utcnow
from crm_runtime.metrics import ANALYTICS_LAG
from crm_runtime.worker import AppProvider, HandlerTelemetry, on_event

from analytics.app import AnalyticsApp
from analytics.apps import build
from analytics.domain.facts import instant
from analytics.store import ensure_indexes


class AnalyticsWorker:
    name = "analytics"

    app: AnalyticsApp = AppProvider(ensure_indexes, build)
    telemetry = HandlerTelemetry()

    def fold(self, envelope: dict[str, Any]) -> bool:
        """Fold the event once; its lag (occurred -> folded) is crm_analytics_lag_seconds."""
        folded = self.app.on_event(envelope)
        occurred = instant(envelope.get("occurred_at"))
        if folded and occurred is not None:
            lag = max((utcnow() - occurred).total_seconds(), 0.0)
            ANALYTICS_LAG.labels(self.name, envelope["event_type"]).observe(lag)
        return folded

    @on_event("lead", "LeadCreated")
    def on_lead_created(self, envelope: dict[str, Any]) -> bool:
        return self.fold(envelope)

    @on_event("lead", "LeadAssigned")
    def on_lead_assigned(self, envelope: dict[str, Any]) -> bool:
        return self.fold(envelope)

    @on_event("lead", "LeadClaimed")
    def on_lead_claimed(self, envelope: dict[str, Any]) -> bool:
        return self.fold(envelope)

    @on_event("lead", "LeadRecycled")
    def on_lead_recycled(self, envelope: dict[str, Any]) -> bool:
        return self.fold(envelope)

    @on_event("lead", "LeadFollowUpLogged")
    def on_lead_follow_up_logged(self, envelope: dict[str, Any]) -> bool:
        return self.fold(envelope)

    @on_event("lead", "LeadConverted")
    def on_lead_converted(self, envelope: dict[str, Any]) -> bool:
        return self.fold(envelope)

    @on_event("lead", "LeadFollowUpDue")
    def on_lead_follow_up_due(self, envelope: dict[str, Any]) -> bool:
        return self.fold(envelope)

    @on_event("opportunity", "OpportunityCadenceOverdue")
    def on_opportunity_cadence_overdue(self, envelope: dict[str, Any]) -> bool:
        return self.fold(envelope)

    @on_event("opportunity", "PipelineVersionCreated")
    def on_pipeline_version_created(self, envelope: dict[str, Any]) -> bool:
        return self.fold(envelope)

    @on_event("opportunity", "OpportunityCreated")
    def on_opportunity_created(self, envelope: dict[str, Any]) -> bool:
        return self.fold(envelope)

    @on_event("opportunity", "OpportunityUpdated")
    def on_opportunity_updated(self, envelope: dict[str, Any]) -> bool:
        return self.fold(envelope)

    @on_event("opportunity", "OpportunityStageChanged")
    def on_opportunity_stage_changed(self, envelope: dict[str, Any]) -> bool:
        return self.fold(envelope)

    @on_event("opportunity", "OpportunityWon")
    def on_opportunity_won(self, envelope: dict[str, Any]) -> bool:
        return self.fold(envelope)

    @on_event("opportunity", "OpportunityLost")
    def on_opportunity_lost(self, envelope: dict[str, Any]) -> bool:
        return self.fold(envelope)

    @on_event("opportunity", "OpportunityReopened")
    def on_opportunity_reopened(self, envelope: dict[str, Any]) -> bool:
        return self.fold(envelope)

    @on_event("payment", "PaymentPlanCreated")
    def on_payment_plan_created(self, envelope: dict[str, Any]) -> bool:
        return self.fold(envelope)

    @on_event("payment", "ReceiptMatched")
    def on_receipt_matched(self, envelope: dict[str, Any]) -> bool:
        return self.fold(envelope)

    @on_event("payment", "ReceiptUnmatched")
    def on_receipt_unmatched(self, envelope: dict[str, Any]) -> bool:
        return self.fold(envelope)
