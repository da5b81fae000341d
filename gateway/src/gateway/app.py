"""The gateway's FastAPI application: routes, errors, auth, tracing, metrics."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from crm_runtime import metrics
from crm_runtime.config import Settings
from fastapi import FastAPI
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from pymongo import AsyncMongoClient

from gateway import openapi, problems
from gateway.clients import connect_services
from gateway.keys import ApiKeyStore
from gateway.middleware import RequestMiddleware
from gateway.routes import analytics, inbox, leads

DESCRIPTION = """
Lead-to-cash (线索到回款) API. Authenticate with `Authorization: Bearer <API key>`.
Every error is `application/problem+json` naming each bad field.
"""


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            settings.mongo_uri, tz_aware=True, appname="crm-gateway"
        )
        app.state.keys = ApiKeyStore(mongo, settings.database)
        app.state.services = connect_services(settings)
        metrics.PROCESS_READY.labels("gateway", "gateway").set(1)
        yield
        metrics.PROCESS_READY.labels("gateway", "gateway").set(0)
        await app.state.services.close()
        await mongo.close()

    app = FastAPI(
        title="CRM platform API",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    problems.install(app)
    openapi.install(app)
    for module in (leads, inbox, analytics):
        app.include_router(module.router)

    @app.get("/healthz", tags=["operations"], summary="Liveness of the gateway process")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.add_middleware(RequestMiddleware)
    app.add_middleware(OpenTelemetryMiddleware, excluded_urls="healthz,metrics")
    return app
