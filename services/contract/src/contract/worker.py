"""Contract worker: the daily expiry of active contracts past their end date on a timer
(nameko), beside the outbox relay. Every replica runs the timer; the version-checked
save expires each contract once."""

from __future__ import annotations

from crm_runtime.storage.mongo import UnitOfWork
from crm_runtime.worker import AppProvider, every

from contract.contracts.use_cases import ContractChecks
from contract.indexes import ensure_indexes
from contract.mongo_storage import MongoContractStorage

CHECK_INTERVAL_SECONDS = 60


def checks(uow: UnitOfWork) -> ContractChecks:
    return ContractChecks(MongoContractStorage(uow))


class ContractWorker:
    name = "contract"

    checks: ContractChecks = AppProvider(ensure_indexes, checks)

    @every(CHECK_INTERVAL_SECONDS)
    def run_checks(self) -> None:
        while self.checks.run() > 0:
            pass  # a full batch: more may be due
