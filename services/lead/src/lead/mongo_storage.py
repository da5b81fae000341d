"""The lead's storage seam (lead.ports) on MongoDB: the repositories of `lead.store`,
`lead.config_store` and `lead.imports.store` over one `crm_runtime.storage.mongo.UnitOfWork`,
and the worker's reads and writes across tenants."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from crm_runtime.messaging.events import DomainEvent
from crm_runtime.messaging.outbox import OUTBOX, PENDING
from crm_runtime.storage.mongo import Transaction, UnitOfWork, due_for_checks
from pymongo.errors import PyMongoError

from lead.config_store import LeadConfig, Reservations, sweep_abandoned
from lead.imports.domain.jobs import ImportJob
from lead.imports.ports import ImportJobs
from lead.imports.store import ImportRepository, claim_next, job_from_doc, release, sweep_chunks
from lead.ports import Leads, LeadStorage, Slots, Stores, TenantConfig
from lead.store import LEADS, LeadRepository

T = TypeVar("T")


class MongoStores:
    """The repositories of one Mongo transaction."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    def leads(self, tenant_id: str) -> LeadRepository:
        return LeadRepository(self.tx, tenant_id)

    def config(self, tenant_id: str) -> LeadConfig:
        return LeadConfig(self.tx, tenant_id)

    def imports(self, tenant_id: str) -> ImportRepository:
        return ImportRepository(self.tx, tenant_id)

    def record(self, *events: DomainEvent) -> None:
        self.tx.record(*events)


class MongoLeadStorage:
    transient_errors: tuple[type[BaseException], ...] = (PyMongoError,)

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    def run(self, work: Callable[[Stores], T]) -> T:
        return self.uow.run(lambda tx: work(MongoStores(tx)))

    def slots(self, tenant_id: str) -> Reservations:
        return Reservations(self.uow.db, tenant_id)

    def due_leads(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        return due_for_checks(self.uow.db[LEADS], now, limit)

    def sweep_abandoned(self, before: datetime) -> int:
        return sweep_abandoned(self.uow.db, LEADS, before)

    def claim_next_import(
        self, owner: str, now: datetime, lease_until: datetime
    ) -> ImportJob | None:
        doc = claim_next(self.uow.db, owner, now, lease_until)
        return job_from_doc(doc) if doc else None

    def release_import(self, job_id: str, owner: str) -> None:
        release(self.uow.db, job_id, owner)

    def sweep_uploads(self, older_than: datetime) -> int:
        return sweep_chunks(self.uow.db, older_than)

    def outbox_backlog(self, limit: int) -> int:
        return self.uow.db[OUTBOX].count_documents({"status": PENDING}, limit=limit)


if TYPE_CHECKING:  # mypy proves the stores implement every Protocol of the seam
    _storage: type[LeadStorage] = MongoLeadStorage
    _stores: type[Stores] = MongoStores
    _leads: type[Leads] = LeadRepository
    _config: type[TenantConfig] = LeadConfig
    _slots: type[Slots] = Reservations
    _jobs: type[ImportJobs] = ImportRepository
