"""What a request can reach, built once at start-up (never at import) and kept on
`app.state.ctx`: the gateway's stores, Redis-backed limits and keys, service clients."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from pymongo.asynchronous.database import AsyncDatabase

from gateway.access.audit import AuditLog
from gateway.clients import Services
from gateway.config import GatewaySettings
from gateway.identity.api_keys import ApiKeyStore
from gateway.identity.refresh import RefreshTokens
from gateway.identity.signing import KeyRing
from gateway.identity.teams import TeamStore
from gateway.identity.tenants import TenantStore
from gateway.identity.tokens import AccessTokens, TokenVerifier
from gateway.identity.users import UserStore
from gateway.lead_forms import LeadFormStore
from gateway.traffic.idempotency import IdempotencyStore
from gateway.traffic.ratelimit import RateLimiter


@dataclass
class Context:
    settings: GatewaySettings
    db: AsyncDatabase[dict[str, Any]]
    ring: KeyRing
    tenants: TenantStore
    keys: ApiKeyStore
    access_tokens: AccessTokens
    verifier: TokenVerifier
    refresh_tokens: RefreshTokens
    limiter: RateLimiter
    idempotency: IdempotencyStore
    audit: AuditLog
    services: Services
    forms: LeadFormStore

    def users(self, tenant_id: str) -> UserStore:
        return UserStore(self.db, tenant_id)

    def teams(self, tenant_id: str) -> TeamStore:
        return TeamStore(self.db, tenant_id)


def context(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx
