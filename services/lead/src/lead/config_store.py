"""A tenant's lead configuration on MongoDB: settings, ordered assignment rules, the rep
directory with each rep's open-lead count, and the round-robin cursors.

Taking a rep's slot is one conditional update (open leads below capacity), so two leads
racing for a rep's last slot cannot both get it; inside a transaction the loser's write
conflicts and is retried against the new count."""

from __future__ import annotations

from typing import Any

from crm_runtime.mongo import Doc, TenantCollection, Transaction
from pymongo import ASCENDING
from pymongo.database import Database

from lead.documents import definition_from_doc, definition_to_doc, rep_from_doc, rep_to_doc
from lead.domain.assignment import AssignmentRule, Rep
from lead.domain.custom_fields import CustomFieldSchema
from lead.domain.settings import LeadSettings

SETTINGS, RULES, REPS, CURSORS = "lead_settings", "assignment_rules", "reps", "assignment_cursors"
CUSTOM_FIELDS = "custom_fields"  # one document per tenant: its field definitions


def ensure_config_indexes(db: Database[Doc]) -> None:
    db[REPS].create_index([("tenant_id", ASCENDING), ("rep_id", ASCENDING)], unique=True)
    db[CURSORS].create_index([("tenant_id", ASCENDING), ("group", ASCENDING)], unique=True)
    db["dedup_keys"].create_index([("tenant_id", ASCENDING), ("key", ASCENDING)], unique=True)


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

    def save_overrides(self, overrides: dict[str, Any]) -> None:
        self.settings_docs.update_one(
            {"_id": self.tenant_id}, {"$set": {"overrides": overrides}}, upsert=True
        )

    def rules(self) -> list[AssignmentRule]:
        doc = self.rules_docs.find_one({"_id": self.tenant_id})
        return [rule_from_doc(r) for r in doc["rules"]] if doc else []

    def replace_rules(self, rules: list[AssignmentRule]) -> None:
        self.rules_docs.update_one(
            {"_id": self.tenant_id},
            {"$set": {"rules": [rule_to_doc(r) for r in rules]}},
            upsert=True,
        )

    def custom_fields(self) -> CustomFieldSchema:
        doc = self.custom_docs.find_one({"_id": self.tenant_id})
        fields = doc["fields"] if doc else []
        return CustomFieldSchema(tuple(definition_from_doc(f) for f in fields))

    def save_custom_fields(self, schema: CustomFieldSchema) -> None:
        self.custom_docs.update_one(
            {"_id": self.tenant_id},
            {"$set": {"fields": [definition_to_doc(d) for d in schema.definitions]}},
            upsert=True,
        )

    def all_reps(self) -> list[Rep]:
        return [rep for rep, _ in self.directory()]

    def directory(self) -> list[tuple[Rep, str]]:
        """Every rep with their manager's id, in id order."""
        docs = self.reps.find({}, sort=[("rep_id", ASCENDING)])
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

    def take_slot(self, rep_id: str, capacity: int) -> bool:
        """One more open lead for the rep if below capacity; False when full."""
        return bool(
            self.reps.update_one(
                {"rep_id": rep_id, "active": True, "away": False, "open_leads": {"$lt": capacity}},
                {"$inc": {"open_leads": 1}},
            )
        )

    def add_open_lead(self, rep_id: str) -> None:
        """A manual assignment or a claim: the capacity decision was already made."""
        self.reps.update_one({"rep_id": rep_id}, {"$inc": {"open_leads": 1}})

    def free_slot(self, rep_id: str) -> None:
        self.reps.update_one(
            {"rep_id": rep_id, "open_leads": {"$gt": 0}}, {"$inc": {"open_leads": -1}}
        )

    def round_robin_cursors(self) -> dict[str, str]:
        return {d["group"]: d["last_rep_id"] for d in self.cursors.find({})}

    def move_cursor(self, group: str, rep_id: str) -> None:
        self.cursors.update_one({"group": group}, {"$set": {"last_rep_id": rep_id}}, upsert=True)

    @staticmethod
    def _as_rep(doc: Doc) -> Doc:
        return {**doc, "_id": doc["rep_id"]}
