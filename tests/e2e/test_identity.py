"""People on the live stack: sign in, act, refresh, verify tokens offline with the
published keys, and find every write in the audit log."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import jwt

ROOT = Path(__file__).resolve().parents[2]


def test_a_person_signs_in_refreshes_and_signs_out(tenant_factory):
    tenant = tenant_factory()
    user_id, _ = tenant.person("sales_director")
    email = tenant.admin("GET", f"/v1/users/{user_id}").json()["email"]
    tokens = tenant.sign_in(email)
    with tenant.client(tokens["access_token"]) as me:
        who = me.get("/v1/me").json()
    assert who["user_id"] == user_id and who["data_scope"] == "all"
    assert "opportunity:approve" in who["actions"] and "receipt:record" not in who["actions"]
    jwks = httpx.get(f"{tenant.url}/.well-known/jwks.json", timeout=10).json()
    kid = jwt.get_unverified_header(tokens["access_token"])["kid"]
    key = jwt.PyJWK(next(k for k in jwks["keys"] if k["kid"] == kid)).key
    claims = jwt.decode(tokens["access_token"], key, ["ES256"], audience="crm-api")
    assert claims["tid"] == tenant.id and claims["roles"] == ["sales_director"]
    refreshed = httpx.post(
        f"{tenant.url}/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}, timeout=10
    )
    assert refreshed.status_code == 200
    out = httpx.post(
        f"{tenant.url}/v1/auth/sign-out",
        json={"refresh_token": refreshed.json()["refresh_token"]},
        timeout=10,
    )
    assert out.status_code == 204
    again = httpx.post(
        f"{tenant.url}/v1/auth/refresh",
        json={"refresh_token": refreshed.json()["refresh_token"]},
        timeout=10,
    )
    assert again.status_code == 401


def test_writes_are_in_the_audit_log_with_their_credential(api):
    me = api.get("/v1/me").json()
    lead = api.post(
        "/v1/leads", json={"name": "审计", "source": "web"}, headers={"X-Request-Id": "audit-e2e-1"}
    )
    assert lead.status_code == 201
    entries = api.get("/v1/audit-log", params={"action": "lead:create", "limit": 200}).json()[
        "items"
    ]
    entry = next(e for e in entries if e["request_id"] == "audit-e2e-1")
    assert entry["credential_id"] == me["credential_id"] and entry["credential_kind"] == "api_key"
    assert entry["status"] == 201 and entry["path"] == "/v1/leads"
    reads = api.get("/v1/audit-log", params={"action": "self:read"}).json()["items"]
    assert reads == []  # reads are not writes


def test_the_gateway_signs_with_the_keys_it_was_given(stack):
    """`make up` hands CRM_JWT_KEYS to the gateway; tokens must come from those keys,
    not from a key the process made for itself (which other replicas would not know)."""
    configured = json.loads((ROOT / ".local" / "test" / "jwt-keys.json").read_text())
    published = httpx.get(f"{stack['CRM_GATEWAY_URL']}/.well-known/jwks.json", timeout=10).json()
    assert [k["kid"] for k in published["keys"]] == [k["kid"] for k in configured["keys"]]
    assert all("d" not in k for k in published["keys"])
