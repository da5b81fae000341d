"""The store helpers on the embedded MongoDB: declared indexes, the version-checked
save, and keyset pages that neither skip nor repeat records sharing a sort value."""

import pytest
from crm_runtime.errors import Conflict
from crm_runtime.storage.mongo import TenantCollection
from crm_runtime.storage.repository import (
    SortKey,
    create_indexes,
    page_docs,
    save_versioned,
    tenant_index,
)


def test_declared_indexes_are_created_under_their_names(mongo_client, database_name):
    db = mongo_client[database_name]
    specs = [
        tenant_index("things", ("owner_id", 1), ("_id", 1)),
        tenant_index("things", ("key", 1), unique=True),
    ]
    create_indexes(db, specs)
    create_indexes(db, specs)  # again: nothing changes
    info = db["things"].index_information()
    assert {s.name for s in specs} <= set(info)
    assert info["tenant_id_1_key_1"].get("unique") is True


def test_a_save_at_the_expected_version_writes_the_next_one(mongo_client, database_name):
    things = TenantCollection(mongo_client[database_name]["things"], "t1")
    things.insert_one({"_id": "a", "version": 1, "name": "old"})
    saved = save_versioned(things, {"_id": "a", "version": 1, "name": "new"}, 1, "thing a")
    assert saved == {"_id": "a", "tenant_id": "t1", "version": 2, "name": "new"}
    with pytest.raises(Conflict, match="thing a was changed by someone else"):
        save_versioned(things, {"_id": "a", "name": "stale"}, 1, "thing a")
    assert things.find_one({"_id": "a"})["name"] == "new"


def test_another_version_field_can_carry_the_check(mongo_client, database_name):
    things = TenantCollection(mongo_client[database_name]["things"], "t1")
    things.insert_one({"_id": "q:1", "revision": 0})
    saved = save_versioned(things, {"_id": "q:1"}, 0, "quote Q-1", version_field="revision")
    assert saved["revision"] == 1


def test_pages_neither_skip_nor_repeat_records_sharing_a_value(mongo_client, database_name):
    raw = mongo_client[database_name]["things"]
    spec = tenant_index("things", ("rank", -1), ("_id", -1))
    create_indexes(mongo_client[database_name], [spec])
    raw.insert_many([{"_id": f"x{i:02}", "tenant_id": "t1", "rank": i // 4} for i in range(10)])
    raw.insert_one({"_id": "other", "tenant_id": "t2", "rank": 1})
    things = TenantCollection(raw, "t1")
    sort = SortKey("rank", descending=True, kind="int")
    seen, after = [], None
    while True:
        page = page_docs(things, {}, sort, 3, after, spec.name)
        seen.extend(d["_id"] for d in page)
        if len(page) < 3:
            break
        after = sort.decode(sort.encode(page[-1]))
    expected = sorted((f"x{i:02}" for i in range(10)), key=lambda x: (int(x[1:]) // 4, x))
    assert seen == list(reversed(expected))
