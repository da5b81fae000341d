"""Conversion attempts and the claims on leads in memory (opportunity.ports): one
attempt per idempotency key, one claim per lead, as on the store (ADR 17)."""

from __future__ import annotations

from dataclasses import replace

from crm_runtime.storage.memory import MemoryTransaction, TenantTable

from opportunity.conversion.domain.records import (
    AttemptTaken,
    ConversionRecord,
    ConversionState,
    StoredConversion,
)
from opportunity.indexes import CLAIMS, CONVERSIONS


class MemoryConversions:
    def __init__(self, tx: MemoryTransaction, tenant_id: str) -> None:
        self.conversions = TenantTable(tx, CONVERSIONS, tenant_id)
        self.claims = TenantTable(tx, CLAIMS, tenant_id)

    def by_key(self, key: str) -> StoredConversion | None:
        doc = self.conversions.get(key)
        return doc["stored"] if doc else None

    def holding(self, lead_id: str) -> StoredConversion | None:
        claim = self.claims.get(lead_id)
        return self.by_key(claim["idempotency_key"]) if claim else None

    def of_lead(self, lead_id: str) -> list[StoredConversion]:
        return [d["stored"] for d in self.conversions.find({"lead_id": lead_id}, limit=100)]

    def add(self, stored: StoredConversion) -> None:
        record = stored.record
        if self.conversions.get(record.idempotency_key) or self.claims.get(record.lead_id):
            raise AttemptTaken(record.lead_id)
        self.conversions.insert(
            {"_id": record.idempotency_key, "lead_id": record.lead_id, "stored": stored}
        )
        self.claims.insert({"_id": record.lead_id, "idempotency_key": record.idempotency_key})

    def settle(self, before: ConversionRecord, after: ConversionRecord) -> bool:
        doc = self.conversions.get(before.idempotency_key)
        if doc is None or doc["stored"].record.state is not before.state:
            return False
        moved = replace(doc["stored"].record, state=after.state, reason=after.reason)
        doc["stored"] = replace(doc["stored"], record=moved)
        if after.state is ConversionState.COMPLETED:
            self.claims.put({"_id": after.lead_id, "idempotency_key": after.idempotency_key})
        else:
            claim = self.claims.get(after.lead_id)
            if claim and claim["idempotency_key"] == after.idempotency_key:
                self.claims.delete(after.lead_id)
        return True
