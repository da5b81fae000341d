"""Access tokens: short-lived ES256 JWTs the gateway signs at sign-in, and, when an
external OpenID Connect issuer is configured, that issuer's tokens too.

A token names the tenant, the person, their roles and team, and the session (refresh
token family) it came from. It is not looked up per request: its short life (15 min by
default) bounds how long a removed role or a deactivated person keeps access, and the
session's refresh token is revoked at once.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Iterable
from typing import Any

import jwt

from gateway.access.authz import ROLES
from gateway.config import GatewaySettings
from gateway.identity.caller import Caller, person
from gateway.identity.signing import ALGORITHM, KeyRing

LEEWAY_SECONDS = 30  # clock skew between replicas and issuers


class AccessTokens:
    def __init__(self, ring: KeyRing, settings: GatewaySettings) -> None:
        self.ring = ring
        self.issuer = settings.jwt_issuer
        self.audience = settings.jwt_audience
        self.lifetime = settings.access_token_seconds

    def issue(
        self, tenant_id: str, user_id: str, roles: Iterable[str], team_id: str, session_id: str
    ) -> str:
        now = int(time.time())
        return self.ring.sign(
            {
                "iss": self.issuer,
                "aud": self.audience,
                "sub": user_id,
                "tid": tenant_id,
                "roles": list(roles),
                "team": team_id,
                "sid": session_id,
                "iat": now,
                "exp": now + self.lifetime,
                "jti": secrets.token_hex(8),
            }
        )

    def verify(self, token: str, kid: str) -> Caller | None:
        key = self.ring.key_for(kid)
        if key is None:
            return None
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "sub", "tid"]},
            )
        except jwt.PyJWTError:
            return None
        return _caller(claims, "tid", "roles", "team", session=str(claims.get("sid", "")))


class OidcTokens:
    """Tokens of an external issuer (Keycloak, Azure AD, Authing, ...), verified with the
    keys its JWKS URL publishes; tenant, roles and team come from configured claims."""

    def __init__(self, settings: GatewaySettings) -> None:
        self.issuer = settings.oidc_issuer
        self.audience = settings.oidc_audience or None
        self.claims = (
            settings.oidc_tenant_claim,
            settings.oidc_roles_claim,
            settings.oidc_team_claim,
        )
        self.jwks = jwt.PyJWKClient(settings.oidc_jwks_url, cache_keys=True, lifespan=300)

    async def verify(self, token: str) -> Caller | None:
        try:
            # The client fetches the key set over HTTP (cached), so not on the event loop.
            signing_key = await asyncio.to_thread(self.jwks.get_signing_key_from_jwt, token)
            claims = jwt.decode(
                token,
                signing_key.key,
                algorithms=["RS256", "ES256", "PS256", "EdDSA"],
                audience=self.audience,
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "sub"], "verify_aud": self.audience is not None},
            )
        except (jwt.PyJWTError, OSError):
            return None
        tenant_claim, roles_claim, team_claim = self.claims
        return _caller(claims, tenant_claim, roles_claim, team_claim, session="")


def _caller(
    claims: dict[str, Any], tenant_claim: str, roles_claim: str, team_claim: str, session: str
) -> Caller | None:
    tenant = claims.get(tenant_claim)
    raw_roles = claims.get(roles_claim, [])
    if isinstance(raw_roles, str):
        raw_roles = raw_roles.split()
    roles = [r for r in raw_roles if isinstance(r, str) and r in ROLES]
    if not isinstance(tenant, str) or not tenant or not roles:
        return None
    team = claims.get(team_claim, "")
    return person(tenant, str(claims["sub"]), roles, team if isinstance(team, str) else "", session)


class TokenVerifier:
    """Picks the verifier by the token's issuer: ours, or the configured OIDC issuer."""

    def __init__(self, local: AccessTokens, oidc: OidcTokens | None) -> None:
        self.local = local
        self.oidc = oidc

    async def verify(self, token: str) -> Caller | None:
        try:
            header = jwt.get_unverified_header(token)
            issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
        except jwt.PyJWTError:
            return None
        if issuer == self.local.issuer:
            return self.local.verify(token, str(header.get("kid", "")))
        if self.oidc is not None and issuer == self.oidc.issuer:
            return await self.oidc.verify(token)
        return None
