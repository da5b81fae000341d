"""Lead persistence on MongoDB: the only module of the lead service that knows Mongo."""

from __future__ import annotations

from typing import Any

from crm_runtime.mongo import Doc, TenantCollection, Transaction
from crm_runtime.outbox import ensure_outbox_indexes
from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database

from lead.domain.lead import Lead, LeadStatus

LEADS = "leads"


def ensure_indexes(db: Database[Doc]) -> None:
    leads = db[LEADS]
    leads.create_index([("tenant_id", ASCENDING), ("phone", ASCENDING)])
    leads.create_index([("tenant_id", ASCENDING), ("email", ASCENDING)])
    leads.create_index([("tenant_id", ASCENDING), ("company_key", ASCENDING)])
    leads.create_index([("tenant_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)])
    leads.create_index(
        [("tenant_id", ASCENDING), ("owner_id", ASCENDING), ("created_at", DESCENDING)]
    )
    ensure_outbox_indexes(db)


def to_doc(lead: Lead) -> Doc:
    return {
        "_id": lead.id,
        "name": lead.name,
        "company": lead.company,
        "company_key": lead.company_key,
        "phone": lead.phone,
        "email": lead.email,
        "source": lead.source,
        "owner_id": lead.owner_id,
        "owner_team_id": lead.owner_team_id,
        "status": lead.status.value,
        "region": lead.region,
        "industry": lead.industry,
        "product_line": lead.product_line,
        "tags": list(lead.tags),
        "notes": lead.notes,
        "score": lead.score,
        "created_by": lead.created_by,
        "created_at": lead.created_at,
        "updated_at": lead.updated_at,
        "version": lead.version,
    }


def from_doc(doc: dict[str, Any]) -> Lead:
    return Lead(
        id=doc["_id"],
        tenant_id=doc["tenant_id"],
        name=doc["name"],
        company=doc.get("company", ""),
        company_key=doc.get("company_key", ""),
        phone=doc.get("phone", ""),
        email=doc.get("email", ""),
        source=doc["source"],
        owner_id=doc.get("owner_id", ""),
        owner_team_id=doc.get("owner_team_id", ""),
        status=LeadStatus(doc["status"]),
        region=doc.get("region", ""),
        industry=doc.get("industry", ""),
        product_line=doc.get("product_line", ""),
        tags=tuple(doc.get("tags", ())),
        notes=doc.get("notes", ""),
        score=doc.get("score", 0),
        created_by=doc["created_by"],
        created_at=doc["created_at"],
        updated_at=doc["updated_at"],
        version=doc["version"],
    )


class LeadRepository:
    """Leads of one tenant inside one transaction."""

    def __init__(self, tx: Transaction, tenant_id: str) -> None:
        self.tx = tx
        self.leads: TenantCollection = tx.collection(LEADS, tenant_id)

    def add(self, lead: Lead) -> None:
        self.leads.insert_one(to_doc(lead))
        self.tx.record(*lead.events)  # the aggregate clears them after commit

    def get(self, lead_id: str) -> Lead | None:
        doc = self.leads.find_one({"_id": lead_id})
        return from_doc(doc) if doc else None
