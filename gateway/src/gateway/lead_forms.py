"""Public web forms that capture leads, in the gateway's own database (`lead_forms`).

A form belongs to one tenant and is found by its *form key*, which its web page carries
in the open (ADR 15): the key names the form, and so the tenant, the way an id does; it
does not prove who is calling. What protects a form is around it: the origins allowed
to post to it, rate limits per form and per client address, a honeypot field, and
revocation (a revoked form's key is dead for good; a disabled one until re-enabled).

Keys are looked up before any tenant is known, through the raw collection (as API keys
are), and remembered for a few seconds per replica, because every submission presents
one; disabling or revoking clears the entry here at once and on other replicas within
that time. Everything else is scoped to the tenant by `Scoped`.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crm_runtime.clock import utcnow
from crm_runtime.errors import NotFound
from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from gateway.conventions.problems import PreconditionFailed
from gateway.store import Doc, Scoped, find_live, live_only, new_id

LEAD_FORMS = "lead_forms"
KEY_PREFIX = "lf_"
CACHE_SIZE = 10_000
# The lead fields a form may take besides the tenant's custom fields: what a person
# types about themselves. Source, channel and tags come from the form, the owner from
# the assignment rules.
LEAD_FIELDS = ("name", "company", "phone", "email", "region", "industry", "product_line", "notes")


@dataclass(frozen=True)
class LeadForm:
    id: str
    tenant_id: str
    key: str
    name: str
    fields: tuple[str, ...]
    allowed_origins: tuple[str, ...]  # empty: any origin
    source: str
    channel_detail: str
    tags: tuple[str, ...]
    honeypot_field: str
    limit_per_minute: int  # the whole form, every client together
    limit_per_address_per_hour: int  # one client address
    redirect_url: str  # where a browser's urlencoded post is sent after success
    enabled: bool
    revoked: bool
    created_at: datetime
    created_by: str
    version: int

    @property
    def usable(self) -> bool:
        return self.enabled and not self.revoked

    def allows(self, origin: str) -> bool:
        return not self.allowed_origins or origin in self.allowed_origins


def new_form_key() -> str:
    """192 random bits: nobody finds a form they have not seen."""
    return KEY_PREFIX + secrets.token_urlsafe(24)


def _form(doc: Doc) -> LeadForm:
    return LeadForm(
        id=doc["_id"],
        tenant_id=doc["tenant_id"],
        key=doc["key"],
        name=doc["name"],
        fields=tuple(doc["fields"]),
        allowed_origins=tuple(doc.get("allowed_origins", ())),
        source=doc["source"],
        channel_detail=doc.get("channel_detail", ""),
        tags=tuple(doc.get("tags", ())),
        honeypot_field=doc["honeypot_field"],
        limit_per_minute=int(doc["limit_per_minute"]),
        limit_per_address_per_hour=int(doc["limit_per_address_per_hour"]),
        redirect_url=doc.get("redirect_url", ""),
        enabled=bool(doc.get("enabled", True)),
        revoked=bool(doc.get("revoked", False)),
        created_at=doc["created_at"],
        created_by=doc.get("created_by", ""),
        version=int(doc.get("version", 1)),
    )


async def ensure_form_indexes(db: AsyncDatabase[Doc]) -> None:
    forms = db[LEAD_FORMS]
    await forms.create_index([("key", ASCENDING)], unique=True)
    await forms.create_index([("tenant_id", ASCENDING), ("_id", ASCENDING)])


class LeadFormStore:
    def __init__(self, db: AsyncDatabase[Doc], cache_seconds: float = 10.0) -> None:
        self.forms = db[LEAD_FORMS]
        self._cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, LeadForm | None]] = {}

    def of_tenant(self, tenant_id: str) -> Scoped:
        return Scoped(self.forms, tenant_id)

    async def create(self, tenant_id: str, created_by: str, values: Mapping[str, Any]) -> LeadForm:
        now = utcnow()
        doc: Doc = {
            "_id": new_id(),  # sorts by creation, so lists page oldest first
            "key": new_form_key(),
            **values,
            "enabled": True,
            "revoked": False,
            "created_at": now,
            "created_by": created_by,
            "updated_at": now,
            "version": 1,
        }
        await self.of_tenant(tenant_id).insert_one(doc)
        return _form({**doc, "tenant_id": tenant_id})

    async def get(self, tenant_id: str, form_id: str) -> LeadForm:
        """A live (unrevoked) form; a revoked one is gone for the API, kept for audit."""
        return _form(await find_live(self.of_tenant(tenant_id), form_id, "lead form"))

    async def page(
        self, tenant_id: str, limit: int, cursor: str, include_revoked: bool = False
    ) -> tuple[list[LeadForm], str]:
        docs, next_cursor = await self.of_tenant(tenant_id).page(
            live_only(include_revoked), limit, cursor
        )
        return [_form(d) for d in docs], next_cursor

    async def update(
        self, tenant_id: str, form_id: str, changes: Mapping[str, Any], expected: int | None
    ) -> LeadForm:
        """Apply `changes` if the form is at version `expected` (any when None); a
        revoked form changes no more."""
        current = await self.get(tenant_id, form_id)
        filter_: Doc = {"_id": form_id, "revoked": False}
        if expected is not None:
            filter_["version"] = expected
        doc = await self.of_tenant(tenant_id).update_one(
            filter_, {"$set": {**changes, "updated_at": utcnow()}, "$inc": {"version": 1}}
        )
        self._cache.pop(current.key, None)
        if doc is None:
            raise PreconditionFailed((await self.get(tenant_id, form_id)).version)
        return _form(doc)

    async def revoke(self, tenant_id: str, form_id: str, expected: int | None = None) -> LeadForm:
        """Revoke the form if it is at version `expected` (any when None)."""
        update = {"$set": {"revoked": True, "revoked_at": utcnow()}, "$inc": {"version": 1}}
        filter_: Doc = {"_id": form_id, "revoked": False}
        if expected is not None:
            filter_["version"] = expected
        doc = await self.of_tenant(tenant_id).update_one(filter_, update)
        if doc is None:
            current = await self.get(tenant_id, form_id)  # names why: unknown or revoked
            if expected is not None and current.version != expected:
                raise PreconditionFailed(current.version)
            raise NotFound(f"lead form {form_id} not found")
        self._cache.pop(doc["key"], None)
        return _form(doc)

    async def by_key(self, key: str) -> LeadForm | None:
        """The usable form a public key names, or None (unknown, disabled, revoked)."""
        now = time.monotonic()
        cached = self._cache.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        doc = await self.forms.find_one({"key": key})
        form = _form(doc) if doc is not None else None
        found = form if form is not None and form.usable else None
        if len(self._cache) >= CACHE_SIZE:
            self._cache.clear()
        self._cache[key] = (now + self._cache_seconds, found)
        return found
