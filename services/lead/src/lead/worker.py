"""Lead worker: the SLA and recycling checks, the settling of abandoned rep slots and
bulk imports on timers (nameko), beside the outbox relay.

Every replica runs the timer; the version-checked save in `LeadChecks` makes sure a lead
is warned or recycled once however many replicas look at it."""

from __future__ import annotations

from crm_runtime.storage.mongo import UnitOfWork
from crm_runtime.worker import AppProvider, every

from lead.checks import LeadChecks
from lead.imports.runner import ImportRunner
from lead.indexes import ensure_indexes
from lead.mongo_storage import MongoLeadStorage

CHECK_INTERVAL_SECONDS = 30
IMPORT_INTERVAL_SECONDS = 1  # how soon a queued import is taken up


def checks(uow: UnitOfWork) -> LeadChecks:
    return LeadChecks(MongoLeadStorage(uow))


def import_runner(uow: UnitOfWork) -> ImportRunner:
    return ImportRunner(MongoLeadStorage(uow))


class ImportRunnerProvider(AppProvider):
    """The import runner; on shutdown it hands its job's lease back first."""

    def stop(self) -> None:
        self.app.stop()
        super().stop()


class LeadWorker:
    name = "lead"

    checks: LeadChecks = AppProvider(ensure_indexes, checks)
    imports: ImportRunner = ImportRunnerProvider(ensure_indexes, import_runner)

    @every(CHECK_INTERVAL_SECONDS)
    def run_checks(self) -> None:
        while self.checks.run() > 0:
            pass  # keep going while a batch changed leads: more may be due
        self.checks.settle_slots()

    @every(IMPORT_INTERVAL_SECONDS)
    def run_imports(self) -> None:
        """Bulk imports: a batch of rows after another, for a bounded time (ADR 14)."""
        self.imports.tick()
