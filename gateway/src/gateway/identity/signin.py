"""Signing people in: password -> access token + refresh token; refresh; sign out.

Attempts are rate-limited per account and per client address before any password is
checked, and every failure reads the same, so an attacker learns neither which
accounts exist nor which part was wrong.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from crm_runtime import metrics
from crm_runtime.errors import NotFound, Unauthenticated
from fastapi import HTTPException

from gateway.context import Context
from gateway.identity.caller import Caller, person
from gateway.identity.passwords import hash_password, needs_rehash, verify_password
from gateway.identity.refresh import Session
from gateway.identity.users import User
from gateway.traffic.ratelimit import Bucket

LOGIN_TAG = "login"  # hash tag of address buckets, which belong to no tenant


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    expires_in: int
    refresh_token: str
    refresh_expires_in: int


class SignIn:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def _limit(self, name: str, key: str, rate: tuple[float, float]) -> None:
        burst, seconds = rate
        decision = await self.ctx.limiter.hit([Bucket(name, key, burst / seconds, burst)])
        if decision is not None and not decision.allowed:
            raise HTTPException(
                429,
                f"too many sign-in attempts; retry in {decision.retry_after} s",
                decision.headers(),
            )

    async def limit_account(self, tenant_id: str, email: str) -> None:
        """Password guesses against one account, wherever they come from."""
        account = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
        key = self.ctx.limiter.key(tenant_id or "-", "login", account)
        await self._limit("login_account", key, self.ctx.settings.login_account_rate)

    async def with_password(
        self, tenant_id: str, email: str, password: str, address: str
    ) -> tuple[TokenPair, Caller]:
        settings, limiter = self.ctx.settings, self.ctx.limiter
        await self._limit(
            "login_address",
            limiter.key(LOGIN_TAG, address or "unknown"),
            settings.login_address_rate,
        )
        await self.limit_account(tenant_id, email)
        users = self.ctx.users(tenant_id) if tenant_id else None
        found = await users.credentials(email) if users else None
        stored = found[1] if found else None
        if not await verify_password(stored, password) or found is None or not found[0].active:
            metrics.GATEWAY_AUTH_FAILURES.labels("gateway", "password").inc()
            raise Unauthenticated("the tenant, email or password is wrong")
        user = found[0]
        if users is not None and stored is not None and needs_rehash(stored):
            await users.update(user.id, {"password_hash": await hash_password(password)}, None)
        session, refresh_token = await self.ctx.refresh_tokens.start(tenant_id, user.id)
        return self._pair(user, session, refresh_token)

    async def refreshed(self, refresh_token: str) -> tuple[TokenPair, Caller]:
        rotated = await self.ctx.refresh_tokens.rotate(refresh_token)
        if rotated is None:
            metrics.GATEWAY_AUTH_FAILURES.labels("gateway", "refresh").inc()
            raise Unauthenticated("the refresh token is invalid, expired or revoked; sign in")
        session, next_token = rotated
        try:
            user = await self.ctx.users(session.tenant_id).get(session.user_id)
        except NotFound as exc:  # removed from under the session: same answer as revoked
            raise Unauthenticated("the refresh token's user no longer exists") from exc
        if not user.active:
            await self.ctx.refresh_tokens.revoke_user(session.tenant_id, user.id)
            raise Unauthenticated("the user is deactivated")
        return self._pair(user, session, next_token)

    async def sign_out(self, refresh_token: str) -> Caller | None:
        session = await self.ctx.refresh_tokens.revoke(refresh_token)
        if session is None:
            return None
        try:
            user = await self.ctx.users(session.tenant_id).get(session.user_id)
        except NotFound:
            return None
        return person(session.tenant_id, user.id, user.roles, user.team_id, session.session_id)

    def _pair(self, user: User, session: Session, refresh_token: str) -> tuple[TokenPair, Caller]:
        settings = self.ctx.settings
        access = self.ctx.access_tokens.issue(
            user.tenant_id, user.id, user.roles, user.team_id, session.session_id
        )
        pair = TokenPair(
            access, settings.access_token_seconds, refresh_token, settings.refresh_token_seconds
        )
        return pair, person(user.tenant_id, user.id, user.roles, user.team_id, session.session_id)
