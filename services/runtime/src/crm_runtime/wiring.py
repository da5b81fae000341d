"""How a service's pieces are put together, written once for every service:
a Mongo client, the service's indexes, a unit of work with the outbox, the app object,
and the gRPC server around it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pymongo import MongoClient
from pymongo.database import Database

from crm_runtime.config import Settings
from crm_runtime.messaging.outbox import OutboxWriter
from crm_runtime.storage.mongo import Doc, UnitOfWork

EnsureIndexes = Callable[[Database[Doc]], None]
BuildApp = Callable[[UnitOfWork], Any]


def unit_of_work(settings: Settings, client: MongoClient[Doc]) -> UnitOfWork:
    return UnitOfWork(client, settings.database, OutboxWriter(settings.service))


def build(
    settings: Settings, client: MongoClient[Doc], ensure_indexes: EnsureIndexes, build_app: BuildApp
) -> Any:
    ensure_indexes(client[settings.database])
    return build_app(unit_of_work(settings, client))


def serve_api(
    settings: Settings,
    ensure_indexes: EnsureIndexes,
    build_app: BuildApp,
    register: Callable[[Any], Any],
) -> None:
    """Run a service's api process: telemetry, store, app, gRPC server."""
    from crm_runtime.rpc.server import serve
    from crm_runtime.storage.mongo import connect
    from crm_runtime.telemetry import setup_telemetry

    setup_telemetry(settings)
    app = build(settings, connect(settings), ensure_indexes, build_app)
    serve(settings, register(app))
