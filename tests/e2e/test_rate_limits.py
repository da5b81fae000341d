"""Rate limits on the live stack, with a tenant on a tiny plan."""

from __future__ import annotations

import httpx
from identity_support import PASSWORD, admin_cli


def test_a_tiny_plan_refuses_with_retry_after_and_ratelimit_headers(tenant_factory, stack):
    tenant = tenant_factory(
        "--credential-rate",
        "0.05",
        "--credential-burst",
        "3",
        "--tenant-rate",
        "0.05",
        "--tenant-burst",
        "5",
    )
    with tenant.client() as admin:
        answers = [admin.get("/v1/tenant") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0].json()["credential_burst"] == 3
    assert [a.headers["RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    refused = answers[-1]
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.headers["RateLimit-Limit"] == "3" and int(refused.headers["Retry-After"]) >= 1
    assert int(refused.headers["RateLimit-Reset"]) > 0
    # Another key has a full bucket of its own, but the tenant's has 2 tokens left
    # (the refused request spent none).
    other = admin_cli(stack, "issue-key", "--tenant", tenant.id, "--role", "integration")
    with tenant.client(other) as second:
        more = [second.get("/v1/tenant") for _ in range(3)]
    assert [a.status_code for a in more] == [200, 200, 429]
    assert "tenant" in more[-1].json()["detail"]


def test_sign_in_attempts_are_limited_per_account(tenant_factory):
    tenant = tenant_factory()
    email = tenant.admin(
        "POST",
        "/v1/users",
        json={
            "email": "guessed@e2e.example.cn",
            "display_name": "guessed",
            "roles": ["sales_rep"],
            "password": PASSWORD,
        },
    ).json()["email"]
    attempt = {"tenant": tenant.id, "email": email, "password": "wrong password!"}
    codes = [
        httpx.post(f"{tenant.url}/v1/auth/sign-in", json=attempt, timeout=10).status_code
        for _ in range(11)
    ]
    assert codes == [401] * 10 + [429]
