"""Opportunity and stage-history persistence on MongoDB inside one unit of work. Lists
name the index they run on (indexes.py); the one the benchmark list needs (a page of
deals by owner and stage, newest first) is `tenant, owner_id, stage, created_at, _id`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crm_runtime.storage.mongo import Doc, Transaction
from crm_runtime.storage.repository import SortKey, index_name, page_docs, save_versioned
from pymongo import ASCENDING

from opportunity.deals.documents import (
    opportunity_from_doc,
    opportunity_to_doc,
    stage_change_from_doc,
    stage_change_to_doc,
)
from opportunity.domain.history import StageChange
from opportunity.domain.opportunity import Opportunity
from opportunity.indexes import (
    DEAL_KEYS,
    DEAL_PAIRS,
    DEALS_OF_ACCOUNT,
    OPPORTUNITIES,
    STAGE_CHANGES,
    STAGE_HISTORY,
    filters_on,
)


def deal_index(query: dict[str, Any], sort: SortKey) -> str:
    """The index a deal list runs on: a leading pair or key that the query filters by
    equality, then the sort; for other sorts than newest first, the owner or team."""
    tail = sort.index_spec
    if sort.field != "created_at":
        for key in ("owner_id", "team_id"):
            if filters_on(key, query):
                return index_name(("tenant_id", 1), (key, 1), *tail)
        return index_name(("tenant_id", 1), *tail)
    for first, second in DEAL_PAIRS:
        if filters_on(first, query) and filters_on(second, query):
            return index_name(("tenant_id", 1), (first, 1), (second, 1), *tail)
    for key in DEAL_KEYS:
        if filters_on(key, query):
            return index_name(("tenant_id", 1), (key, 1), *tail)
    return index_name(("tenant_id", 1), *tail)


class OpportunityRepository:
    """The deals of one tenant and their stage history, inside one transaction."""

    def __init__(self, tx: Transaction, tenant_id: str) -> None:
        self.tx = tx
        self.deals = tx.collection(OPPORTUNITIES, tenant_id)
        self.changes = tx.collection(STAGE_CHANGES, tenant_id)

    def _history(self, opp: Opportunity) -> None:
        if opp.history:
            self.changes.insert_many([stage_change_to_doc(c) for c in opp.history])

    def add(self, opp: Opportunity, next_check_at: datetime | None) -> None:
        self.deals.insert_one({**opportunity_to_doc(opp), "next_check_at": next_check_at})
        self._history(opp)
        self.tx.record(*opp.events)

    def save(
        self, opp: Opportunity, expected_version: int, next_check_at: datetime | None
    ) -> Opportunity:
        """Version-checked: of two writers of one deal, the later one gets a Conflict."""
        doc = {**opportunity_to_doc(opp), "next_check_at": next_check_at}
        saved = save_versioned(self.deals, doc, expected_version, f"opportunity {opp.id}")
        self._history(opp)
        self.tx.record(*opp.events)
        return opportunity_from_doc(saved)

    def reschedule(self, opp_id: str, version: int, next_check_at: datetime | None) -> None:
        """The next cadence check moved, at this version only; not a change of the deal."""
        self.deals.update_one(
            {"_id": opp_id, "version": version}, {"$set": {"next_check_at": next_check_at}}
        )

    def get(self, opp_id: str) -> Opportunity | None:
        doc = self.deals.find_one({"_id": opp_id})
        return opportunity_from_doc(doc) if doc else None

    def page(
        self, query: Doc, sort: SortKey, limit: int, after: tuple[Any, str] | None
    ) -> list[Opportunity]:
        docs = page_docs(self.deals, query, sort, limit, after, deal_index(query, sort))
        return [opportunity_from_doc(d) for d in docs]

    def of_account(self, account_id: str) -> list[Opportunity]:
        """Every deal of an account (to carry its new name into their search tokens)."""
        hint = DEALS_OF_ACCOUNT.name
        return [
            opportunity_from_doc(d) for d in self.deals.find({"account_id": account_id}, hint=hint)
        ]

    def rename_account(self, opp: Opportunity, name: str) -> None:
        opp.account_name = name
        doc = opportunity_to_doc(opp)
        self.deals.update_one(
            {"_id": opp.id}, {"$set": {"account_name": name, "search_tokens": doc["search_tokens"]}}
        )

    def history(self, opp_id: str, limit: int, after_seq: int) -> list[StageChange]:
        """Oldest first, `limit` changes after the one numbered `after_seq`."""
        hint = STAGE_HISTORY.name
        docs = self.changes.find(
            {"opportunity_id": opp_id, "seq": {"$gt": after_seq}},
            sort=[("seq", ASCENDING)],
            limit=limit,
            hint=hint,
        )
        return [stage_change_from_doc(d) for d in docs]
