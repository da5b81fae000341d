"""The end-to-end suite starts its own stack (profile `test`: own ports, database files
and RabbitMQ vhost) and stops it afterwards, so it runs beside a `make up` stack."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pymongo import MongoClient

ROOT = Path(__file__).resolve().parents[2]
STACK = [sys.executable, str(ROOT / "deploy" / "local" / "stack.py")]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "floods_pipeline: writes thousands of events (bulk imports); runs after the rest",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that flood the event pipeline go last: the workers need minutes to work off
    a few thousand events on the embedded MongoDB, and every test after them (the lead
    slice times one event's delivery to the inbox) would queue behind that backlog."""
    items.sort(key=lambda item: item.get_closest_marker("floods_pipeline") is not None)


def _read_env(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {k: v for k, v in pairs}


@pytest.fixture(scope="session")
def stack() -> Iterator[dict[str, str]]:
    subprocess.run([*STACK, "up", "--profile", "test"], check=True, timeout=300)
    try:
        yield _read_env(ROOT / ".local" / "test" / "dev.env")
    finally:
        subprocess.run([*STACK, "down", "--profile", "test"], check=False, timeout=120)


@pytest.fixture(scope="session")
def tenant_key(stack: dict[str, str]) -> str:
    """An admin key of a tenant of this run's own, so counts start from zero whatever
    earlier runs left in the test stack's database."""
    tenant = f"e2e-{uuid.uuid4().hex[:8]}"
    issued = subprocess.run(
        [
            sys.executable,
            "-m",
            "gateway.admin",
            "issue-key",
            "--tenant",
            tenant,
            "--user",
            "e2e-admin",
            "--role",
            "admin",
            "--scope",
            "all",
            "--name",
            "e2e",
        ],
        env={**os.environ, **stack},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return issued.stdout.strip()


@pytest.fixture(scope="session")
def api(stack: dict[str, str], tenant_key: str) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {tenant_key}"}
    with httpx.Client(base_url=stack["CRM_GATEWAY_URL"], headers=headers, timeout=10) as client:
        yield client


@pytest.fixture(scope="session")
def mongo(stack: dict[str, str]) -> Iterator[MongoClient]:
    client: MongoClient = MongoClient(stack["CRM_MONGO_URI"], tz_aware=True)
    yield client
    client.close()


@pytest.fixture(scope="session")
def live_spec(stack: dict[str, str]) -> dict:
    """The OpenAPI document the running gateway serves."""
    response = httpx.get(f"{stack['CRM_GATEWAY_URL']}/openapi.json", timeout=10)
    response.raise_for_status()
    return response.json()


@pytest.fixture(scope="session")
def tenant_factory(stack: dict[str, str]):
    """`tenant_factory(*limit_options)` -> a fresh tenant with an admin key
    (tests/e2e/identity_support.py)."""
    from identity_support import new_tenant

    return lambda *options: new_tenant(stack, *options)
