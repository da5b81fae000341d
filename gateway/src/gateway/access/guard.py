"""The one dependency every /v1 route declares: `Depends(authorize("lead:create"))`.

In order: authenticate; spend from the credential's and the tenant's rate-limit
buckets (429); check the role x action matrix and the credential's scopes (403); on a
POST, claim the Idempotency-Key (replay, 422 or 409). It leaves the caller and the
action in `request.state` for the audit log. Routes that need no credential declare
`Depends(public("auth:sign_in"))` instead, so that "declares no action" is always a
mistake: create_app refuses to start with such a route, and a test says which.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from crm_runtime import metrics
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from gateway.access.audit import ACTION, CALLER
from gateway.access.auth import current_caller
from gateway.access.authz import MATRIX, PUBLIC_ACTIONS, allowed, within_scopes
from gateway.context import context
from gateway.identity.caller import Caller
from gateway.traffic.idempotency import claim_for
from gateway.traffic.middleware import RATE_HEADERS
from gateway.traffic.ratelimit import Bucket


class Authorize:
    def __init__(self, action: str) -> None:
        if action not in MATRIX:
            raise ValueError(f"{action!r} is not an action of gateway.access.authz.MATRIX")
        self.action = action

    async def __call__(
        self, request: Request, caller: Annotated[Caller, Depends(current_caller)]
    ) -> Caller:
        setattr(request.state, CALLER, caller)
        setattr(request.state, ACTION, self.action)
        await _spend(request, caller)
        roles = caller.principal.roles
        refusal = ""
        if not allowed(roles, self.action):
            refusal = f"the role(s) {', '.join(roles) or '(none)'} may not {self.action}"
        elif not within_scopes(caller.scopes, self.action):
            refusal = f"this API key's scopes do not include {self.action}"
        if refusal:
            metrics.GATEWAY_DENIED.labels("gateway", self.action).inc()
            raise HTTPException(403, refusal)
        if request.method == "POST":
            await claim_for(request, caller.tenant_id, caller.subject)
        return caller


class Public:
    def __init__(self, action: str) -> None:
        if action not in PUBLIC_ACTIONS:
            raise ValueError(f"{action!r} is not one of gateway.access.authz.PUBLIC_ACTIONS")
        self.action = action

    async def __call__(self, request: Request) -> None:
        setattr(request.state, ACTION, self.action)


def authorize(action: str) -> Authorize:
    return Authorize(action)


def public(action: str) -> Public:
    return Public(action)


async def _spend(request: Request, caller: Caller) -> None:
    ctx = context(request)
    limits = await ctx.tenants.limits(caller.tenant_id)
    tenant = caller.tenant_id
    decision = await ctx.limiter.hit(
        [
            Bucket(
                "credential",
                ctx.limiter.key(tenant, caller.subject),
                limits.credential_rate,
                limits.credential_burst,
            ),
            Bucket(
                "tenant", ctx.limiter.key(tenant, "tenant"), limits.tenant_rate, limits.tenant_burst
            ),
        ]
    )
    if decision is None:
        return
    setattr(request.state, RATE_HEADERS, decision.headers())
    if not decision.allowed:
        raise HTTPException(
            429,
            f"the {decision.bucket}'s rate limit is spent; retry in {decision.retry_after} s",
            decision.headers(),
        )


def _guards(dependant: Dependant) -> Iterator[Authorize | Public]:
    for dependency in dependant.dependencies:
        if isinstance(dependency.call, Authorize | Public):
            yield dependency.call
        yield from _guards(dependency)


def api_routes(app: FastAPI) -> list[RouteContext]:
    """Every operation of the app with its full path (routers included with a prefix
    keep their own routes unprefixed; the contexts carry the path clients call)."""
    return [c for c in iter_route_contexts(app.routes) if isinstance(c.original_route, APIRoute)]


def action_of(route: RouteContext) -> str | None:
    """The action a route declares, or None (also when it declares two)."""
    found = {guard.action for guard in _guards(route.dependant)}
    return found.pop() if len(found) == 1 else None


def is_public(route: RouteContext) -> bool:
    return any(isinstance(guard, Public) for guard in _guards(route.dependant))


def undeclared_routes(app: FastAPI) -> list[str]:
    """Every /v1 route without exactly one declared action."""
    return [
        f"{sorted(route.methods or ())} {route.path}"
        for route in api_routes(app)
        if str(route.path).startswith("/v1/") and action_of(route) is None
    ]
