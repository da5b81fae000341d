"""Teams of a tenant: a name and a manager. Membership lives on the user (`team_id`),
so a person is in one team and a manager's data scope `team` has one meaning."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from crm_runtime.clock import utcnow
from crm_runtime.errors import FieldViolation, NotFound, ValidationFailed
from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from gateway.conventions.problems import PreconditionFailed
from gateway.store import Doc, Scoped, new_id

TEAMS = "teams"


@dataclass(frozen=True)
class Team:
    id: str
    name: str
    manager_id: str
    created_at: datetime
    updated_at: datetime
    version: int


def _team(doc: Doc) -> Team:
    return Team(
        id=doc["_id"],
        name=doc["name"],
        manager_id=doc.get("manager_id", ""),
        created_at=doc["created_at"],
        updated_at=doc["updated_at"],
        version=doc["version"],
    )


async def ensure_team_indexes(db: AsyncDatabase[Doc]) -> None:
    await db[TEAMS].create_index([("tenant_id", ASCENDING), ("_id", ASCENDING)])


class TeamStore:
    def __init__(self, db: AsyncDatabase[Doc], tenant_id: str) -> None:
        self.teams = Scoped(db[TEAMS], tenant_id)

    async def create(self, name: str, manager_id: str) -> Team:
        now = utcnow()
        doc = {
            "_id": new_id(),
            "name": name,
            "manager_id": manager_id,
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        await self.teams.insert_one(doc)
        return _team(doc)

    async def get(self, team_id: str) -> Team:
        doc = await self.teams.find_one({"_id": team_id})
        if doc is None:
            raise NotFound(f"team {team_id} not found")
        return _team(doc)

    async def page(self, limit: int, cursor: str) -> tuple[list[Team], str]:
        docs, next_cursor = await self.teams.page({}, limit, cursor)
        return [_team(d) for d in docs], next_cursor

    async def update(self, team_id: str, changes: Mapping[str, Any], expected: int | None) -> Team:
        filter_: Doc = {"_id": team_id}
        if expected is not None:
            filter_["version"] = expected
        doc = await self.teams.update_one(
            filter_, {"$set": {**changes, "updated_at": utcnow()}, "$inc": {"version": 1}}
        )
        if doc is None:
            current = await self.get(team_id)
            raise PreconditionFailed(current.version)
        return _team(doc)


class HasTeams(Protocol):
    def teams(self, tenant_id: str) -> TeamStore: ...


async def check_team(stores: HasTeams, tenant_id: str, team_id: str) -> None:
    """A user's or a key's `team_id`, when given, names a team of the tenant (else 422)."""
    if not team_id:
        return
    try:
        await stores.teams(tenant_id).get(team_id)
    except NotFound as exc:
        raise ValidationFailed([FieldViolation("team_id", "names no team of this tenant")]) from exc
