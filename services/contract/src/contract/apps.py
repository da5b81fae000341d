"""The service's use-case objects, built once per process around one storage (the Mongo
one, or the in-memory one of the unit tests): one member per area's use_cases.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from crm_runtime.clock import utcnow
from crm_runtime.storage.mongo import UnitOfWork

from contract.contracts.use_cases import ContractApp, OpportunityDirectory
from contract.mongo_storage import MongoContractStorage
from contract.ports import ContractStorage
from contract.templates.use_cases import TemplateApp


@dataclass(frozen=True)
class ContractApps:
    templates: TemplateApp
    contracts: ContractApp

    @classmethod
    def build(cls, uow: UnitOfWork, opportunities: OpportunityDirectory) -> ContractApps:
        return cls.on(MongoContractStorage(uow), opportunities)

    @classmethod
    def on(
        cls,
        storage: ContractStorage,
        opportunities: OpportunityDirectory,
        clock: Callable[[], datetime] = utcnow,
    ) -> ContractApps:
        return cls(
            templates=TemplateApp(storage, clock),
            contracts=ContractApp(storage, opportunities, clock),
        )
