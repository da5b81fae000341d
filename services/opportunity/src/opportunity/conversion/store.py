"""Lead conversion records on MongoDB (ADR 17): one document per attempt under its
idempotency key, with the whole plan, and one claim per lead naming the attempt that
holds it. Plain persistence; use_cases.py decides what to write."""

from __future__ import annotations

from dataclasses import fields
from typing import Any, TypeVar

from crm_runtime.storage.mongo import Doc, Transaction
from pymongo.errors import DuplicateKeyError

from opportunity.conversion.domain.plan import ConversionPlan, ExistingAccount, OpportunityFields
from opportunity.conversion.domain.records import (
    AttemptTaken,
    ConversionRecord,
    ConversionState,
    StoredConversion,
)
from opportunity.documents import customs_from_doc, customs_to_doc, money_from_doc, money_to_doc
from opportunity.domain.account import AccountDraft
from opportunity.domain.contact import ContactDraft
from opportunity.indexes import CLAIMS, CONVERSIONS, CONVERSIONS_OF_LEAD

BY_LEAD = CONVERSIONS_OF_LEAD.name
D = TypeVar("D", AccountDraft, ContactDraft, OpportunityFields)


def _draft_to_doc(draft: AccountDraft | ContactDraft | OpportunityFields) -> Doc:
    doc: Doc = {}
    for f in fields(draft):
        value = getattr(draft, f.name)
        if f.name == "custom_fields":
            value = customs_to_doc(value)
        elif f.name == "amount":
            value = money_to_doc(value)
        elif isinstance(value, tuple):
            value = list(value)
        doc[f.name] = value
    return doc


def _draft_from_doc(cls: type[D], doc: Doc) -> D:
    values: dict[str, Any] = {}
    for f in fields(cls):
        if f.name not in doc:
            continue
        value = doc[f.name]
        if f.name == "custom_fields":
            value = customs_from_doc(value)
        elif f.name == "amount":
            value = money_from_doc(value)
        elif isinstance(value, list):
            value = tuple(value)
        values[f.name] = value
    return cls(**values)


def plan_to_doc(plan: ConversionPlan) -> Doc:
    attached = plan.attached_to
    attached_doc = (
        {
            "id": attached.id,
            "name": attached.name,
            "owner_id": attached.owner_id,
            "why": attached.why,
        }
        if attached
        else None
    )
    return {
        "lead_id": plan.lead_id,
        "source": plan.source,
        "account_id": plan.account_id,
        "account": _draft_to_doc(plan.account) if plan.account else None,
        "attached_to": attached_doc,
        "contact_id": plan.contact_id,
        "contact": _draft_to_doc(plan.contact),
        "opportunity_id": plan.opportunity_id,
        "opportunity": _draft_to_doc(plan.opportunity),
    }


def plan_from_doc(doc: Doc) -> ConversionPlan:
    attached = doc.get("attached_to")
    return ConversionPlan(
        lead_id=doc["lead_id"],
        source=doc["source"],
        account_id=doc["account_id"],
        account=_draft_from_doc(AccountDraft, doc["account"]) if doc.get("account") else None,
        attached_to=ExistingAccount(**attached) if attached else None,
        contact_id=doc["contact_id"],
        contact=_draft_from_doc(ContactDraft, doc["contact"]),
        opportunity_id=doc["opportunity_id"],
        opportunity=_draft_from_doc(OpportunityFields, doc["opportunity"]),
    )


def conversion_from_doc(doc: Doc) -> StoredConversion:
    record = ConversionRecord(
        lead_id=doc["lead_id"],
        idempotency_key=doc["idempotency_key"],
        state=ConversionState(doc["state"]),
        started_at=doc["started_at"],
        plan=plan_from_doc(doc["plan"]),
        reason=doc.get("reason", ""),
    )
    return StoredConversion(record, doc["converted_by"], doc["team_id"], doc["pipeline_version"])


class ConversionRepository:
    """The conversion attempts and lead claims of one tenant inside one transaction."""

    def __init__(self, tx: Transaction, tenant_id: str) -> None:
        self.conversions = tx.collection(CONVERSIONS, tenant_id)
        self.claims = tx.collection(CLAIMS, tenant_id)
        self.tenant_id = tenant_id

    def _id(self, key: str) -> str:
        return f"{self.tenant_id}:{key}"

    def by_key(self, key: str) -> StoredConversion | None:
        doc = self.conversions.find_one({"_id": self._id(key)})
        return conversion_from_doc(doc) if doc else None

    def holding(self, lead_id: str) -> StoredConversion | None:
        """The pending or completed attempt that claims the lead, if any."""
        claim = self.claims.find_one({"_id": self._id(lead_id)})
        return self.by_key(claim["idempotency_key"]) if claim else None

    def of_lead(self, lead_id: str) -> list[StoredConversion]:
        docs = self.conversions.find({"lead_id": lead_id}, hint=BY_LEAD, limit=100)
        return [conversion_from_doc(d) for d in docs]

    def add(self, stored: StoredConversion) -> None:
        """The pending attempt and its claim on the lead; AttemptTaken when another
        attempt has the key or holds the lead (a concurrent request)."""
        try:
            self._insert(stored)
        except DuplicateKeyError as exc:
            if exc.has_error_label("TransientTransactionError"):
                raise  # the unit of work retries the transaction
            raise AttemptTaken(stored.record.lead_id) from exc

    def _insert(self, stored: StoredConversion) -> None:
        record = stored.record
        self.conversions.insert_one(
            {
                "_id": self._id(record.idempotency_key),
                "idempotency_key": record.idempotency_key,
                "lead_id": record.lead_id,
                "state": record.state.value,
                "started_at": record.started_at,
                "reason": record.reason,
                "plan": plan_to_doc(record.plan),
                "converted_by": stored.converted_by,
                "team_id": stored.team_id,
                "pipeline_version": stored.pipeline_version,
            }
        )
        self.claims.insert_one(
            {
                "_id": self._id(record.lead_id),
                "lead_id": record.lead_id,
                "idempotency_key": record.idempotency_key,
            }
        )

    def settle(self, before: ConversionRecord, after: ConversionRecord) -> bool:
        """Move the attempt from the state it was read in; False when someone else moved
        it first. A completed attempt holds the lead's claim; others release it."""
        moved = self.conversions.update_one(
            {"_id": self._id(before.idempotency_key), "state": before.state.value},
            {"$set": {"state": after.state.value, "reason": after.reason}},
        )
        if not moved:
            return False
        claim_id = self._id(after.lead_id)
        if after.state is ConversionState.COMPLETED:
            self.claims.update_one(
                {"_id": claim_id},
                {"$set": {"lead_id": after.lead_id, "idempotency_key": after.idempotency_key}},
                upsert=True,
            )
        else:
            self.claims.raw.delete_one(
                {
                    "_id": claim_id,
                    "tenant_id": self.tenant_id,
                    "idempotency_key": after.idempotency_key,
                },
                session=self.claims.session,
            )
        return True
