"""Idempotency keys of create requests, shared by every area that creates records."""

from __future__ import annotations

from datetime import datetime

from crm_runtime.storage.mongo import Transaction

from opportunity.indexes import REQUEST_KEYS


class RequestKeyRepository:
    """Idempotency keys of create requests: the first request with a key records the id
    it created, in its own transaction; a repeat finds it and returns that record."""

    def __init__(self, tx: Transaction, tenant_id: str) -> None:
        self.keys = tx.collection(REQUEST_KEYS, tenant_id)

    def created(self, kind: str, key: str) -> str:
        doc = self.keys.find_one({"_id": f"{self.keys.tenant_id}:{kind}:{key}"})
        return str(doc["created_id"]) if doc else ""

    def remember(self, kind: str, key: str, created_id: str, at: datetime) -> None:
        self.keys.insert_one(
            {"_id": f"{self.keys.tenant_id}:{kind}:{key}", "created_id": created_id, "at": at}
        )
