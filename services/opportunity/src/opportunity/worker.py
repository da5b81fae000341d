"""Opportunity worker: cadence reminders and account dormancy on a timer (nameko),
beside the outbox relay. Every replica runs the timer; the version-checked saves in
`OpportunityChecks` make sure each reminder or flag is raised once. The lead's
LeadConverted completes a conversion whose records were not written yet (ADR 17)."""

from __future__ import annotations

from typing import Any

from crm_runtime.storage.mongo import UnitOfWork
from crm_runtime.worker import AppProvider, HandlerTelemetry, every, on_event

from opportunity.checks import OpportunityChecks
from opportunity.conversion.completion import ConversionRecovery
from opportunity.indexes import ensure_indexes
from opportunity.mongo_storage import MongoOpportunityStorage

CHECK_INTERVAL_SECONDS = 30


def checks(uow: UnitOfWork) -> OpportunityChecks:
    return OpportunityChecks(MongoOpportunityStorage(uow))


def conversions(uow: UnitOfWork) -> ConversionRecovery:
    return ConversionRecovery(MongoOpportunityStorage(uow))


class OpportunityWorker:
    name = "opportunity"

    checks: OpportunityChecks = AppProvider(ensure_indexes, checks)
    conversions: ConversionRecovery = AppProvider(ensure_indexes, conversions)
    telemetry = HandlerTelemetry()

    @every(CHECK_INTERVAL_SECONDS)
    def run_checks(self) -> None:
        while self.checks.run() > 0:
            pass  # keep going while a batch changed records: more may be due

    @on_event("lead", "LeadConverted")
    def on_lead_converted(self, envelope: dict[str, Any]) -> bool:
        return self.conversions.on_lead_converted(envelope)
