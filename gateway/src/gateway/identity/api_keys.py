"""API keys for machine clients (OA, ERP, finance systems) and operators: shown once,
stored hashed, with roles, action scopes, an optional expiry, revocable.

A key reads `crm_<key id>_<secret>`; the store keeps the id, a SHA-256 of the secret
(the secret is 32 random bytes, so a slow KDF adds nothing; ADR 5), the tenant, the
principal it acts as, its roles and data scope, and the actions it may use (`scopes`:
`*`, `lead:*`, `receipt:record`, ...), which narrow what its roles allow.

A verified key is remembered for a few seconds per replica, because every request
presents one; revoking clears it here at once and on other replicas within that time.
The tenant's last admin credential is never revoked (admins.py): 409 instead.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from crm_runtime.clock import utcnow
from crm_runtime.errors import NotFound
from crm_runtime.principal import Principal
from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from gateway.identity.admins import (
    LastAdminCredential,
    admin_remains,
    is_live_admin_key,
    live_admin_keys,
)
from gateway.identity.caller import Caller
from gateway.identity.users import USERS, User
from gateway.store import Doc, Scoped, find_live, live_only, new_id

API_KEYS = "api_keys"
PREFIX = "crm"
CACHE_SIZE = 10_000


@dataclass(frozen=True)
class IssuedKey:
    key_id: str
    token: str  # shown once


@dataclass(frozen=True)
class KeyInfo:
    id: str
    name: str
    user_id: str
    roles: tuple[str, ...]
    scopes: tuple[str, ...]
    data_scope: str
    team_id: str
    created_at: datetime
    expires_at: datetime | None
    revoked: bool


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse(token: str) -> tuple[str, str] | None:
    parts = token.split("_")
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def _info(doc: Doc) -> KeyInfo:
    return KeyInfo(
        id=doc["_id"],
        name=doc.get("name", ""),
        user_id=doc["user_id"],
        roles=tuple(doc.get("roles", ())),
        scopes=tuple(doc.get("scopes", ("*",))),
        data_scope=doc.get("scope", "own"),
        team_id=doc.get("team_id", ""),
        created_at=doc["created_at"],
        expires_at=doc.get("expires_at"),
        revoked=bool(doc.get("revoked")),
    )


def _caller(doc: Doc) -> Caller:
    return Caller(
        Principal(
            tenant_id=doc["tenant_id"],
            user_id=doc["user_id"],
            roles=tuple(doc.get("roles", ())),
            scope=doc.get("scope", "own"),
            team_id=doc.get("team_id", ""),
            credential_id=doc["_id"],
        ),
        "api_key",
        tuple(doc.get("scopes", ("*",))),
    )


async def ensure_key_indexes(db: AsyncDatabase[Doc]) -> None:
    await db[API_KEYS].create_index([("tenant_id", ASCENDING), ("_id", ASCENDING)])


class ApiKeyStore:
    def __init__(self, db: AsyncDatabase[Doc], cache_seconds: float = 10.0) -> None:
        self.keys = db[API_KEYS]
        self.users = db[USERS]
        self._cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, str, Doc]] = {}

    async def issue(
        self,
        principal: Principal,
        name: str,
        expires_at: datetime | None = None,
        scopes: Iterable[str] = ("*",),
        created_by: str = "",
    ) -> IssuedKey:
        key_id = new_id()  # sorts by creation, so lists page oldest first
        secret = secrets.token_urlsafe(32).replace("_", "-")
        await self.keys.insert_one(
            {
                "_id": key_id,
                "tenant_id": principal.tenant_id,
                "user_id": principal.user_id or f"key-{key_id}",
                "roles": list(principal.roles),
                "scope": principal.scope,
                "team_id": principal.team_id,
                "scopes": list(scopes),
                "name": name,
                "secret_sha256": _digest(secret),
                "created_at": utcnow(),
                "created_by": created_by,
                "expires_at": expires_at,
                "revoked": False,
            }
        )
        return IssuedKey(key_id, f"{PREFIX}_{key_id}_{secret}")

    async def verify(self, token: str, now: datetime | None = None) -> Caller | None:
        parsed = parse(token)
        if parsed is None:
            return None
        key_id, secret = parsed
        digest = _digest(secret)
        cached = self._cache.get(key_id)
        if cached is not None and cached[0] > time.monotonic():
            doc: Doc | None = cached[2] if hmac.compare_digest(cached[1], digest) else None
        else:
            doc = await self.keys.find_one({"_id": key_id})
            if doc is not None:
                if len(self._cache) >= CACHE_SIZE:
                    self._cache.clear()
                self._cache[key_id] = (
                    time.monotonic() + self._cache_seconds,
                    doc["secret_sha256"],
                    doc,
                )
        if doc is None or doc.get("revoked"):
            return None
        if not hmac.compare_digest(doc["secret_sha256"], digest):
            return None
        expires_at = doc.get("expires_at")
        if expires_at is not None and expires_at <= (now or datetime.now(UTC)):
            return None
        return _caller(doc)

    def of_tenant(self, tenant_id: str) -> Scoped:
        return Scoped(self.keys, tenant_id)

    async def page(
        self, tenant_id: str, limit: int, cursor: str, include_revoked: bool = False
    ) -> tuple[list[KeyInfo], str]:
        docs, next_cursor = await self.of_tenant(tenant_id).page(
            live_only(include_revoked), limit, cursor
        )
        return [_info(d) for d in docs], next_cursor

    async def get(self, tenant_id: str, key_id: str) -> KeyInfo:
        """A live (unrevoked) key; a revoked one is gone for the API, kept for audit."""
        return _info(await find_live(self.of_tenant(tenant_id), key_id, "API key"))

    async def revoke(self, tenant_id: str, key_id: str) -> KeyInfo:
        """Revoke a key; the tenant's last admin credential is refused (409)."""
        now = utcnow()
        current = await self.of_tenant(tenant_id).find_one({"_id": key_id, "revoked": False})
        if (
            current is not None
            and is_live_admin_key(current, now)
            and not await admin_remains(self.keys, self.users, tenant_id, now, except_key=key_id)
        ):
            raise LastAdminCredential("key_id")
        update: dict[str, Any] = {"$set": {"revoked": True, "revoked_at": utcnow()}}
        doc = await self.of_tenant(tenant_id).update_one({"_id": key_id, "revoked": False}, update)
        self._cache.pop(key_id, None)
        if doc is None:
            await self.get(tenant_id, key_id)  # names why: unknown or already revoked
            raise NotFound(f"API key {key_id} not found")
        return _info(doc)

    async def revoke_user(self, tenant_id: str, user_id: str) -> int:
        """Revoke the keys acting as a person who is being deactivated."""
        self._cache.clear()
        return await self.of_tenant(tenant_id).update_many(
            {"user_id": user_id, "revoked": False},
            {"$set": {"revoked": True, "revoked_at": utcnow()}},
        )

    async def check_user_change(
        self, tenant_id: str, user: User, active: bool | None, roles: list[str] | None
    ) -> None:
        """Refuse (409) deactivating a person or taking their admin role when that would
        remove the tenant's last admin credential: their sign-in, and on deactivation the
        admin keys acting as them too."""
        now = utcnow()
        deactivating = active is False and user.active
        loses_role = roles is not None and "admin" not in roles
        signs_in_as_admin = user.active and "admin" in user.roles
        removes_sign_in = signs_in_as_admin and (deactivating or loses_role)
        removes_keys = deactivating and (
            await self.of_tenant(tenant_id).find_one({"user_id": user.id, **live_admin_keys(now)})
            is not None
        )
        if not (removes_sign_in or removes_keys):
            return
        if not await admin_remains(
            self.keys,
            self.users,
            tenant_id,
            now,
            except_user=user.id,
            except_keys_of_user=deactivating,
        ):
            raise LastAdminCredential("active" if deactivating else "roles")
