"""The opportunity's storage seam (opportunity.ports) on MongoDB: every area's
repositories over one `crm_runtime.storage.mongo.UnitOfWork`, and the worker's reads across
tenants."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from crm_runtime.storage.mongo import Transaction, UnitOfWork, due_for_checks
from crm_runtime.storage.seam import MongoSeam

from opportunity.accounts.store import AccountRepository, ContactRepository, FollowUpRepository
from opportunity.approvals.store import ApprovalRepository
from opportunity.conversion.store import ConversionRepository
from opportunity.deals.store import OpportunityRepository
from opportunity.indexes import ACCOUNTS, OPPORTUNITIES
from opportunity.pipelines.store import PipelineConfig
from opportunity.ports import (
    Accounts,
    Approvals,
    Contacts,
    Conversions,
    Deals,
    FollowUps,
    OpportunityStorage,
    Pipelines,
    Quotes,
    RequestKeys,
    Stores,
)
from opportunity.quotes.store import QuoteRepository, quotes_due_for_expiry
from opportunity.request_keys import RequestKeyRepository


class MongoStores:
    """The repositories of one Mongo transaction."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    def accounts(self, tenant_id: str) -> AccountRepository:
        return AccountRepository(self.tx, tenant_id)

    def contacts(self, tenant_id: str) -> ContactRepository:
        return ContactRepository(self.tx, tenant_id)

    def follow_ups(self, tenant_id: str) -> FollowUpRepository:
        return FollowUpRepository(self.tx, tenant_id)

    def request_keys(self, tenant_id: str) -> RequestKeyRepository:
        return RequestKeyRepository(self.tx, tenant_id)

    def deals(self, tenant_id: str) -> OpportunityRepository:
        return OpportunityRepository(self.tx, tenant_id)

    def approvals(self, tenant_id: str) -> ApprovalRepository:
        return ApprovalRepository(self.tx, tenant_id)

    def pipelines(self, tenant_id: str, clock: Callable[[], datetime]) -> PipelineConfig:
        return PipelineConfig(self.tx, tenant_id, clock)

    def quotes(self, tenant_id: str) -> QuoteRepository:
        return QuoteRepository(self.tx, tenant_id)

    def conversions(self, tenant_id: str) -> ConversionRepository:
        return ConversionRepository(self.tx, tenant_id)


class MongoOpportunityStorage(MongoSeam[Stores]):
    def __init__(self, uow: UnitOfWork) -> None:
        super().__init__(uow, MongoStores)

    def due_deals(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        return due_for_checks(self.uow.db[OPPORTUNITIES], now, limit)

    def due_accounts(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        return due_for_checks(self.uow.db[ACCOUNTS], now, limit)

    def due_quotes(self, now: datetime, limit: int) -> list[tuple[str, str, int]]:
        return quotes_due_for_expiry(self.uow.db, now, limit)


if TYPE_CHECKING:  # mypy proves the stores implement every Protocol of the seam
    _storage: type[OpportunityStorage] = MongoOpportunityStorage
    _stores: type[Stores] = MongoStores
    _accounts: type[Accounts] = AccountRepository
    _contacts: type[Contacts] = ContactRepository
    _follow_ups: type[FollowUps] = FollowUpRepository
    _keys: type[RequestKeys] = RequestKeyRepository
    _deals: type[Deals] = OpportunityRepository
    _approvals: type[Approvals] = ApprovalRepository
    _pipelines: type[Pipelines] = PipelineConfig
    _quotes: type[Quotes] = QuoteRepository
    _conversions: type[Conversions] = ConversionRepository
