"""The demo tenant `make up` prepares, so that a newcomer can walk the whole chain from a
lead to a won deal: one sales team with a director, a manager and a rep, and a tenant
admin, each a person of the tenant with an API key acting as them.

Each role does what only it may (gateway/access/authz.py): the admin configures the tenant,
the rep works leads and deals, the manager runs the team, the director approves. A
second `make up` finds the people and the team by their emails and name and reuses the
keys written into .local/dev.env while they still open the door; it issues a key only
for a role whose key is missing or was revoked.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from crm_runtime.config import Settings
from crm_runtime.principal import Principal
from gateway.access.authz import ADMIN, DIRECTOR, FINANCE, LEGAL, MANAGER, REP, data_scope
from gateway.identity.api_keys import ApiKeyStore
from gateway.identity.passwords import hash_password
from gateway.identity.teams import TeamStore
from gateway.identity.tenants import TenantStore
from gateway.identity.users import User, UserStore, ensure_user_indexes
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

TENANT = "demo"
TEAM = "华东销售一组"
KEY_NAME = "make up"


@dataclass(frozen=True)
class Person:
    variable: str  # in .local/dev.env
    email: str
    name: str
    role: str
    in_team: bool


PEOPLE = (
    Person("CRM_ADMIN_KEY", "admin@demo.example.cn", "管理员 王静", ADMIN, in_team=False),
    Person("CRM_DIRECTOR_KEY", "director@demo.example.cn", "销售总监 陈刚", DIRECTOR, in_team=True),
    Person("CRM_MANAGER_KEY", "manager@demo.example.cn", "销售经理 刘洋", MANAGER, in_team=True),
    Person("CRM_REP_KEY", "rep@demo.example.cn", "销售代表 李娜", REP, in_team=True),
    Person("CRM_LEGAL_KEY", "legal@demo.example.cn", "法务 赵敏", LEGAL, in_team=False),
    Person("CRM_FINANCE_KEY", "finance@demo.example.cn", "财务 孙悦", FINANCE, in_team=False),
)
SIGN_IN = "CRM_DEMO_PASSWORD"  # the six people sign in with it too


async def _person(users: UserStore, person: Person, password: str) -> User:
    found = await users.credentials(person.email)
    if found is not None:
        return found[0]
    return await users.create(
        person.email, person.name, [person.role], "", await hash_password(password)
    )


async def _team(db: AsyncDatabase[dict[str, Any]], manager: User) -> str:
    teams = TeamStore(db, TENANT)
    page, _ = await teams.page(200, "")
    for team in page:
        if team.name == TEAM:
            return team.id
    return (await teams.create(TEAM, manager.id)).id


async def _key(keys: ApiKeyStore, known: str, user: User) -> str:
    principal = Principal(TENANT, user.id, user.roles, data_scope(user.roles), user.team_id)
    caller = await keys.verify(known) if known else None
    if caller is not None and replace(caller.principal, credential_id="") == principal:
        return known  # still valid, and still the person as they are now
    return (await keys.issue(principal, f"{KEY_NAME}: {user.roles[0]}")).token


async def prepare(db: AsyncDatabase[dict[str, Any]], known: Mapping[str, str]) -> dict[str, str]:
    """The demo people, their team and keys: reused when there, made when not. Returns
    the .local/dev.env lines for them (variable -> value)."""
    await TenantStore(db).ensure(TENANT)
    await ensure_user_indexes(db)
    users = UserStore(db, TENANT)
    password = known.get(SIGN_IN) or secrets.token_urlsafe(12)
    people = {p.role: await _person(users, p, password) for p in PEOPLE}
    if SIGN_IN not in known:  # new, or the file was lost: set it for all six
        hashed = await hash_password(password)
        for role, user in people.items():
            people[role] = await users.update(user.id, {"password_hash": hashed}, None)
    team_id = await _team(db, people[MANAGER])
    for person in PEOPLE:
        user = people[person.role]
        if person.in_team and user.team_id != team_id:
            people[person.role] = await users.update(user.id, {"team_id": team_id}, None)
    keys = ApiKeyStore(db, cache_seconds=0)
    found = {
        p.variable: await _key(keys, known.get(p.variable, ""), people[p.role]) for p in PEOPLE
    }
    return {**found, SIGN_IN: password}


def prepare_with(env: Mapping[str, str], known: Mapping[str, str]) -> dict[str, str]:
    """`prepare` on the gateway's database as the stack's processes find it in `env`."""
    settings = Settings.from_env("gateway", "gateway", env)

    async def main() -> dict[str, str]:
        async with AsyncMongoClient(settings.mongo_uri, tz_aware=True) as client:
            return await prepare(client[settings.database], known)

    return asyncio.run(main())
