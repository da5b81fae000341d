"""Tenants and their plans. Creating a tenant is a platform operation (the admin CLI).
A tenant stores its plan and any limits overridden for it alone; the rest come from
the plan, so revising a plan reaches every tenant on it.
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from crm_runtime.clock import utcnow
from crm_runtime.errors import AlreadyExists, FieldViolation, ValidationFailed
from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from gateway.store import Doc

TENANTS = "tenants"
TENANT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")


@dataclass(frozen=True)
class Limits:
    """Token buckets: `*_rate` requests per second refill up to `*_burst` at once."""

    credential_rate: float
    credential_burst: int
    tenant_rate: float
    tenant_burst: int


# Generous enough that a person clicking, a nightly ERP sync or an API fuzzer (about
# 100 requests a second from one key) never meets them; they exist to keep one runaway
# client from starving its tenant, and one tenant from starving the platform.
PLANS = {
    "standard": Limits(
        credential_rate=100, credential_burst=1000, tenant_rate=500, tenant_burst=5000
    ),
    "business": Limits(
        credential_rate=200, credential_burst=2000, tenant_rate=1000, tenant_burst=10000
    ),
    "enterprise": Limits(
        credential_rate=500, credential_burst=5000, tenant_rate=3000, tenant_burst=30000
    ),
}


@dataclass(frozen=True)
class Tenant:
    id: str
    name: str
    plan: str
    overrides: dict[str, float]
    limits: Limits
    created_at: datetime


def _tenant(doc: Doc) -> Tenant:
    plan = str(doc.get("plan", ""))
    plan = plan if plan in PLANS else "standard"
    overrides = dict(doc.get("overrides", {}))
    return Tenant(
        id=doc["_id"],
        name=str(doc.get("name") or doc["_id"]),
        plan=plan,
        overrides=overrides,
        limits=plan_limits(plan, **overrides),
        created_at=doc["created_at"],
    )


def check_overrides(plan: str, overrides: dict[str, float | None]) -> dict[str, float]:
    """The overrides that are set, once their plan and values are known to be valid."""
    if plan not in PLANS:
        raise ValidationFailed([FieldViolation("plan", f"must be one of {', '.join(PLANS)}")])
    found = {k: float(v) for k, v in overrides.items() if v is not None}
    unknown = set(found) - set(asdict(PLANS[plan]))
    if unknown or any(v <= 0 for v in found.values()):
        raise ValidationFailed(
            [FieldViolation("limits", "every limit must be a known, positive one")]
        )
    return found


def plan_limits(plan: str, **overrides: float) -> Limits:
    changes: dict[str, Any] = dict(overrides)
    for key in ("credential_burst", "tenant_burst"):
        if key in changes:
            changes[key] = int(changes[key])
    return replace(PLANS[plan], **changes)


class TenantStore:
    def __init__(self, db: AsyncDatabase[Doc], default_plan: str = "standard", ttl: float = 30.0):
        self.tenants = db[TENANTS]
        self.default_plan = default_plan if default_plan in PLANS else "standard"
        self._ttl = ttl
        self._cache: dict[str, tuple[float, Limits]] = {}

    async def create(
        self, tenant_id: str, name: str, plan: str, overrides: dict[str, float | None] | None = None
    ) -> Tenant:
        if not TENANT_ID.match(tenant_id):
            raise ValidationFailed(
                [FieldViolation("tenant", "2-40 lower-case letters, digits or '-'")]
            )
        doc = {
            "_id": tenant_id,
            "name": name or tenant_id,
            "plan": plan,
            "overrides": check_overrides(plan, overrides or {}),
            "created_at": utcnow(),
        }
        try:
            await self.tenants.insert_one(doc)
        except DuplicateKeyError as exc:
            raise AlreadyExists(f"tenant {tenant_id} exists") from exc
        return _tenant(doc)

    async def ensure(self, tenant_id: str) -> Tenant:
        """The tenant, created on the default plan if it does not exist yet."""
        found = await self.get(tenant_id)
        if found is not None:
            return found
        try:
            return await self.create(tenant_id, tenant_id, self.default_plan)
        except AlreadyExists:
            found = await self.get(tenant_id)
            assert found is not None
            return found

    async def get(self, tenant_id: str) -> Tenant | None:
        doc = await self.tenants.find_one({"_id": tenant_id})
        return _tenant(doc) if doc else None

    async def set_plan(
        self, tenant_id: str, plan: str, overrides: dict[str, float | None]
    ) -> Tenant | None:
        """Move to `plan`; overrides given replace those stored (None keeps one as is)."""
        current = await self.get(tenant_id)
        if current is None:
            return None
        merged = {**current.overrides, **{k: v for k, v in overrides.items() if v is not None}}
        doc = await self.tenants.find_one_and_update(
            {"_id": tenant_id},
            {"$set": {"plan": plan, "overrides": check_overrides(plan, dict(merged))}},
            return_document=ReturnDocument.AFTER,
        )
        self._cache.pop(tenant_id, None)
        return _tenant(doc) if doc else None

    async def limits(self, tenant_id: str) -> Limits:
        """The tenant's limits, cached for a few seconds: every request needs them, and a
        plan change may take that long to reach every replica."""
        now = time.monotonic()
        cached = self._cache.get(tenant_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        tenant = await self.get(tenant_id)
        limits = tenant.limits if tenant else PLANS[self.default_plan]
        self._cache[tenant_id] = (now + self._ttl, limits)
        return limits
