"""Every list and lookup of the gateway's store is served by an index (explain()).

SecantusDB reports a SORT stage above the index scan even when the index order serves
the sort, so these tests check what both it and MongoDB agree on: the scan is an
IXSCAN of the intended index, never a COLLSCAN.
"""

import asyncio
from datetime import UTC, datetime

import pytest
from gateway.access.audit import AUDIT_LOG, _id_bounds, ensure_audit_indexes
from gateway.identity.api_keys import API_KEYS, ensure_key_indexes
from gateway.identity.teams import TEAMS, ensure_team_indexes
from gateway.identity.users import USERS, ensure_user_indexes
from pymongo import AsyncMongoClient


@pytest.fixture
def indexed(mongo_uri, database_name, mongo_client):
    async def main():
        client = AsyncMongoClient(mongo_uri)
        try:
            db = client[database_name]
            for ensure in (ensure_user_indexes, ensure_team_indexes, ensure_key_indexes):
                await ensure(db)
            await ensure_audit_indexes(db, 30)
        finally:
            await client.close()

    asyncio.run(main())
    db = mongo_client[database_name]
    for name in (USERS, TEAMS, API_KEYS, AUDIT_LOG):
        db[name].insert_many(
            [{"_id": f"{i:04}", "tenant_id": "t1", "email": f"{i}@x.cn"} for i in range(30)]
        )
    return db


def _plan(cursor):
    return str(cursor.explain()["queryPlanner"]["winningPlan"])


@pytest.mark.parametrize(
    ("collection", "query", "order", "index"),
    [
        (USERS, {"tenant_id": "t1"}, 1, "tenant_id_1__id_1"),
        (USERS, {"tenant_id": "t1", "_id": {"$gt": "0010"}}, 1, "tenant_id_1__id_1"),
        (USERS, {"tenant_id": "t1", "team_id": "x"}, 1, "tenant_id_1_team_id_1__id_1"),
        (TEAMS, {"tenant_id": "t1"}, 1, "tenant_id_1__id_1"),
        (API_KEYS, {"tenant_id": "t1"}, 1, "tenant_id_1__id_1"),
        (AUDIT_LOG, {"tenant_id": "t1"}, -1, "tenant_id_1__id_-1"),
        (AUDIT_LOG, {"tenant_id": "t1", "actor_id": "u"}, -1, "tenant_id_1_actor_id_1__id_-1"),
        (
            AUDIT_LOG,
            {"tenant_id": "t1", "action": "lead:create"},
            -1,
            "tenant_id_1_action_1__id_-1",
        ),
        (
            AUDIT_LOG,
            {
                "tenant_id": "t1",
                "_id": _id_bounds(
                    datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)
                ),
            },
            -1,
            "tenant_id_1__id_-1",
        ),
    ],
)
def test_pages_are_index_scans(indexed, collection, query, order, index):
    plan = _plan(indexed[collection].find(query).sort("_id", order).limit(51))
    assert "IXSCAN" in plan and index in plan and "COLLSCAN" not in plan


def test_sign_in_finds_the_person_by_an_index(indexed):
    plan = _plan(indexed[USERS].find({"tenant_id": "t1", "email": "3@x.cn"}))
    assert "tenant_id_1_email_1" in plan and "COLLSCAN" not in plan
