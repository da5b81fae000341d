"""pytest fixtures every suite shares (loaded by the repository's root conftest.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from pymongo import MongoClient

from crm_runtime.config import Settings
from crm_runtime.testing.servers import embedded_mongo


@pytest.fixture(scope="session")
def mongo_uri() -> Iterator[str]:
    with embedded_mongo() as uri:
        yield uri


@pytest.fixture(scope="session")
def mongo_client(mongo_uri: str) -> Iterator[MongoClient[dict[str, Any]]]:
    client: MongoClient[dict[str, Any]] = MongoClient(mongo_uri, tz_aware=True)
    yield client
    client.close()


@pytest.fixture
def database_name(mongo_client: MongoClient[dict[str, Any]]) -> Iterator[str]:
    """A database of the test's own, dropped afterwards."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    yield name
    mongo_client.drop_database(name)


def settings_for(
    service: str, process: str, mongo_uri: str, database: str, **extra: Any
) -> Settings:
    env = {
        "CRM_MONGO_URI": mongo_uri,
        "CRM_MONGO_DB": database,
        "CRM_GRPC_PORT": "0",
        "CRM_METRICS_PORT": "0",
    }
    env.update({k: str(v) for k, v in extra.items()})
    return Settings.from_env(service, process, env)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Worker suites need an eventlet-patched process (`make test-worker`); in a plain
    pytest run they are skipped with that reason instead of failing confusingly."""
    from eventlet import patcher

    if patcher.is_monkey_patched("socket"):
        return
    skip = pytest.mark.skip(reason="worker tests run under eventlet: make test-worker")
    for item in items:
        if "/tests/worker/" in str(item.path):
            item.add_marker(skip)
