"""The gateway's own settings, read once from the environment beside the runtime's
`Settings` (which every process shares): identity, limits and resilience knobs.

Secrets (the JWT signing keys) arrive through the environment from a Secret; nothing
here has a secret default.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


def _number(env: Mapping[str, str], key: str, default: float) -> float:
    raw = env.get(key, "")
    if raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ValueError(f"{key} must be a number, got {raw!r}") from exc


def _rate(env: Mapping[str, str], key: str, default: tuple[float, float]) -> tuple[float, float]:
    """`<burst>/<seconds>`: at most `burst` at once, refilled over `seconds`."""
    raw = env.get(key, "")
    if raw == "":
        return default
    burst, _, seconds = raw.partition("/")
    try:
        pair = (float(burst), float(seconds or "60"))
    except ValueError as exc:
        raise ValueError(f"{key} must read <attempts>/<seconds>, got {raw!r}") from exc
    if pair[0] <= 0 or pair[1] <= 0:
        raise ValueError(f"{key} must be positive, got {raw!r}")
    return pair


@dataclass(frozen=True)
class GatewaySettings:
    # Signing keys: a JWK Set (JSON) of private keys; every key verifies, the active one
    # signs. Empty: a key is generated per process (one replica, tokens die on restart).
    jwt_keys: str = ""
    jwt_active_kid: str = ""
    jwt_issuer: str = "crm-gateway"
    jwt_audience: str = "crm-api"
    access_token_seconds: int = 900
    refresh_token_seconds: int = 30 * 86400
    # An external OpenID Connect issuer whose access tokens are accepted as well.
    oidc_issuer: str = ""
    oidc_audience: str = ""
    oidc_jwks_url: str = ""
    oidc_tenant_claim: str = "crm_tenant"
    oidc_roles_claim: str = "crm_roles"
    oidc_team_claim: str = "crm_team"
    # Sign-in attempts: per account and per client address (burst, refill seconds).
    login_account_rate: tuple[float, float] = (10, 60)
    login_address_rate: tuple[float, float] = (300, 60)
    default_plan: str = "standard"
    idempotency_ttl_seconds: int = 86400
    idempotency_wait_seconds: float = 10.0
    api_key_cache_seconds: float = 10.0
    tenant_cache_seconds: float = 30.0
    breaker_failures: int = 5
    breaker_cooldown_seconds: float = 5.0
    audit_retention_days: int = 400

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> GatewaySettings:
        env = os.environ if env is None else env
        issuer = env.get("CRM_OIDC_ISSUER", "")
        return cls(
            jwt_keys=env.get("CRM_JWT_KEYS", ""),
            jwt_active_kid=env.get("CRM_JWT_ACTIVE_KID", ""),
            jwt_issuer=env.get("CRM_JWT_ISSUER") or "crm-gateway",
            jwt_audience=env.get("CRM_JWT_AUDIENCE") or "crm-api",
            access_token_seconds=int(_number(env, "CRM_ACCESS_TOKEN_SECONDS", 900)),
            refresh_token_seconds=int(_number(env, "CRM_REFRESH_TOKEN_SECONDS", 30 * 86400)),
            oidc_issuer=issuer,
            oidc_audience=env.get("CRM_OIDC_AUDIENCE", ""),
            oidc_jwks_url=env.get("CRM_OIDC_JWKS_URL", ""),
            oidc_tenant_claim=env.get("CRM_OIDC_TENANT_CLAIM") or "crm_tenant",
            oidc_roles_claim=env.get("CRM_OIDC_ROLES_CLAIM") or "crm_roles",
            oidc_team_claim=env.get("CRM_OIDC_TEAM_CLAIM") or "crm_team",
            login_account_rate=_rate(env, "CRM_LOGIN_RATE_ACCOUNT", (10, 60)),
            login_address_rate=_rate(env, "CRM_LOGIN_RATE_ADDRESS", (300, 60)),
            default_plan=env.get("CRM_DEFAULT_PLAN") or "standard",
            idempotency_ttl_seconds=int(_number(env, "CRM_IDEMPOTENCY_TTL_SECONDS", 86400)),
            idempotency_wait_seconds=_number(env, "CRM_IDEMPOTENCY_WAIT_SECONDS", 10.0),
            api_key_cache_seconds=_number(env, "CRM_API_KEY_CACHE_SECONDS", 10.0),
            tenant_cache_seconds=_number(env, "CRM_TENANT_CACHE_SECONDS", 30.0),
            breaker_failures=int(_number(env, "CRM_BREAKER_FAILURES", 5)),
            breaker_cooldown_seconds=_number(env, "CRM_BREAKER_COOLDOWN_SECONDS", 5.0),
            audit_retention_days=int(_number(env, "CRM_AUDIT_RETENTION_DAYS", 400)),
        )

    def __post_init__(self) -> None:
        if self.oidc_issuer and not self.oidc_jwks_url:
            raise ValueError("CRM_OIDC_JWKS_URL is required when CRM_OIDC_ISSUER is set")
