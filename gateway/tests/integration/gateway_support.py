"""What the gateway's integration tests share: the real Redis (the db the settings
give), the gateway app in-process on the embedded MongoDB, and tenants seeded through
the gateway's own stores. Test modules import the fixtures they use from here (a
conftest.py of our own would shadow the `conftest` other suites import from).

Services' addresses point at closed ports unless a test says otherwise: what these
suites check happens in the gateway, and a closed port is how a down service looks.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import redis
from crm_runtime.config import SERVICES, Settings
from crm_runtime.principal import Principal
from crm_runtime.testing.servers import free_port
from fastapi.testclient import TestClient
from gateway.access.authz import data_scope
from gateway.app import create_app
from gateway.config import GatewaySettings
from gateway.identity.api_keys import ApiKeyStore
from gateway.identity.passwords import hash_password
from gateway.identity.tenants import TenantStore
from gateway.identity.users import UserStore, ensure_user_indexes
from pymongo import AsyncMongoClient

PASSWORD = "correct horse battery"


def gateway_settings(mongo_uri: str, database: str, redis_url: str, **env: str) -> Settings:
    closed = {f"CRM_{name.upper()}_ADDR": f"127.0.0.1:{free_port()}" for name in SERVICES}
    return Settings.from_env(
        "gateway",
        "gateway",
        {
            "CRM_MONGO_URI": mongo_uri,
            "CRM_MONGO_DB": database,
            "CRM_REDIS_URL": redis_url,
            "CRM_GRPC_DEADLINE_SECONDS": "2",
            **closed,
            **env,
        },
    )


@dataclass
class Seeded:
    tenant_id: str
    admin_key: str
    users: dict[str, str]  # email -> user id


def seed(
    mongo_uri: str,
    database: str,
    tenant_id: str,
    people: dict[str, list[str]] | None = None,
    **limits: float,
) -> Seeded:
    """A tenant with an admin API key and people (email -> roles), through the stores."""

    async def main() -> Seeded:
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_uri, tz_aware=True)
        try:
            db = client[database]
            await ensure_user_indexes(db)
            await TenantStore(db).create(tenant_id, tenant_id, "standard", dict(limits))
            admin = Principal(tenant_id, "ops", ("admin",), data_scope(["admin"]))
            key = (await ApiKeyStore(db).issue(admin, "tests")).token
            users = UserStore(db, tenant_id)
            found = {}
            for email, roles in (people or {}).items():
                user = await users.create(
                    email, email.split("@")[0], roles, "", await hash_password(PASSWORD)
                )
                found[email] = user.id
            return Seeded(tenant_id, key, found)
        finally:
            await client.close()

    return asyncio.run(main())


@pytest.fixture(scope="session")
def redis_url() -> str:
    return Settings.from_env("gateway", "gateway").redis_url


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    client.close()


@pytest.fixture
def tenant_id(redis_client: redis.Redis) -> Iterator[str]:
    """A tenant id of the test's own; its Redis keys (limits, idempotency) go afterwards."""
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    yield tenant
    for key in redis_client.scan_iter(match=f"*{{{tenant}}}*", count=500):
        redis_client.delete(key)


@pytest.fixture
def gateway_app(mongo_uri: str, database_name: str, redis_url: str):
    """`make(**env)` -> a started TestClient of the gateway on this test's database."""
    clients: list[TestClient] = []

    def make(gateway: GatewaySettings | None = None, **env: str) -> TestClient:
        settings = gateway_settings(mongo_uri, database_name, redis_url, **env)
        client = TestClient(create_app(settings, gateway or GatewaySettings()))
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)
