"""Tenants keep their plan and their own overrides; the rest follows the plan."""

import asyncio

import pytest
from crm_runtime.errors import AlreadyExists, ValidationFailed
from gateway.identity.tenants import PLANS, TenantStore
from pymongo import AsyncMongoClient


def _run(mongo_uri, database_name, scenario):
    async def main():
        client = AsyncMongoClient(mongo_uri, tz_aware=True)
        try:
            return await scenario(TenantStore(client[database_name], ttl=0))
        finally:
            await client.close()

    return asyncio.run(main())


def test_limits_are_the_plans_with_the_tenants_overrides(mongo_uri, database_name):
    async def scenario(tenants):
        await tenants.create(
            "acme", "Acme", "business", {"credential_burst": 3, "tenant_rate": None}
        )
        created = await tenants.get("acme")
        moved = await tenants.set_plan("acme", "enterprise", {"tenant_rate": 7})
        return created, moved, await tenants.limits("acme"), await tenants.limits("nobody")

    created, moved, limits, unknown = _run(mongo_uri, database_name, scenario)
    assert created.limits.credential_burst == 3
    assert created.limits.credential_rate == PLANS["business"].credential_rate
    assert moved.plan == "enterprise" and moved.overrides == {
        "credential_burst": 3,
        "tenant_rate": 7,
    }
    assert limits.tenant_burst == PLANS["enterprise"].tenant_burst and limits.tenant_rate == 7
    assert unknown == PLANS["standard"]


@pytest.mark.parametrize(
    ("tenant_id", "plan", "overrides"),
    [("Acme!", "standard", {}), ("acme", "gold", {}), ("acme", "standard", {"tenant_rate": 0})],
)
def test_bad_tenants_plans_and_limits_are_refused(
    mongo_uri, database_name, tenant_id, plan, overrides
):
    with pytest.raises(ValidationFailed):
        _run(mongo_uri, database_name, lambda t: t.create(tenant_id, "", plan, overrides))


def test_a_tenant_is_created_once(mongo_uri, database_name):
    async def scenario(tenants):
        await tenants.create("acme", "", "standard")
        ensured = await tenants.ensure("acme")
        with pytest.raises(AlreadyExists):
            await tenants.create("acme", "", "standard")
        return ensured

    assert _run(mongo_uri, database_name, scenario).id == "acme"
