"""People of a tenant: email, roles, team, an argon2 password hash, active or not.

Users are deactivated, never deleted, so that the audit log and the records they own
keep naming someone. Every write bumps `version`, which is the user's ETag.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crm_runtime.clock import utcnow
from crm_runtime.errors import AlreadyExists, FieldViolation, NotFound, ValidationFailed
from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from gateway.access.authz import ROLES
from gateway.conventions.problems import PreconditionFailed
from gateway.store import Doc, Scoped, new_id

USERS = "users"
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class User:
    id: str
    tenant_id: str
    email: str
    display_name: str
    roles: tuple[str, ...]
    team_id: str
    active: bool
    created_at: datetime
    updated_at: datetime
    version: int


def _user(doc: Doc) -> User:
    return User(
        id=doc["_id"],
        tenant_id=doc["tenant_id"],
        email=doc["email"],
        display_name=doc.get("display_name", ""),
        roles=tuple(doc.get("roles", ())),
        team_id=doc.get("team_id", ""),
        active=doc.get("active", True),
        created_at=doc["created_at"],
        updated_at=doc["updated_at"],
        version=doc["version"],
    )


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise ValidationFailed([FieldViolation("email", "is not an email address")])
    return email


def check_roles(roles: Iterable[str], field: str = "roles") -> tuple[str, ...]:
    roles = tuple(dict.fromkeys(roles))
    unknown = [r for r in roles if r not in ROLES]
    if not roles or unknown:
        raise ValidationFailed(
            [FieldViolation(field, f"must name one or more of {', '.join(ROLES)}")]
        )
    return roles


async def ensure_user_indexes(db: AsyncDatabase[Doc]) -> None:
    users = db[USERS]
    await users.create_index([("tenant_id", ASCENDING), ("email", ASCENDING)], unique=True)
    await users.create_index([("tenant_id", ASCENDING), ("_id", ASCENDING)])
    await users.create_index([("tenant_id", ASCENDING), ("team_id", ASCENDING), ("_id", ASCENDING)])


class UserStore:
    def __init__(self, db: AsyncDatabase[Doc], tenant_id: str) -> None:
        self.users = Scoped(db[USERS], tenant_id)

    async def create(
        self, email: str, display_name: str, roles: Iterable[str], team_id: str, password_hash: str
    ) -> User:
        now = utcnow()
        doc = {
            "_id": new_id(),
            "email": normalise_email(email),
            "display_name": display_name,
            "roles": list(check_roles(roles)),
            "team_id": team_id,
            "password_hash": password_hash,
            "active": True,
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        try:
            await self.users.insert_one(doc)
        except DuplicateKeyError as exc:
            raise AlreadyExists(f"a user with email {doc['email']} exists") from exc
        return _user({**doc, "tenant_id": self.users.tenant_id})

    async def get(self, user_id: str) -> User:
        doc = await self.users.find_one({"_id": user_id})
        if doc is None:
            raise NotFound(f"user {user_id} not found")
        return _user(doc)

    async def credentials(self, email: str) -> tuple[User, str] | None:
        """The user and password hash for sign-in, or None for an unknown email."""
        try:
            email = normalise_email(email)
        except ValidationFailed:
            return None
        doc = await self.users.find_one({"email": email})
        return (_user(doc), doc.get("password_hash", "")) if doc else None

    async def page(
        self, filter_: Mapping[str, Any], limit: int, cursor: str
    ) -> tuple[list[User], str]:
        docs, next_cursor = await self.users.page(filter_, limit, cursor)
        return [_user(d) for d in docs], next_cursor

    async def update(self, user_id: str, changes: Mapping[str, Any], expected: int | None) -> User:
        """Apply `changes`; with `expected`, only if the user is still at that version."""
        filter_: Doc = {"_id": user_id}
        if expected is not None:
            filter_["version"] = expected
        doc = await self.users.update_one(
            filter_, {"$set": {**changes, "updated_at": utcnow()}, "$inc": {"version": 1}}
        )
        if doc is None:
            current = await self.get(user_id)  # NotFound when it is not there at all
            raise PreconditionFailed(current.version)
        return _user(doc)

    async def members(self, team_id: str, limit: int = 200) -> list[User]:
        docs, _ = await self.users.page({"team_id": team_id}, limit, "")
        return [_user(d) for d in docs]
