"""The tenant's last admin credential stays: revoking it through the API is 409 naming
the field and the rule, and nothing changes; the person-side rules (deactivation, the
admin role) are checked at the store, since the API's own-lockout rule answers first
for a caller removing themselves."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from crm_runtime.principal import Principal
from gateway.identity.admins import LastAdminCredential
from gateway.identity.api_keys import ApiKeyStore
from gateway.identity.users import UserStore, ensure_user_indexes
from gateway_support import PASSWORD, seed
from pymongo import AsyncMongoClient

pytest_plugins = ["gateway_support"]  # fixtures: redis_url, tenant_id, gateway_app


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


def _own_key_id(client, headers):
    return client.get("/v1/me", headers=headers).json()["credential_id"]


def test_the_last_admin_key_cannot_revoke_itself(gateway_app, mongo_uri, database_name, tenant_id):
    admin = _bearer(seed(mongo_uri, database_name, tenant_id).admin_key)
    client = gateway_app()
    own = _own_key_id(client, admin)
    before = client.get("/v1/api-keys?include_revoked=true", headers=admin).json()
    refused = client.delete(f"/v1/api-keys/{own}", headers=admin)
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert [e["field"] for e in problem["errors"]] == ["key_id"]
    assert "last active admin credential" in problem["errors"][0]["message"]
    assert client.get("/v1/api-keys?include_revoked=true", headers=admin).json() == before
    assert client.get("/v1/tenant", headers=admin).status_code == 200  # still opens the door


def test_an_admin_key_goes_while_another_admin_credential_stays(
    gateway_app, mongo_uri, database_name, tenant_id
):
    admin = _bearer(seed(mongo_uri, database_name, tenant_id).admin_key)
    client = gateway_app()
    own = _own_key_id(client, admin)
    second = client.post("/v1/api-keys", json={"name": "b", "roles": ["admin"]}, headers=admin)
    erp = client.post("/v1/api-keys", json={"name": "erp", "roles": ["finance"]}, headers=admin)
    assert client.delete(f"/v1/api-keys/{own}", headers=admin).status_code == 204
    other = _bearer(second.json()["token"])
    assert client.get("/v1/tenant", headers=admin).status_code == 401
    last = client.delete(f"/v1/api-keys/{second.json()['id']}", headers=other)
    assert last.status_code == 409 and last.json()["errors"][0]["field"] == "key_id"
    # Keys without the admin role are never the tenant's way in: they go.
    assert client.delete(f"/v1/api-keys/{erp.json()['id']}", headers=other).status_code == 204


def test_an_admin_person_is_an_admin_credential(gateway_app, mongo_uri, database_name, tenant_id):
    seeded = seed(mongo_uri, database_name, tenant_id, {"boss@acme.cn": ["admin"]})
    admin = _bearer(seeded.admin_key)
    client = gateway_app()
    own = _own_key_id(client, admin)
    tokens = client.post(
        "/v1/auth/sign-in",
        json={"tenant": tenant_id, "email": "boss@acme.cn", "password": PASSWORD},
    ).json()
    boss = _bearer(tokens["access_token"])
    assert client.delete(f"/v1/api-keys/{own}", headers=boss).status_code == 204
    assert client.get("/v1/tenant", headers=boss).status_code == 200


def _store(mongo_uri, database_name, scenario):
    async def main():
        client = AsyncMongoClient(mongo_uri, tz_aware=True)
        try:
            db = client[database_name]
            await ensure_user_indexes(db)
            return await scenario(ApiKeyStore(db), db)
        finally:
            await client.close()

    return asyncio.run(main())


def _person(db, tenant, email, roles):
    return UserStore(db, tenant).create(email, email, roles, "", "hash")


@pytest.mark.parametrize(
    ("active", "roles", "field"), [(False, None, "active"), (None, ["sales_rep"], "roles")]
)
def test_the_last_admin_person_keeps_the_role_and_stays_active(
    mongo_uri, database_name, tenant_id, active, roles, field
):
    async def scenario(keys, db):
        boss = await _person(db, tenant_id, "boss@acme.cn", ["admin"])
        rep = await _person(db, tenant_id, "rep@acme.cn", ["sales_rep"])
        await keys.check_user_change(tenant_id, rep, False, None)  # not an admin: fine
        expired = Principal(tenant_id, "", ("admin",), "all")
        await keys.issue(expired, "old", datetime.now(UTC) - timedelta(seconds=1))
        with pytest.raises(LastAdminCredential) as refused:
            await keys.check_user_change(tenant_id, boss, active, roles)
        await keys.issue(Principal(tenant_id, "", ("admin",), "all"), "ops")
        await keys.check_user_change(tenant_id, boss, active, roles)  # a key stays
        return refused.value

    refused = _store(mongo_uri, database_name, scenario)
    assert [v.field for v in refused.violations] == [field]


def test_deactivating_a_person_counts_the_admin_keys_acting_as_them(
    mongo_uri, database_name, tenant_id
):
    async def scenario(keys, db):
        ops = await _person(db, tenant_id, "ops@acme.cn", ["integration"])
        await keys.issue(Principal(tenant_id, ops.id, ("admin",), "all"), "ops")
        with pytest.raises(LastAdminCredential):
            await keys.check_user_change(tenant_id, ops, False, None)
        await keys.check_user_change(tenant_id, ops, None, ["sales_rep"])  # keys stay
        await _person(db, tenant_id, "boss@acme.cn", ["admin"])
        await keys.check_user_change(tenant_id, ops, False, None)

    _store(mongo_uri, database_name, scenario)
