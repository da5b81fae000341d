"""Refresh tokens: opaque, stored as SHA-256, rotated on every use, revocable.

Each sign-in starts a session (a family of refresh tokens). Using a refresh token marks
it used and issues the next one of the family. Presenting a token that was already
used means two parties hold it (one of them stole it), so the whole family is revoked
and both must sign in again. Signing out, changing a password or deactivating a
person revokes their sessions.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from crm_runtime.clock import utcnow
from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from gateway.store import Doc

REFRESH_TOKENS = "refresh_tokens"
PREFIX = "crt"


@dataclass(frozen=True)
class Session:
    tenant_id: str
    user_id: str
    session_id: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _parse(token: str) -> tuple[str, str] | None:
    parts = token.split("_")
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


async def ensure_refresh_indexes(db: AsyncDatabase[Doc]) -> None:
    tokens = db[REFRESH_TOKENS]
    await tokens.create_index([("family_id", ASCENDING)])
    await tokens.create_index([("tenant_id", ASCENDING), ("user_id", ASCENDING)])
    # Expired tokens are of no use to anyone: MongoDB removes them.
    await tokens.create_index([("expires_at", ASCENDING)], expireAfterSeconds=0)


class RefreshTokens:
    def __init__(self, db: AsyncDatabase[Doc], lifetime_seconds: int) -> None:
        self.tokens = db[REFRESH_TOKENS]
        self.lifetime = timedelta(seconds=lifetime_seconds)

    async def start(self, tenant_id: str, user_id: str) -> tuple[Session, str]:
        session = Session(tenant_id, user_id, secrets.token_hex(12))
        return session, await self._issue(session)

    async def _issue(self, session: Session) -> str:
        token_id = secrets.token_hex(12)
        secret = secrets.token_urlsafe(32).replace("_", "-")
        now = utcnow()
        await self.tokens.insert_one(
            {
                "_id": token_id,
                "tenant_id": session.tenant_id,
                "user_id": session.user_id,
                "family_id": session.session_id,
                "secret_sha256": _digest(secret),
                "created_at": now,
                "expires_at": now + self.lifetime,
                "used_at": None,
                "revoked": False,
            }
        )
        return f"{PREFIX}_{token_id}_{secret}"

    async def _find(self, token: str) -> Doc | None:
        parsed = _parse(token)
        if parsed is None:
            return None
        doc = await self.tokens.find_one({"_id": parsed[0]})
        if doc is None or not hmac.compare_digest(doc["secret_sha256"], _digest(parsed[1])):
            return None
        return doc

    async def rotate(self, token: str) -> tuple[Session, str] | None:
        """The session and its next refresh token, or None (unknown, expired, revoked,
        or reused, in which case the session is revoked as well)."""
        doc = await self._find(token)
        if doc is None or doc["revoked"] or doc["expires_at"] <= utcnow():
            return None
        claimed = await self.tokens.find_one_and_update(
            {"_id": doc["_id"], "used_at": None, "revoked": False},
            {"$set": {"used_at": utcnow()}},
        )
        if claimed is None:  # used before: a copy is in someone else's hands
            await self.tokens.update_many(
                {"family_id": doc["family_id"]}, {"$set": {"revoked": True}}
            )
            return None
        session = Session(doc["tenant_id"], doc["user_id"], doc["family_id"])
        return session, await self._issue(session)

    async def revoke(self, token: str) -> Session | None:
        doc = await self._find(token)
        if doc is None:
            return None
        await self.tokens.update_many({"family_id": doc["family_id"]}, {"$set": {"revoked": True}})
        return Session(doc["tenant_id"], doc["user_id"], doc["family_id"])

    async def revoke_user(self, tenant_id: str, user_id: str) -> None:
        await self.tokens.update_many(
            {"tenant_id": tenant_id, "user_id": user_id}, {"$set": {"revoked": True}}
        )
