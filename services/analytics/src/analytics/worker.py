"""Analytics worker: folds every service's events into read models (nameko)."""

from __future__ import annotations

from typing import Any

from crm_runtime.worker import AppProvider, HandlerTelemetry, on_event

from analytics.app import AnalyticsApp
from analytics.store import ensure_indexes


class AnalyticsWorker:
    name = "analytics"

    app: AnalyticsApp = AppProvider(ensure_indexes, AnalyticsApp)
    telemetry = HandlerTelemetry()

    @on_event("lead", "LeadCreated")
    def on_lead_created(self, envelope: dict[str, Any]) -> bool:
        return self.app.on_lead_created(envelope)
