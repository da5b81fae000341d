"""The gateway's FastAPI application: routes, errors, identity, limits, tracing, metrics."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from crm_runtime import metrics
from crm_runtime.config import Settings
from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from pymongo import AsyncMongoClient
from redis.asyncio import Redis

from gateway.access.audit import AuditLog, RecordWrites, ensure_audit_indexes
from gateway.access.guard import undeclared_routes
from gateway.clients import connect_services
from gateway.config import GatewaySettings
from gateway.context import Context
from gateway.conventions import openapi, problems
from gateway.identity.api_keys import ApiKeyStore, ensure_key_indexes
from gateway.identity.refresh import RefreshTokens, ensure_refresh_indexes
from gateway.identity.signing import KeyRing
from gateway.identity.teams import ensure_team_indexes
from gateway.identity.tenants import TenantStore
from gateway.identity.tokens import AccessTokens, OidcTokens, TokenVerifier
from gateway.identity.users import ensure_user_indexes
from gateway.lead_forms import LeadFormStore, ensure_form_indexes
from gateway.routes import (
    account_360,
    accounts,
    analytics,
    api_keys,
    approvals,
    audit_log,
    auth,
    chat_robots,
    contacts,
    contract_lifecycle,
    contract_templates,
    contracts,
    email,
    form_submissions,
    inbox,
    lead_config,
    lead_conversion,
    lead_custom_fields,
    lead_edits,
    lead_export,
    lead_forms,
    lead_imports,
    lead_work,
    leads,
    me,
    opportunities,
    opportunity_stages,
    payment_plans,
    pipelines,
    quotes,
    receipts,
    teams,
    users,
    webhooks,
)
from gateway.traffic import idempotency
from gateway.traffic.middleware import RequestMiddleware
from gateway.traffic.ratelimit import RateLimiter

DESCRIPTION = """
Lead-to-cash (线索到回款) API.

**Credentials.** `Authorization: Bearer <credential>`, where the credential is an API key
(`crm_<id>_<secret>`, for integrations) or an access token from `POST /v1/auth/sign-in`
(for people; refresh it with `POST /v1/auth/refresh`). The tenant is the credential's.
A public web form's submission (`POST /v1/forms/{form_key}/leads`) takes none: its
form key names the tenant (see the `lead forms` operations).

**Roles.** Each operation names its action (`x-crm-action`) and the roles allowed to
perform it (`x-crm-roles`); others get 403. Records are further limited to the
caller's data scope (own, team or all), so another tenant's or another rep's records
are 404.

**Limits.** Requests spend from the credential's and the tenant's token buckets
(`RateLimit-*` headers); an empty bucket answers 429 with `Retry-After`.

**Retries.** Send `Idempotency-Key` on a POST to make it safe to retry for 24 h.

**Errors.** Every error is `application/problem+json` naming each bad field.
"""


def create_app(settings: Settings, gateway: GatewaySettings | None = None) -> FastAPI:
    config = gateway or GatewaySettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            settings.mongo_uri, tz_aware=True, appname="crm-gateway"
        )
        db = mongo[settings.database]
        for ensure in (ensure_user_indexes, ensure_team_indexes, ensure_key_indexes):
            await ensure(db)
        await ensure_refresh_indexes(db)
        await ensure_form_indexes(db)
        await ensure_audit_indexes(db, config.audit_retention_days)
        redis = Redis.from_url(
            settings.redis_url, decode_responses=True, socket_timeout=2, socket_connect_timeout=2
        )
        ring = KeyRing.from_jwks(config.jwt_keys, config.jwt_active_kid)
        access_tokens = AccessTokens(ring, config)
        ctx = Context(
            settings=config,
            db=db,
            ring=ring,
            tenants=TenantStore(db, config.default_plan, config.tenant_cache_seconds),
            keys=ApiKeyStore(db, config.api_key_cache_seconds),
            access_tokens=access_tokens,
            verifier=TokenVerifier(
                access_tokens, OidcTokens(config) if config.oidc_issuer else None
            ),
            refresh_tokens=RefreshTokens(db, config.refresh_token_seconds),
            limiter=RateLimiter(redis),
            idempotency=idempotency.IdempotencyStore(
                redis,
                config.idempotency_ttl_seconds,
                config.idempotency_wait_seconds,
                settings.grpc_deadline_seconds * 6,
            ),
            audit=AuditLog(db),
            services=connect_services(
                settings, config.breaker_failures, config.breaker_cooldown_seconds
            ),
            forms=LeadFormStore(db, config.api_key_cache_seconds),
        )
        app.state.ctx = ctx
        metrics.PROCESS_READY.labels("gateway", "gateway").set(1)
        yield
        metrics.PROCESS_READY.labels("gateway", "gateway").set(0)
        await ctx.services.close(grace=settings.shutdown_grace_seconds)
        await redis.aclose()
        await mongo.close()

    app = FastAPI(
        title="CRM platform API",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        openapi_url="/openapi.json",
        # /v1/teams/ is not /v1/teams: a redirect would answer a read of one team
        # (with an empty id) with the list.
        redirect_slashes=False,
    )
    problems.install(app)
    openapi.install(app)
    for module in (
        leads,
        lead_edits,
        lead_work,
        lead_conversion,
        lead_config,
        lead_imports,
        lead_export,
        accounts,
        account_360,
        contacts,
        pipelines,
        opportunities,
        opportunity_stages,
        quotes,
        approvals,
        contract_templates,
        contracts,
        contract_lifecycle,
        payment_plans,
        receipts,
        lead_custom_fields,
        lead_forms,
        form_submissions,
        inbox,
        analytics,
        auth,
        me,
        users,
        teams,
        api_keys,
        audit_log,
        webhooks,
        email,
        chat_robots,
    ):
        app.include_router(module.router)
    app.include_router(auth.wellknown)
    undeclared = undeclared_routes(app)
    if undeclared:
        raise RuntimeError(f"routes without Depends(authorize(...)): {undeclared}")

    @app.get("/healthz", tags=["operations"], summary="Liveness of the gateway process")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    # Outermost last: tracing sees everything; gzip wraps what the audit log and the
    # idempotency store read, so they keep plain bodies.
    idempotency.install(app)
    app.add_middleware(RecordWrites)
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(RequestMiddleware)
    # One server span per request is the trace; spans per ASGI message are noise that
    # costs more than the gateway's own work.
    app.add_middleware(
        OpenTelemetryMiddleware, excluded_urls="healthz,metrics", exclude_spans=["receive", "send"]
    )
    return app
