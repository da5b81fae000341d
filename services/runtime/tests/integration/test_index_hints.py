"""Index hints reach MongoDB and stay away from SecantusDB, which would walk the hinted
index end to end (ADR 0019)."""

from typing import Any

from crm_runtime.storage.mongo import TenantCollection, index_hint, walks_hinted_index
from pymongo import ASCENDING


def test_the_embedded_server_is_known_to_walk_a_hinted_index_whole(mongo_client):
    assert walks_hinted_index(mongo_client) is True
    things = mongo_client["any"]["things"]
    equalities = {"tenant_id": "t1", "owner_id": {"$in": ["a"]}, "tags": {"$all": ["x"]}}
    assert index_hint(things, "ix", equalities) == {}
    # Its planner gets two-sided ranges wrong: those keep the hint (slow, not wrong).
    ranged = {"tenant_id": "t1", "probability": {"$gte": 30, "$lt": 31}}
    assert index_hint(things, "ix", ranged) == {"hint": "ix"}
    assert index_hint(things, "ix", {"tenant_id": "t1", "$or": [{"a": 1}]}) == {"hint": "ix"}


def test_a_two_sided_range_answers_exactly_on_a_descending_index(mongo_client, database_name):
    raw = mongo_client[database_name]["deals"]
    raw.create_index([("tenant_id", ASCENDING), ("probability", -1), ("_id", -1)])
    raw.insert_many(
        [
            {"_id": f"d{i}", "tenant_id": "t1", "probability": p}
            for i, p in enumerate([10, 30, 30, 50])
        ]
    )
    deals = TenantCollection(raw, "t1")
    found = deals.find(
        {"probability": {"$gte": 30, "$lt": 31}}, hint="tenant_id_1_probability_-1__id_-1"
    )
    assert sorted(d["_id"] for d in found) == ["d1", "d2"]


def test_a_hinted_find_through_a_tenant_collection_still_answers_exactly(
    mongo_client, database_name
):
    raw = mongo_client[database_name]["deals"]
    raw.create_index([("tenant_id", ASCENDING), ("owner_id", ASCENDING)])
    docs = [
        {"_id": f"{t}-{i}", "tenant_id": t, "owner_id": f"rep-{i % 3}"}
        for t in ("t1", "t2")
        for i in range(9)
    ]
    raw.insert_many(docs)
    deals = TenantCollection(raw, "t1")
    found = deals.find({"owner_id": "rep-1"}, sort=[("_id", 1)], hint="tenant_id_1_owner_id_1")
    assert [d["_id"] for d in found] == ["t1-1", "t1-4", "t1-7"]
    one = deals.find_one({"owner_id": "rep-2"}, hint="tenant_id_1_owner_id_1")
    assert one is not None and one["tenant_id"] == "t1"


class _MongoDB:
    """What a MongoDB server (not run on this machine) answers to buildInfo."""

    class admin:
        @staticmethod
        def command(name: str) -> dict[str, Any]:
            assert name == "buildInfo"
            return {"version": "8.0.4", "ok": 1.0}


def test_mongodb_gets_the_hint():
    client: Any = _MongoDB()
    assert walks_hinted_index(client) is False

    class Collection:
        database = type("Database", (), {"client": client})

    assert index_hint(Collection(), "ix", {"owner_id": "a"}) == {"hint": "ix"}  # type: ignore[arg-type]
    assert index_hint(Collection(), None, {"owner_id": "a"}) == {}  # type: ignore[arg-type]
