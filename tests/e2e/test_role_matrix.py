"""Every /v1 route, called by every role, answers as gateway.access.authz.MATRIX predicts:
403 problem+json when the role may not perform the route's action, anything but
401/403 when it may. Routes are read from the live OpenAPI document, so a new route is
walked the day it appears, and one that declares no action fails here."""

from __future__ import annotations

import httpx
import pytest
from gateway.access.authz import INTEGRATION, MATRIX, PUBLIC_ACTIONS, ROLES, allowed
from identity_support import operations

UNKNOWN_ID = "0123456789abcdef01234567"


@pytest.fixture(scope="module")
def credentials(tenant_factory):
    """One credential per role in one tenant: people sign in; integrations hold keys."""
    tenant = tenant_factory()
    found = {role: tenant.person(role)[1] for role in ROLES if role != INTEGRATION}
    found[INTEGRATION] = tenant.key(INTEGRATION)
    return tenant, found


def _fill(path: str, operation: dict) -> tuple[str, dict]:
    params = {}
    for param in operation.get("parameters", []):
        if param["in"] == "path":
            path = path.replace("{" + param["name"] + "}", UNKNOWN_ID)
        elif param["in"] == "query" and param.get("required"):
            params[param["name"]] = param.get("example", "x")
    return path, params


def test_every_route_declares_an_action_the_matrix_knows(live_spec):
    for method, path, operation in operations(live_spec):
        action = operation.get("x-crm-action")
        assert action in set(MATRIX) | PUBLIC_ACTIONS, f"{method} {path} declares {action!r}"


def test_every_role_gets_what_the_matrix_says_on_every_route(live_spec, credentials):
    tenant, tokens = credentials
    mismatches, calls = [], 0
    with httpx.Client(base_url=tenant.url, timeout=15) as client:
        for method, path, operation in operations(live_spec):
            action = operation["x-crm-action"]
            url, params = _fill(path, operation)
            body = {} if "requestBody" in operation else None
            for role, token in tokens.items():
                answer = client.request(
                    method,
                    url,
                    params=params,
                    json=body,
                    headers={"Authorization": f"Bearer {token}"},
                )
                calls += 1
                expected_allowed = action in PUBLIC_ACTIONS or allowed([role], action)
                if expected_allowed:
                    ok = answer.status_code not in (401, 403, 429)
                else:
                    ok = (
                        answer.status_code == 403
                        and answer.headers["content-type"] == "application/problem+json"
                        and action in answer.json()["detail"]
                    )
                if not ok:
                    verdict = "allowed" if expected_allowed else "denied"
                    mismatches.append(
                        f"{role} {method} {path} ({action}, {verdict}): {answer.status_code}"
                    )
    assert not mismatches, "\n".join(mismatches)
    assert calls == len(operations(live_spec)) * len(ROLES)


def test_documented_roles_are_the_matrix(live_spec):
    for method, path, operation in operations(live_spec):
        action = operation["x-crm-action"]
        if action not in PUBLIC_ACTIONS:
            documented = set(operation["x-crm-roles"])
            assert documented == {r for r in ROLES if allowed([r], action)}, f"{method} {path}"
            assert "403" in operation["responses"] and "429" in operation["responses"]
