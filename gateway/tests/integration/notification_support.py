"""An in-process notification service on the embedded MongoDB for the gateway's
integration tests, with the deployment settings a test gives (SMTP server, webhook CA),
and a caller of the gateway per role. The worker's part is called on the app directly."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from crm_runtime.rpc.server import GrpcApp
from crm_runtime.testing.fixtures import settings_for
from crm_runtime.wiring import build
from gateway_support import api_key, seed
from notification.apps import NotificationApp, app_builder
from notification.grpc_api import register
from notification.indexes import ensure_indexes
from notification.webhooks.sealing import new_key_spec


@contextmanager
def notification_service(
    mongo_client: Any, mongo_uri: str, database_name: str, **env: str
) -> Iterator[tuple[NotificationApp, str]]:
    database = f"{database_name}_ntf"
    settings = settings_for(
        "notification", "api", mongo_uri, database, CRM_GRPC_HOST="127.0.0.1", **env
    )
    app = build(settings, mongo_client, ensure_indexes, app_builder(settings))
    server = GrpcApp(settings, register(app))
    server.start()
    try:
        yield app, f"127.0.0.1:{server.port}"
    finally:
        server.stop(grace=0)
        mongo_client.drop_database(database)


def outbound_settings(ca_file: str) -> dict[str, str]:
    """What a notification service calling local HTTPS receivers needs: a key to seal
    secrets, `localhost` allowed, and the receivers' CA."""
    return {
        "CRM_NOTIFICATION_SECRET_KEYS": new_key_spec(),
        "CRM_NOTIFICATION_WEBHOOK_PRIVATE_HOSTS": "localhost",
        "CRM_NOTIFICATION_WEBHOOK_CA_FILE": ca_file,
    }


def gateway_caller(
    mongo_uri: str, database_name: str, gateway_app: Any, tenant_id: str, address: str
) -> Any:
    """call(role, method, path, tenant=..., headers=..., **httpx kwargs) with a key of
    that role in that tenant."""
    seed(mongo_uri, database_name, tenant_id)
    client = gateway_app(CRM_NOTIFICATION_ADDR=address)

    def call(
        role: str,
        method: str,
        path: str,
        tenant: str = tenant_id,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        token = api_key(mongo_uri, database_name, tenant, f"{role}-1", role)
        return client.request(
            method, path, headers={"Authorization": f"Bearer {token}", **(headers or {})}, **kwargs
        )

    return call
