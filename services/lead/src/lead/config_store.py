"""A tenant's lead configuration on MongoDB: settings, ordered assignment rules, the rep
directory with each rep's open-lead count, and the round-robin turn counters.

Assignment's two hot writes, a group's turn counter and a rep's open-lead count, are
made outside the capture's transaction (`Reservations`), because every concurrent
capture would write the same few documents and all but one transaction would abort and
start over (ten attempts per lead at 16 concurrent captures, docs/benchmarks.md). A turn
is one atomic `$inc`; a slot is one conditional `$inc` (open leads below capacity), so
two leads racing for a rep's last slot cannot both get it. A slot taken by a capture
that then fails is given back; one left by a crash is found by the worker (ADR 0020)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from crm_runtime.storage.mongo import Doc, TenantCollection, Transaction
from crm_runtime.storage.repository import stored_version
from pymongo import ASCENDING
from pymongo.database import Database

from lead.documents import definition_from_doc, definition_to_doc, rep_from_doc, rep_to_doc
from lead.domain.assignment import AssignmentRule, Rep
from lead.domain.custom_fields import CustomFieldSchema
from lead.domain.settings import LeadSettings
from lead.ports import HeldSlots

SETTINGS, RULES, REPS, CURSORS = "lead_settings", "assignment_rules", "reps", "assignment_cursors"
CUSTOM_FIELDS = "custom_fields"  # one document per tenant: its field definitions


def rule_to_doc(rule: AssignmentRule) -> Doc:
    return {
        "name": rule.name,
        "group": rule.group,
        "regions": sorted(rule.regions),
        "industries": sorted(rule.industries),
        "product_lines": sorted(rule.product_lines),
        "min_score": rule.min_score,
        "skills": sorted(rule.skills),
        "seniors_only": rule.seniors_only,
    }


def rule_from_doc(doc: Doc) -> AssignmentRule:
    return AssignmentRule(
        name=doc["name"],
        group=doc.get("group", ""),
        regions=frozenset(doc.get("regions", ())),
        industries=frozenset(doc.get("industries", ())),
        product_lines=frozenset(doc.get("product_lines", ())),
        min_score=doc.get("min_score"),
        skills=frozenset(doc.get("skills", ())),
        seniors_only=doc.get("seniors_only", False),
    )


class LeadConfig:
    """One tenant's configuration inside one transaction."""

    def __init__(self, tx: Transaction, tenant_id: str) -> None:
        self.tenant_id = tenant_id
        self.settings_docs: TenantCollection = tx.collection(SETTINGS, tenant_id)
        self.rules_docs: TenantCollection = tx.collection(RULES, tenant_id)
        self.reps: TenantCollection = tx.collection(REPS, tenant_id)
        self.cursors: TenantCollection = tx.collection(CURSORS, tenant_id)
        self.custom_docs: TenantCollection = tx.collection(CUSTOM_FIELDS, tenant_id)

    def overrides(self) -> dict[str, Any]:
        doc = self.settings_docs.find_one({"_id": self.tenant_id})
        return dict(doc["overrides"]) if doc else {}

    def settings(self) -> LeadSettings:
        return LeadSettings.from_dict(self.overrides())

    def settings_version(self) -> int:
        return stored_version(self.settings_docs.find_one({"_id": self.tenant_id}))

    def save_overrides(self, overrides: dict[str, Any]) -> None:
        version = self.settings_version() + 1
        self.settings_docs.update_one(
            {"_id": self.tenant_id},
            {"$set": {"overrides": overrides, "version": version}},
            upsert=True,
        )

    def rules(self) -> list[AssignmentRule]:
        doc = self.rules_docs.find_one({"_id": self.tenant_id})
        return [rule_from_doc(r) for r in doc["rules"]] if doc else []

    def rules_version(self) -> int:
        return stored_version(self.rules_docs.find_one({"_id": self.tenant_id}))

    def replace_rules(self, rules: list[AssignmentRule]) -> None:
        """In the caller's transaction, so that two replacements of one version conflict."""
        self.rules_docs.update_one(
            {"_id": self.tenant_id},
            {
                "$set": {
                    "rules": [rule_to_doc(r) for r in rules],
                    "version": self.rules_version() + 1,
                }
            },
            upsert=True,
        )

    def custom_fields(self) -> CustomFieldSchema:
        doc = self.custom_docs.find_one({"_id": self.tenant_id})
        fields = doc["fields"] if doc else []
        return CustomFieldSchema(tuple(definition_from_doc(f) for f in fields))

    def custom_fields_version(self) -> int:
        return stored_version(self.custom_docs.find_one({"_id": self.tenant_id}))

    def save_custom_fields(self, schema: CustomFieldSchema) -> None:
        fields = [definition_to_doc(d) for d in schema.definitions]
        version = self.custom_fields_version() + 1
        self.custom_docs.update_one(
            {"_id": self.tenant_id}, {"$set": {"fields": fields, "version": version}}, upsert=True
        )

    def all_reps(self) -> list[Rep]:
        return [rep for rep, _ in self.directory()]

    def directory(self) -> list[tuple[Rep, str]]:
        """Every rep with their manager's id, in id order."""
        docs = self.reps.find({}, sort=[("rep_id", ASCENDING)], projection={"pending": 0})
        return [(rep_from_doc(self._as_rep(d)), d.get("manager_id", "")) for d in docs]

    def rep(self, rep_id: str) -> Rep | None:
        doc = self.reps.find_one({"rep_id": rep_id})
        return rep_from_doc(self._as_rep(doc)) if doc else None

    def manager_of(self, rep_id: str) -> str:
        doc = self.reps.find_one({"rep_id": rep_id}, projection={"manager_id": 1})
        return str(doc.get("manager_id", "")) if doc else ""

    def upsert_rep(self, rep: Rep, manager_id: str) -> None:
        fields = rep_to_doc(rep, manager_id)
        fields.pop("_id")
        self.reps.update_one(
            {"rep_id": rep.id}, {"$set": fields, "$setOnInsert": {"open_leads": 0}}, upsert=True
        )

    def add_open_lead(self, rep_id: str) -> None:
        """A manual assignment or a claim: the capacity decision was already made."""
        self.reps.update_one({"rep_id": rep_id}, {"$inc": {"open_leads": 1}})

    def free_slot(self, rep_id: str) -> None:
        self.reps.update_one(
            {"rep_id": rep_id, "open_leads": {"$gt": 0}}, {"$inc": {"open_leads": -1}}
        )

    def move_open_leads(self, rep_id: str, delta: int) -> None:
        if delta:
            self.reps.update_one({"rep_id": rep_id}, {"$inc": {"open_leads": delta}})

    @staticmethod
    def _as_rep(doc: Doc) -> Doc:
        return {**doc, "_id": doc["rep_id"]}


class Reservations(HeldSlots):
    """Round-robin turns and rep slots for one use case, written outside its transaction.

    Each slot taken is also noted on the rep (`pending`: lead id and time) until the
    use case ends: `confirm` drops the notes once the transaction has committed, `give_back`
    returns the slots when it did not (or before the transaction runs again), and
    `sweep_abandoned` settles notes a crashed process left behind."""

    def __init__(self, db: Database[Doc], tenant_id: str) -> None:
        self.reps = TenantCollection(db[REPS], tenant_id)  # no session: not transactional
        self.turn_counters = TenantCollection(db[CURSORS], tenant_id)
        super().__init__()

    def draw_turns(self, groups: list[str]) -> dict[str, int]:
        """The next turn of each group, each drawn by exactly one caller."""
        turns = {}
        for group in groups:
            doc = self.turn_counters.find_one_and_update(
                {"group": group}, {"$inc": {"turn": 1}}, upsert=True
            )
            turns[group] = int(doc["turn"]) if doc else 1
        return turns

    def turns_now(self, groups: list[str]) -> dict[str, int]:
        found = self.turn_counters.find({"group": {"$in": groups}}) if groups else iter(())
        return {d["group"]: int(d.get("turn", 0)) for d in found}

    def add_turns(self, used: Mapping[str, int]) -> None:
        for group, turns in used.items():
            self.turn_counters.update_one({"group": group}, {"$inc": {"turn": turns}}, upsert=True)

    def reserve(self, rep_id: str, capacity: int, lead_id: str, now: datetime) -> bool:
        """One more open lead for an active, present rep below capacity; False otherwise."""
        taken = self.reps.update_one(
            {"rep_id": rep_id, "active": True, "away": False, "open_leads": {"$lt": capacity}},
            {"$inc": {"open_leads": 1}, "$push": {"pending": {"lead_id": lead_id, "at": now}}},
        )
        if taken:
            self.held.append((rep_id, lead_id))
        return bool(taken)

    def keep(self, rep_id: str, lead_ids: list[str]) -> None:
        """The leads were stored: their slots stay taken, their notes go."""
        self.reps.update_one(
            {"rep_id": rep_id}, {"$pull": {"pending": {"lead_id": {"$in": lead_ids}}}}
        )

    def release(self, rep_id: str, lead_id: str) -> bool:
        """Free the slot noted for `lead_id`, once however often it is called."""
        return bool(
            self.reps.update_one(
                {"rep_id": rep_id, "pending.lead_id": lead_id},
                {"$inc": {"open_leads": -1}, "$pull": {"pending": {"lead_id": lead_id}}},
            )
        )


def sweep_abandoned(db: Database[Doc], leads: str, before: datetime) -> int:
    """Settle the slot notes older than `before` (no use case runs that long): a lead that
    was stored keeps its slot, one that never was gives it back. Returns slots freed."""
    freed = 0
    for rep in db[REPS].find({"pending.at": {"$lt": before}}):
        stale = [p["lead_id"] for p in rep["pending"] if p["at"] < before]
        stored = {
            d["_id"]
            for d in db[leads].find(
                {"tenant_id": rep["tenant_id"], "_id": {"$in": stale}}, projection={"_id": 1}
            )
        }
        slots = Reservations(db, rep["tenant_id"])
        kept = [lead_id for lead_id in stale if lead_id in stored]
        if kept:
            slots.keep(rep["rep_id"], kept)
        freed += sum(slots.release(rep["rep_id"], i) for i in stale if i not in stored)
    return freed
