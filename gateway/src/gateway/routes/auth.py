"""/v1/auth: people sign in for an access token and a refresh token; /.well-known/jwks.json
publishes the keys that verify access tokens."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from gateway.access.audit import CALLER
from gateway.access.guard import public
from gateway.context import context
from gateway.conventions.problems import PUBLIC_PROBLEM_RESPONSES
from gateway.identity.signin import SignIn, TokenPair
from gateway.schemas.auth import Jwks, RefreshRequest, SignInRequest, Tokens

router = APIRouter(prefix="/v1/auth", tags=["auth"], responses=PUBLIC_PROBLEM_RESPONSES)
wellknown = APIRouter(tags=["auth"])
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _tokens(pair: TokenPair, response: Response) -> Tokens:
    response.headers.update(NO_STORE)
    return Tokens(
        access_token=pair.access_token,
        expires_in=pair.expires_in,
        refresh_token=pair.refresh_token,
        refresh_expires_in=pair.refresh_expires_in,
    )


@router.post(
    "/sign-in",
    response_model=Tokens,
    summary="Sign in with email and password",
    dependencies=[Depends(public("auth:sign_in"))],
)
async def sign_in(body: SignInRequest, request: Request, response: Response) -> Tokens:
    address = request.client.host if request.client else ""
    pair, caller = await SignIn(context(request)).with_password(
        body.tenant, body.email, body.password, address
    )
    setattr(request.state, CALLER, caller)
    return _tokens(pair, response)


@router.post(
    "/refresh",
    response_model=Tokens,
    summary="Trade a refresh token for new tokens (the old one stops working)",
    dependencies=[Depends(public("auth:refresh"))],
)
async def refresh(body: RefreshRequest, request: Request, response: Response) -> Tokens:
    pair, caller = await SignIn(context(request)).refreshed(body.refresh_token)
    setattr(request.state, CALLER, caller)
    return _tokens(pair, response)


@router.post(
    "/sign-out",
    status_code=204,
    summary="End the session the refresh token belongs to",
    dependencies=[Depends(public("auth:sign_out"))],
)
async def sign_out(body: RefreshRequest, request: Request) -> Response:
    caller = await SignIn(context(request)).sign_out(body.refresh_token)
    if caller is not None:
        setattr(request.state, CALLER, caller)
    return Response(status_code=204)


@wellknown.get(
    "/.well-known/jwks.json",
    response_model=Jwks,
    summary="Public keys that verify the gateway's access tokens (by `kid`)",
)
async def jwks(request: Request, response: Response) -> Jwks:
    response.headers["Cache-Control"] = "public, max-age=300"
    return Jwks(keys=context(request).ring.public_jwks)
