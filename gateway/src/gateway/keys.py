"""API keys for machine clients and the demo tenant: shown once, stored hashed.

A key reads `crm_<key id>_<secret>`; the store keeps the id, a SHA-256 of the secret
(the secret is 32 random bytes, so a slow KDF adds nothing; see docs/adr), the tenant,
the principal it acts as, roles, scope and an optional expiry.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from crm_runtime.principal import Principal
from pymongo import AsyncMongoClient

API_KEYS = "api_keys"
PREFIX = "crm"


@dataclass(frozen=True)
class IssuedKey:
    key_id: str
    token: str  # shown once


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse(token: str) -> tuple[str, str] | None:
    parts = token.split("_")
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


class ApiKeyStore:
    def __init__(self, client: AsyncMongoClient[dict[str, Any]], database: str) -> None:
        self.keys = client[database][API_KEYS]

    async def issue(
        self, principal: Principal, name: str, expires_at: datetime | None = None
    ) -> IssuedKey:
        key_id = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32).replace("_", "-")
        await self.keys.insert_one(
            {
                "_id": key_id,
                "tenant_id": principal.tenant_id,
                "user_id": principal.user_id,
                "roles": list(principal.roles),
                "scope": principal.scope,
                "team_id": principal.team_id,
                "name": name,
                "secret_sha256": _digest(secret),
                "created_at": datetime.now(UTC),
                "expires_at": expires_at,
                "revoked": False,
            }
        )
        return IssuedKey(key_id, f"{PREFIX}_{key_id}_{secret}")

    async def verify(self, token: str, now: datetime | None = None) -> Principal | None:
        parsed = parse(token)
        if parsed is None:
            return None
        key_id, secret = parsed
        doc = await self.keys.find_one({"_id": key_id})
        if doc is None or doc.get("revoked"):
            return None
        if not hmac.compare_digest(doc["secret_sha256"], _digest(secret)):
            return None
        expires_at = doc.get("expires_at")
        if expires_at is not None and expires_at <= (now or datetime.now(UTC)):
            return None
        return Principal(
            tenant_id=doc["tenant_id"],
            user_id=doc["user_id"],
            roles=tuple(doc.get("roles", ())),
            scope=doc.get("scope", "own"),
            team_id=doc.get("team_id", ""),
            credential_id=key_id,
        )
