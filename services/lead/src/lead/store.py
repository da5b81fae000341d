"""Lead persistence on MongoDB: leads, their follow-ups and claims, inside one unit of
work. Every query is an exact match or range on an indexed field, scoped to the tenant."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from crm_runtime.storage.mongo import Doc, TenantCollection, Transaction
from crm_runtime.storage.repository import (
    SortKey,
    index_name,
    page_docs,
    save_versioned,
)
from pymongo import UpdateOne

from lead.documents import follow_up_from_doc, follow_up_to_doc, lead_from_doc, lead_to_doc
from lead.domain.dedup import DedupKeys
from lead.domain.followups import FollowUp
from lead.domain.lead import Lead

LEADS, FOLLOW_UPS, CLAIMS, DEDUP_KEYS = "leads", "follow_ups", "claims", "dedup_keys"
NEWEST = SortKey("created_at", descending=True)
FOLLOW_UPS_NEWEST = SortKey("at", descending=True)
DEDUP_FIELDS = ("phone", "email", "company_key")  # the Lead fields, and stored fields
LIST_KEYS = (
    "account_id",
    "owner_id",
    "owner_team_id",
    "status",
    "source",
    "score_band",
    "tags",
    "search_tokens",
)


def index_for(query: Mapping[str, Any]) -> str:
    """The index a list query runs on: the most selective filter first, newest first.

    Named explicitly because the embedded MongoDB falls back to a collection scan when
    a query carries a predicate no index holds (merged_into here); real MongoDB would
    choose the same index on its own."""
    for key in LIST_KEYS:
        if key in query or any(key in clause for clause in query.get("$and", [])):
            return index_name(("tenant_id", 1), (key, 1), *NEWEST.index_spec)
    return index_name(("tenant_id", 1), *NEWEST.index_spec)


def duplicate_lookups(keys: DedupKeys) -> list[Doc]:
    """The queries (tenant_id added by the collection) that find a lead's live duplicates.

    Each names every field of one (tenant_id, key, merged_into) index, because the
    embedded MongoDB uses an index only for a filter whose fields that index's leading
    fields cover: with `merged_into` outside the index it scanned every lead of every
    tenant, three times per capture (and a `hint` there walks the whole index)."""
    values = (keys.phone, keys.email, keys.company_key)
    pairs = zip(DEDUP_FIELDS, values, strict=True)
    return [{key: value, "merged_into": ""} for key, value in pairs if value]


FOLLOW_UPS_BY_LEAD = index_name(("tenant_id", 1), ("lead_id", 1), *FOLLOW_UPS_NEWEST.index_spec)


class LeadRepository:
    """The leads of one tenant inside one transaction."""

    def __init__(self, tx: Transaction, tenant_id: str) -> None:
        self.tx = tx
        self.tenant_id = tenant_id
        self.leads: TenantCollection = tx.collection(LEADS, tenant_id)
        self.follow_ups: TenantCollection = tx.collection(FOLLOW_UPS, tenant_id)
        self.claims: TenantCollection = tx.collection(CLAIMS, tenant_id)
        self.keys: TenantCollection = tx.collection(DEDUP_KEYS, tenant_id)

    def add(self, lead: Lead, next_check_at: datetime | None) -> None:
        self.leads.insert_one({**lead_to_doc(lead), "next_check_at": next_check_at})
        self.tx.record(*lead.events)

    def save(self, lead: Lead, expected_version: int, next_check_at: datetime | None) -> Lead:
        """Write `lead` if nobody wrote it since `expected_version`; the saved copy has
        the next version. A stale write is a Conflict (409), never lost silently."""
        doc = {**lead_to_doc(lead), "next_check_at": next_check_at}
        saved = save_versioned(self.leads, doc, expected_version, f"lead {lead.id}")
        self.tx.record(*lead.events)
        return lead_from_doc(saved)

    def get(self, lead_id: str) -> Lead | None:
        doc = self.leads.find_one({"_id": lead_id})
        return lead_from_doc(doc) if doc else None

    def possible_duplicates(self, keys: DedupKeys) -> list[Lead]:
        """Live leads sharing a phone, email or company key: three indexed lookups."""
        found: dict[str, Lead] = {}
        for query in duplicate_lookups(keys):
            for doc in self.leads.find(query, limit=50):
                found.setdefault(doc["_id"], lead_from_doc(doc))
        return list(found.values())

    def serialise_identifiers(self, keys: DedupKeys, lead_id: str, now: datetime) -> None:
        """Touch one document per identifier, so two captures of the same phone, email or
        company conflict inside MongoDB and the later one sees the earlier (no silent
        doubles under concurrency)."""
        for field, value in (
            ("phone", keys.phone),
            ("email", keys.email),
            ("company", keys.company_key),
        ):
            if value:
                self.keys.update_one(
                    {"key": f"{field}:{value}"},
                    {"$set": {"touched_at": now}, "$setOnInsert": {"first_lead_id": lead_id}},
                    upsert=True,
                )

    def page(
        self, query: Mapping[str, Any], limit: int, after: tuple[datetime, str] | None
    ) -> list[Lead]:
        """Newest first, `limit` leads after the cursor position."""
        docs = page_docs(self.leads, dict(query), NEWEST, limit, after, index_for(query))
        return [lead_from_doc(d) for d in docs]

    def add_follow_up(self, follow_up: FollowUp) -> None:
        self.follow_ups.insert_one(follow_up_to_doc(follow_up))

    def count_follow_ups(self, lead_id: str) -> int:
        return self.follow_ups.count({"lead_id": lead_id})

    def follow_up_page(
        self, lead_id: str, limit: int, after: tuple[datetime, str] | None
    ) -> list[FollowUp]:
        query = {"lead_id": lead_id}
        hint = FOLLOW_UPS_BY_LEAD
        docs = page_docs(self.follow_ups, query, FOLLOW_UPS_NEWEST, limit, after, hint)
        return [follow_up_from_doc(d) for d in docs]

    def record_claim(self, rep_id: str, lead_id: str, at: datetime) -> None:
        self.claims.insert_one({"rep_id": rep_id, "lead_id": lead_id, "at": at})

    def claims_since(self, rep_id: str, since: datetime) -> int:
        return self.claims.count({"rep_id": rep_id, "at": {"$gte": since}})

    # A batch of imported rows (lead.imports.batch) ----------------------------------

    def sharing_identifiers(self, values: Mapping[str, set[str]]) -> list[Lead]:
        """Three indexed `$in` look-ups (merged leads too: the caller skips them)."""
        found: list[Lead] = []
        for name, wanted in values.items():
            if wanted:
                # No merged_into here: the embedded MongoDB scans the collection for an
                # $in beside another field, even one its index holds (ADR 14).
                found += [
                    lead_from_doc(d) for d in self.leads.find({name: {"$in": sorted(wanted)}})
                ]
        return found

    def add_many(self, leads: list[tuple[Lead, datetime | None]]) -> None:
        if leads:
            self.leads.insert_many(
                [{**lead_to_doc(lead), "next_check_at": at} for lead, at in leads]
            )

    def overwrite(self, lead: Lead, stored_version: int, next_check_at: datetime | None) -> bool:
        doc = lead_to_doc(lead)
        doc.pop("_id")
        doc["next_check_at"] = next_check_at
        return bool(
            self.leads.update_one({"_id": lead.id, "version": stored_version}, {"$set": doc})
        )

    def touch_identifiers(self, first_lead: Mapping[str, str], now: datetime) -> None:
        """Keys that exist are updated, new ones inserted (an insert costs the embedded
        MongoDB a third of an upsert). A capture that inserted one of them since this
        transaction began conflicts with it either way."""
        wanted = sorted(first_lead)
        if not wanted:
            return
        found = {d["key"] for d in self.keys.find({"key": {"$in": wanted}}, projection={"key": 1})}
        fresh = [k for k in wanted if k not in found]
        if fresh:
            self.keys.insert_many(
                [{"key": k, "touched_at": now, "first_lead_id": first_lead[k]} for k in fresh]
            )
        if found:
            scope = {"tenant_id": self.tenant_id}
            self.keys.raw.bulk_write(
                [UpdateOne({**scope, "key": k}, {"$set": {"touched_at": now}}) for k in found],
                ordered=False,
                session=self.keys.session,
            )
