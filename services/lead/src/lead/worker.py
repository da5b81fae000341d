"""Lead worker: the SLA and recycling checks on a timer (nameko), beside the outbox relay.

Every replica runs the timer; the version-checked save in `LeadChecks` makes sure a lead
is warned or recycled once however many replicas look at it."""

from __future__ import annotations

from crm_runtime.worker import AppProvider
from nameko.timer import timer

from lead.checks import LeadChecks
from lead.store import ensure_indexes

CHECK_INTERVAL_SECONDS = 30


class LeadWorker:
    name = "lead"

    checks: LeadChecks = AppProvider(ensure_indexes, LeadChecks)

    @timer(interval=CHECK_INTERVAL_SECONDS)
    def run_checks(self) -> None:
        while self.checks.run() > 0:
            pass  # keep going while a batch changed leads: more may be due
