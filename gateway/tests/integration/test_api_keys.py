"""API keys on the embedded MongoDB: shown once, stored hashed, revocable, expiring."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from crm_runtime.principal import Principal
from gateway.keys import ApiKeyStore
from pymongo import AsyncMongoClient

ADMIN = Principal("t1", "u1", ("admin",), "all", "team-1")


def _run(mongo_uri, database_name, scenario):
    async def main():
        client = AsyncMongoClient(mongo_uri, tz_aware=True)
        try:
            return await scenario(ApiKeyStore(client, database_name))
        finally:
            await client.close()

    return asyncio.run(main())


def test_a_key_authenticates_as_its_principal(mongo_uri, database_name, mongo_client):
    async def scenario(store):
        issued = await store.issue(ADMIN, "ci")
        return issued, await store.verify(issued.token)

    issued, principal = _run(mongo_uri, database_name, scenario)
    assert principal == Principal("t1", "u1", ("admin",), "all", "team-1", issued.key_id)
    stored = mongo_client[database_name].api_keys.find_one({"_id": issued.key_id})
    assert issued.token.split("_")[2] not in str(stored)  # only the hash is kept


@pytest.mark.parametrize("tamper", ["crm_nokey_secret", "crm__", "Bearer", "crm_{id}_wrong-secret"])
def test_wrong_keys_are_refused(mongo_uri, database_name, tamper):
    async def scenario(store):
        issued = await store.issue(ADMIN, "ci")
        return await store.verify(tamper.format(id=issued.key_id))

    assert _run(mongo_uri, database_name, scenario) is None


def test_revoked_and_expired_keys_are_refused(mongo_uri, database_name, mongo_client):
    async def scenario(store):
        revoked = await store.issue(ADMIN, "old")
        await store.keys.update_one({"_id": revoked.key_id}, {"$set": {"revoked": True}})
        expired = await store.issue(
            ADMIN, "temp", expires_at=datetime.now(UTC) - timedelta(seconds=1)
        )
        return await store.verify(revoked.token), await store.verify(expired.token)

    assert _run(mongo_uri, database_name, scenario) == (None, None)
