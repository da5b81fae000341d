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

import grpc
import pytest
import redis
from crm.lead.v1 import lead_pb2, lead_pb2_grpc
from crm_runtime.config import SERVICES, Settings
from crm_runtime.principal import Principal
from crm_runtime.rpc.server import GrpcApp
from crm_runtime.testing.fixtures import settings_for
from crm_runtime.testing.servers import free_port
from crm_runtime.wiring import build
from fastapi.testclient import TestClient
from gateway.access.authz import data_scope
from gateway.app import create_app
from gateway.config import GatewaySettings
from gateway.identity.api_keys import ApiKeyStore
from gateway.identity.passwords import hash_password
from gateway.identity.tenants import TenantStore
from gateway.identity.users import UserStore, ensure_user_indexes
from lead.grpc_api import LeadApps
from lead.grpc_api import register as register_lead
from lead.indexes import ensure_indexes as lead_indexes
from opportunity.conversion.lead_client import LeadClient
from opportunity.grpc_api import OpportunityApps, register
from opportunity.indexes import ensure_indexes
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


@pytest.fixture
def service_addresses(mongo_client, mongo_uri, database_name) -> Iterator[dict[str, str]]:
    """In-process lead and opportunity services on this test's databases (the
    opportunity service calling the lead service through its real client): their
    addresses as the gateway's settings name them."""
    lead_db, opp_db = f"{database_name}_lead", f"{database_name}_opp"
    lead_settings = settings_for("lead", "api", mongo_uri, lead_db, CRM_GRPC_HOST="127.0.0.1")
    lead_app = GrpcApp(
        lead_settings,
        register_lead(build(lead_settings, mongo_client, lead_indexes, LeadApps.build)),
    )
    lead_app.start()
    lead_address = f"127.0.0.1:{lead_app.port}"
    settings = settings_for(
        "opportunity",
        "api",
        mongo_uri,
        opp_db,
        CRM_GRPC_HOST="127.0.0.1",
        CRM_LEAD_ADDR=lead_address,
    )
    leads = LeadClient.connect(settings)
    opp_app = GrpcApp(
        settings,
        register(
            build(settings, mongo_client, ensure_indexes, lambda u: OpportunityApps.build(u, leads))
        ),
    )
    opp_app.start()
    yield {"CRM_LEAD_ADDR": lead_address, "CRM_OPPORTUNITY_ADDR": f"127.0.0.1:{opp_app.port}"}
    opp_app.stop(grace=0)
    lead_app.stop(grace=0)
    mongo_client.drop_database(lead_db)
    mongo_client.drop_database(opp_db)


def api_key(mongo_uri: str, database_name: str, tenant: str, user: str, *roles: str) -> str:
    """An API key of `user` with `roles` in `tenant`, issued through the store."""

    async def main() -> str:
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_uri, tz_aware=True)
        try:
            principal = Principal(tenant, user, roles, data_scope(roles))
            return (await ApiKeyStore(client[database_name]).issue(principal, "tests")).token
        finally:
            await client.close()

    return asyncio.run(main())


@pytest.fixture
def service_api(mongo_uri, database_name, gateway_app, tenant_id, service_addresses):
    """`call(role, method, path, tenant=, headers=, **kwargs)` through the gateway to the
    in-process services, with an API key of that role (user `<role>-1`, a rep of the
    lead service too, so that leads can be assigned to `sales_rep-1`)."""
    addresses = service_addresses
    seed(mongo_uri, database_name, tenant_id)
    client = gateway_app(**addresses)
    with grpc.insecure_channel(addresses["CRM_LEAD_ADDR"]) as channel:
        admin = Principal(tenant_id, "admin", ("admin",), "all").to_metadata()
        rep = lead_pb2.UpsertRepRequest(rep=lead_pb2.Rep(id="sales_rep-1", active=True))
        lead_pb2_grpc.LeadServiceStub(channel).UpsertRep(rep, metadata=admin)

    def call(role, method, path, tenant=tenant_id, headers=None, **kwargs):
        token = api_key(mongo_uri, database_name, tenant, f"{role}-1", role)
        headers = {"Authorization": f"Bearer {token}", **(headers or {})}
        return client.request(method, path, headers=headers, **kwargs)

    return call
