"""Authentication: `Authorization: Bearer <credential>` -> the caller it identifies.

Two kinds of credential: API keys (`crm_<id>_<secret>`, for machines) and access tokens
(JWTs from sign-in or from a configured OIDC issuer, for people). The tenant comes only
from the credential, never from the request.
"""

from __future__ import annotations

from typing import Annotated

from crm_runtime import metrics
from crm_runtime.principal import Principal
from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gateway.context import context
from gateway.identity.api_keys import PREFIX
from gateway.identity.caller import Caller

bearer = HTTPBearer(
    auto_error=False,
    description="An API key (`crm_<id>_<secret>`) or an access token from /v1/auth/sign-in",
)
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="crm"'}


def _refuse(reason: str, detail: str) -> HTTPException:
    metrics.GATEWAY_AUTH_FAILURES.labels("gateway", reason).inc()
    return HTTPException(401, detail, CHALLENGE)


async def current_caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _refuse("missing", "a credential is required: Authorization: Bearer <key or token>")
    token = credentials.credentials
    ctx = context(request)
    if token.startswith(f"{PREFIX}_"):
        caller = await ctx.keys.verify(token)
        if caller is None:
            raise _refuse("api_key", "the API key is unknown, revoked or expired")
        return caller
    caller = await ctx.verifier.verify(token)
    if caller is None:
        raise _refuse("token", "the access token is invalid or expired; sign in or refresh")
    return caller


async def authenticate(caller: Annotated[Caller, Depends(current_caller)]) -> Principal:
    return caller.principal


CurrentCaller = Annotated[Caller, Depends(current_caller)]
CurrentPrincipal = Annotated[Principal, Depends(authenticate)]
