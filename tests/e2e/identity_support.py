"""Tenants, people and keys for end-to-end tests, made the way operators and tenant
admins make them: the admin CLI for tenants, the API for everything else."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

PASSWORD = "correct horse battery"


def admin_cli(stack: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "gateway.admin", *args],
        env={**os.environ, **stack},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.strip()


@dataclass
class Tenant:
    id: str
    url: str
    admin_key: str
    _keys: dict[tuple[str, ...], str] = field(default_factory=dict)

    def client(self, credential: str = "") -> httpx.Client:
        token = credential or self.admin_key
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {token}"}, timeout=15
        )

    def admin(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        with self.client() as client:
            return client.request(method, path, **kwargs)

    def key(self, *roles: str) -> str:
        """An API key with these roles (made once per tenant and roles)."""
        if roles not in self._keys:
            made = self.admin("POST", "/v1/api-keys", json={"name": "e2e", "roles": list(roles)})
            made.raise_for_status()
            self._keys[roles] = made.json()["token"]
        return self._keys[roles]

    def person(self, *roles: str, team_id: str = "") -> tuple[str, str]:
        """A new person with these roles, signed in: (user id, access token)."""
        email = f"{'-'.join(roles)}-{uuid.uuid4().hex[:6]}@e2e.example.cn"
        created = self.admin(
            "POST",
            "/v1/users",
            json={
                "email": email,
                "display_name": email.split("@")[0],
                "roles": list(roles),
                "team_id": team_id,
                "password": PASSWORD,
            },
        )
        created.raise_for_status()
        return created.json()["id"], self.sign_in(email)["access_token"]

    def sign_in(self, email: str, password: str = PASSWORD) -> dict[str, Any]:
        answer = httpx.post(
            f"{self.url}/v1/auth/sign-in",
            json={"tenant": self.id, "email": email, "password": password},
            timeout=15,
        )
        answer.raise_for_status()
        tokens: dict[str, Any] = answer.json()
        return tokens


def new_tenant(stack: dict[str, str], *limit_options: str) -> Tenant:
    """A tenant of its own (standard plan, with any `--credential-burst 3`-style
    overrides) and an admin API key for it."""
    tenant_id = f"e2e-{uuid.uuid4().hex[:10]}"
    created = json.loads(admin_cli(stack, "create-tenant", "--tenant", tenant_id, *limit_options))
    assert created["tenant"] == tenant_id
    key = admin_cli(
        stack, "issue-key", "--tenant", tenant_id, "--user", "e2e-admin", "--role", "admin"
    )
    return Tenant(tenant_id, stack["CRM_GATEWAY_URL"], key)


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, operation) of every /v1 operation in the live OpenAPI document."""
    return [
        (method.upper(), path, operation)
        for path, item in spec["paths"].items()
        if path.startswith("/v1/")
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]


def example_body(spec: dict[str, Any], operation: dict[str, Any]) -> Any:
    """The documented example of an operation's JSON body (None when it takes none)."""
    body = operation.get("requestBody")
    if body is None:
        return None
    media = body["content"]["application/json"]
    if "example" in media:
        return media["example"]
    schema = media["schema"]
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    examples = schema.get("examples") or []
    assert examples, f"{operation.get('operationId')}: document an example of the request body"
    return examples[0]
