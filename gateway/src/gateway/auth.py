"""Authentication: `Authorization: Bearer <API key>` -> the principal the key acts as.

The tenant comes only from the credential, never from the request.
"""

from __future__ import annotations

from typing import Annotated

from crm_runtime.principal import Principal
from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gateway.keys import ApiKeyStore

bearer = HTTPBearer(auto_error=False, description="An API key: `crm_<id>_<secret>`")
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="crm"'}


async def authenticate(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(401, "an API key is required: Authorization: Bearer <key>", CHALLENGE)
    keys: ApiKeyStore = request.app.state.keys
    principal = await keys.verify(credentials.credentials)
    if principal is None:
        raise HTTPException(401, "the API key is unknown, revoked or expired", CHALLENGE)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(authenticate)]
