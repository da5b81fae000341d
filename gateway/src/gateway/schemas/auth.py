"""Sign-in, refresh and the token pair; the public JWKS document."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from gateway.conventions.bodies import RequestBody


class SignInRequest(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"tenant": "acme", "email": "li.na@acme.cn", "password": "correct horse battery"}
            ]
        }
    )

    tenant: str = Field(min_length=1, max_length=40, description="The tenant's id")
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=256)


class RefreshRequest(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"refresh_token": "crt_3f9a..._Qm9v..."}]}
    )

    refresh_token: str = Field(min_length=1, max_length=256)


class Tokens(BaseModel):
    access_token: str = Field(description="ES256 JWT for `Authorization: Bearer`")
    token_type: str = "Bearer"  # noqa: S105 (the OAuth 2 token type, not a secret)
    expires_in: int = Field(description="Seconds the access token stays valid")
    refresh_token: str = Field(description="Single use; each refresh returns the next one")
    refresh_expires_in: int


class Jwks(BaseModel):
    keys: list[dict[str, Any]]
