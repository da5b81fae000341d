"""API keys on the embedded MongoDB: shown once, stored hashed, scoped, revocable,
expiring, and tenant-scoped when managed."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from crm_runtime.errors import NotFound
from crm_runtime.principal import Principal
from gateway.identity.api_keys import ApiKeyStore
from gateway.identity.caller import Caller
from pymongo import AsyncMongoClient

ADMIN = Principal("t1", "u1", ("admin",), "all", "team-1")


def _run(mongo_uri, database_name, scenario, cache_seconds=10.0):
    async def main():
        client = AsyncMongoClient(mongo_uri, tz_aware=True)
        try:
            return await scenario(ApiKeyStore(client[database_name], cache_seconds))
        finally:
            await client.close()

    return asyncio.run(main())


def test_a_key_authenticates_as_its_principal(mongo_uri, database_name, mongo_client):
    async def scenario(store):
        issued = await store.issue(ADMIN, "ci", scopes=["lead:*"])
        return issued, await store.verify(issued.token)

    issued, caller = _run(mongo_uri, database_name, scenario)
    principal = Principal("t1", "u1", ("admin",), "all", "team-1", issued.key_id)
    assert caller == Caller(principal, "api_key", ("lead:*",))
    assert caller.subject == f"key:{issued.key_id}"
    stored = mongo_client[database_name].api_keys.find_one({"_id": issued.key_id})
    assert issued.token.split("_")[2] not in str(stored)  # only the hash is kept


def test_a_key_without_a_user_acts_as_itself(mongo_uri, database_name):
    async def scenario(store):
        issued = await store.issue(Principal("t1", "", ("integration",), "all"), "erp")
        return issued, await store.verify(issued.token)

    issued, caller = _run(mongo_uri, database_name, scenario)
    assert caller.principal.user_id == f"key-{issued.key_id}"


@pytest.mark.parametrize("tamper", ["crm_nokey_secret", "crm__", "Bearer", "crm_{id}_wrong-secret"])
def test_wrong_keys_are_refused(mongo_uri, database_name, tamper):
    async def scenario(store):
        issued = await store.issue(ADMIN, "ci")
        await store.verify(issued.token)  # cached: a wrong secret must still fail
        return await store.verify(tamper.format(id=issued.key_id))

    assert _run(mongo_uri, database_name, scenario) is None


def test_revoked_and_expired_keys_are_refused(mongo_uri, database_name):
    async def scenario(store):
        await store.issue(ADMIN, "stays")  # the tenant's last admin key is never revoked
        revoked = await store.issue(ADMIN, "old")
        assert await store.verify(revoked.token) is not None
        await store.revoke("t1", revoked.key_id)
        expired = await store.issue(
            ADMIN, "temp", expires_at=datetime.now(UTC) - timedelta(seconds=1)
        )
        return await store.verify(revoked.token), await store.verify(expired.token)

    assert _run(mongo_uri, database_name, scenario) == (None, None)


def test_other_tenants_keys_do_not_exist_for_management(mongo_uri, database_name):
    async def scenario(store):
        issued = await store.issue(ADMIN, "t1 key")
        with pytest.raises(NotFound):
            await store.get("t2", issued.key_id)
        with pytest.raises(NotFound):
            await store.revoke("t2", issued.key_id)
        page, _ = await store.page("t2", 50, "")
        return page, await store.verify(issued.token)

    page, caller = _run(mongo_uri, database_name, scenario)
    assert page == [] and caller is not None


def test_keys_page_oldest_first_with_a_cursor(mongo_uri, database_name):
    async def scenario(store):
        ids = [(await store.issue(ADMIN, f"k{i}")).key_id for i in range(5)]
        first, cursor = await store.page("t1", 2, "")
        second, cursor2 = await store.page("t1", 2, cursor)
        third, end = await store.page("t1", 2, cursor2)
        return ids, [k.name for k in first + second + third], end

    _ids, names, end = _run(mongo_uri, database_name, scenario)
    assert names == ["k0", "k1", "k2", "k3", "k4"] and end == ""
