"""The opportunity's storage seam (opportunity.ports) in memory, on `crm_runtime.storage.memory`:
what the use-case tests run on. Each area's in-memory repositories sit beside its store
(`<area>/memory.py`) and keep the same documents, so list queries and versions behave
as on the store; the contract suite (tests/integration/test_opportunity_store_contract.py) holds
them to that."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from crm_runtime.storage.memory import MemoryTransaction, MemoryUnitOfWork, TenantTable
from crm_runtime.storage.seam import MemorySeam

from opportunity.accounts.memory import MemoryAccounts, MemoryContacts, MemoryFollowUps
from opportunity.approvals.memory import MemoryApprovals
from opportunity.conversion.memory import MemoryConversions
from opportunity.deals.memory import MemoryDeals
from opportunity.indexes import ACCOUNTS, OPPORTUNITIES, QUOTES, REQUEST_KEYS
from opportunity.pipelines.memory import MemoryPipelines
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
from opportunity.quotes.memory import MemoryQuotes


class MemoryRequestKeys:
    def __init__(self, tx: MemoryTransaction, tenant_id: str) -> None:
        self.keys = TenantTable(tx, REQUEST_KEYS, tenant_id)

    def created(self, kind: str, key: str) -> str:
        doc = self.keys.get(f"{kind}:{key}")
        return str(doc["created_id"]) if doc else ""

    def remember(self, kind: str, key: str, created_id: str, at: datetime) -> None:
        self.keys.insert({"_id": f"{kind}:{key}", "created_id": created_id, "at": at})


class MemoryStores:
    def __init__(self, tx: MemoryTransaction) -> None:
        self.tx = tx

    def accounts(self, tenant_id: str) -> MemoryAccounts:
        return MemoryAccounts(self.tx, tenant_id)

    def contacts(self, tenant_id: str) -> MemoryContacts:
        return MemoryContacts(self.tx, tenant_id)

    def follow_ups(self, tenant_id: str) -> MemoryFollowUps:
        return MemoryFollowUps(self.tx, tenant_id)

    def request_keys(self, tenant_id: str) -> MemoryRequestKeys:
        return MemoryRequestKeys(self.tx, tenant_id)

    def deals(self, tenant_id: str) -> MemoryDeals:
        return MemoryDeals(self.tx, tenant_id)

    def approvals(self, tenant_id: str) -> MemoryApprovals:
        return MemoryApprovals(self.tx, tenant_id)

    def pipelines(self, tenant_id: str, clock: Callable[[], datetime]) -> MemoryPipelines:
        return MemoryPipelines(self.tx, tenant_id, clock)

    def quotes(self, tenant_id: str) -> MemoryQuotes:
        return MemoryQuotes(self.tx, tenant_id)

    def conversions(self, tenant_id: str) -> MemoryConversions:
        return MemoryConversions(self.tx, tenant_id)


class MemoryOpportunityStorage(MemorySeam[Stores]):
    """`opportunity.ports.OpportunityStorage` in memory; `uow.events` are the events
    committed, in order."""

    def __init__(self, uow: MemoryUnitOfWork | None = None) -> None:
        super().__init__(uow or MemoryUnitOfWork(), MemoryStores)

    def _due(self, table: str, now: datetime, limit: int) -> list[tuple[datetime, str, Any]]:
        with self.uow.lock:
            due = [
                (d["next_check_at"], tenant, d)
                for (tenant, _), d in self.uow.tables.get(table, {}).items()
                if d.get("next_check_at") is not None and d["next_check_at"] <= now
            ]
        return sorted(due, key=lambda item: item[0])[:limit]

    def due_deals(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        return [(tenant, d["_id"]) for _, tenant, d in self._due(OPPORTUNITIES, now, limit)]

    def due_accounts(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        return [(tenant, d["_id"]) for _, tenant, d in self._due(ACCOUNTS, now, limit)]

    def due_quotes(self, now: datetime, limit: int) -> list[tuple[str, str, int]]:
        return [
            (tenant, d["quote_id"], int(d["version"]))
            for _, tenant, d in self._due(QUOTES, now, limit)
        ]


if TYPE_CHECKING:  # mypy proves the fake implements every Protocol of the seam
    _storage: type[OpportunityStorage] = MemoryOpportunityStorage
    _stores: type[Stores] = MemoryStores
    _accounts: type[Accounts] = MemoryAccounts
    _contacts: type[Contacts] = MemoryContacts
    _follow_ups: type[FollowUps] = MemoryFollowUps
    _keys: type[RequestKeys] = MemoryRequestKeys
    _deals: type[Deals] = MemoryDeals
    _approvals: type[Approvals] = MemoryApprovals
    _pipelines: type[Pipelines] = MemoryPipelines
    _quotes: type[Quotes] = MemoryQuotes
    _conversions: type[Conversions] = MemoryConversions
