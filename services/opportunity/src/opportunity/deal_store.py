"""Opportunity, stage-history and approval persistence on MongoDB inside one unit of
work. Lists name the index they run on; the one the benchmark list needs (a page of
deals by owner and stage, newest first) is `tenant, owner_id, stage, created_at, _id`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crm_runtime.mongo import Doc, Transaction
from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database

from opportunity.deal_documents import (
    approval_from_doc,
    approval_to_doc,
    opportunity_from_doc,
    opportunity_to_doc,
    stage_change_from_doc,
    stage_change_to_doc,
)
from opportunity.domain.approvals import Approval
from opportunity.domain.history import StageChange
from opportunity.domain.opportunity import Opportunity
from opportunity.paging import SortKey
from opportunity.store import index_name, page_docs, save_versioned

OPPORTUNITIES, STAGE_CHANGES, APPROVALS = "opportunities", "stage_changes", "approvals"
NEWEST = [("created_at", DESCENDING), ("_id", DESCENDING)]
# Equality keys a deal list may lead its index with, most selective first.
DEAL_KEYS = ("account_id", "owner_id", "search_tokens", "team_id", "stage", "pipeline_id", "status")
# Pairs with their own index: a rep's (or a manager's team's) deals in some stages.
DEAL_PAIRS = (("owner_id", "stage"), ("team_id", "stage"))
# Other sorts than newest first, each indexed alone and after an owner or team.
OTHER_SORTS = ("amount_value", "close_date", "probability")
APPROVAL_KEYS = ("opportunity_id", "owner_id", "team_id", "approver_role", "status")


def ensure_deal_indexes(db: Database[Doc]) -> None:
    deals = db[OPPORTUNITIES]
    deals.create_index([("tenant_id", ASCENDING), *NEWEST])
    for key in DEAL_KEYS:
        deals.create_index([("tenant_id", ASCENDING), (key, ASCENDING), *NEWEST])
    for first, second in DEAL_PAIRS:
        deals.create_index(
            [("tenant_id", ASCENDING), (first, ASCENDING), (second, ASCENDING), *NEWEST]
        )
    for field in OTHER_SORTS:
        tail = SortKey(field, False).index_spec
        deals.create_index([("tenant_id", ASCENDING), *tail])
        for key in ("owner_id", "team_id"):
            deals.create_index([("tenant_id", ASCENDING), (key, ASCENDING), *tail])
    deals.create_index([("next_check_at", ASCENDING)])
    db[STAGE_CHANGES].create_index(
        [("tenant_id", ASCENDING), ("opportunity_id", ASCENDING), ("seq", ASCENDING)]
    )
    approvals = db[APPROVALS]
    newest = [("requested_at", DESCENDING), ("_id", DESCENDING)]
    approvals.create_index([("tenant_id", ASCENDING), *newest])
    for key in APPROVAL_KEYS:
        approvals.create_index([("tenant_id", ASCENDING), (key, ASCENDING), *newest])


def _present(key: str, query: dict[str, Any]) -> bool:
    return key in query or any(key in clause for clause in query.get("$and", []))


def deal_index(query: dict[str, Any], sort: SortKey) -> str:
    """The index a deal list runs on: a leading pair or key that the query filters by
    equality, then the sort; for other sorts than newest first, the owner or team."""
    tail = sort.index_spec
    if sort.field != "created_at":
        for key in ("owner_id", "team_id"):
            if _present(key, query):
                return index_name(("tenant_id", 1), (key, 1), *tail)
        return index_name(("tenant_id", 1), *tail)
    for first, second in DEAL_PAIRS:
        if _present(first, query) and _present(second, query):
            return index_name(("tenant_id", 1), (first, 1), (second, 1), *tail)
    for key in DEAL_KEYS:
        if _present(key, query):
            return index_name(("tenant_id", 1), (key, 1), *tail)
    return index_name(("tenant_id", 1), *tail)


APPROVAL_SORT = SortKey("requested_at", descending=True)


def approval_index(query: dict[str, Any]) -> str:
    tail = APPROVAL_SORT.index_spec
    for key in APPROVAL_KEYS:
        if _present(key, query):
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
        saved = save_versioned(self.deals, doc, expected_version, "opportunity")
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
        hint = index_name(("tenant_id", 1), ("account_id", 1), ("created_at", -1), ("_id", -1))
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
        hint = index_name(("tenant_id", 1), ("opportunity_id", 1), ("seq", 1))
        docs = self.changes.find(
            {"opportunity_id": opp_id, "seq": {"$gt": after_seq}},
            sort=[("seq", ASCENDING)], limit=limit, hint=hint,
        )  # fmt: skip
        return [stage_change_from_doc(d) for d in docs]


class ApprovalRepository:
    def __init__(self, tx: Transaction, tenant_id: str) -> None:
        self.tx = tx
        self.approvals = tx.collection(APPROVALS, tenant_id)

    def add(self, approval: Approval) -> None:
        self.approvals.insert_one(approval_to_doc(approval))
        self.tx.record(*approval.events)

    def save(self, approval: Approval, expected_version: int) -> Approval:
        saved = save_versioned(
            self.approvals, approval_to_doc(approval), expected_version, "approval"
        )
        self.tx.record(*approval.events)
        return approval_from_doc(saved)

    def get(self, approval_id: str) -> Approval | None:
        doc = self.approvals.find_one({"_id": approval_id})
        return approval_from_doc(doc) if doc else None

    def page(self, query: Doc, limit: int, after: tuple[Any, str] | None) -> list[Approval]:
        docs = page_docs(self.approvals, query, APPROVAL_SORT, limit, after, approval_index(query))
        return [approval_from_doc(d) for d in docs]
