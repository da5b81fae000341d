"""Opportunities and their stage history in memory (opportunity.ports), keeping the
documents deals/documents.py makes."""

from __future__ import annotations

from datetime import datetime

from crm_runtime.storage.memory import MemoryTransaction, TenantTable
from crm_runtime.storage.repository import SortKey

from opportunity.deals.documents import (
    opportunity_from_doc,
    opportunity_to_doc,
    stage_change_from_doc,
    stage_change_to_doc,
)
from opportunity.domain.history import StageChange
from opportunity.domain.opportunity import Opportunity
from opportunity.indexes import NEWEST, OPPORTUNITIES, STAGE_CHANGES
from opportunity.ports import Position, Query


class MemoryDeals:
    def __init__(self, tx: MemoryTransaction, tenant_id: str) -> None:
        self.tx = tx
        self.deals = TenantTable(tx, OPPORTUNITIES, tenant_id)
        self.changes = TenantTable(tx, STAGE_CHANGES, tenant_id)

    def _history(self, opp: Opportunity) -> None:
        for change in opp.history:
            self.changes.insert(stage_change_to_doc(change))

    def add(self, opp: Opportunity, next_check_at: datetime | None) -> None:
        self.deals.insert({**opportunity_to_doc(opp), "next_check_at": next_check_at})
        self._history(opp)
        self.tx.record(*opp.events)

    def save(
        self, opp: Opportunity, expected_version: int, next_check_at: datetime | None
    ) -> Opportunity:
        doc = {**opportunity_to_doc(opp), "next_check_at": next_check_at}
        saved = self.deals.save_versioned(doc, expected_version, f"opportunity {opp.id}")
        self._history(opp)
        self.tx.record(*opp.events)
        return opportunity_from_doc(saved)

    def reschedule(self, opp_id: str, version: int, next_check_at: datetime | None) -> None:
        self.deals.update(opp_id, {"next_check_at": next_check_at}, version=version)

    def get(self, opp_id: str) -> Opportunity | None:
        doc = self.deals.get(opp_id)
        return opportunity_from_doc(doc) if doc else None

    def page(self, query: Query, sort: SortKey, limit: int, after: Position) -> list[Opportunity]:
        return [opportunity_from_doc(d) for d in self.deals.page(query, sort, limit, after)]

    def of_account(self, account_id: str) -> list[Opportunity]:
        docs = self.deals.find({"account_id": account_id}, NEWEST)
        return [opportunity_from_doc(d) for d in docs]

    def rename_account(self, opp: Opportunity, name: str) -> None:
        opp.account_name = name
        tokens = opportunity_to_doc(opp)["search_tokens"]
        self.deals.update(opp.id, {"account_name": name, "search_tokens": tokens})

    def history(self, opp_id: str, limit: int, after_seq: int) -> list[StageChange]:
        query = {"opportunity_id": opp_id, "seq": {"$gt": after_seq}}
        return [stage_change_from_doc(d) for d in self.changes.find(query, [("seq", 1)], limit)]
