"""Access tokens: ES256, `kid`-selected keys, rotation, and what they carry."""

import asyncio
import json
import time

import jwt
import pytest
from gateway.config import GatewaySettings
from gateway.identity.signing import KeyRing, new_private_jwk
from gateway.identity.tokens import AccessTokens, TokenVerifier

SETTINGS = GatewaySettings()
OLD, NEW = new_private_jwk("2026-10"), new_private_jwk("2026-11")


def _ring(*keys, active=""):
    return KeyRing.from_jwks(json.dumps({"keys": list(keys)}), active)


def _verify(ring, token):
    return asyncio.run(TokenVerifier(AccessTokens(ring, SETTINGS), None).verify(token))


def _issue(ring):
    return AccessTokens(ring, SETTINGS).issue("acme", "u1", ["sales_manager"], "team-7", "s1")


def test_a_token_carries_tenant_person_roles_team_and_session():
    ring = _ring(OLD)
    caller = _verify(ring, _issue(ring))
    assert caller.kind == "user" and caller.tenant_id == "acme"
    p = caller.principal
    assert (p.user_id, p.roles, p.scope, p.team_id, p.credential_id) == (
        "u1",
        ("sales_manager",),
        "team",
        "team-7",
        "session:s1",
    )
    assert jwt.get_unverified_header(_issue(ring))["kid"] == "2026-10"


def test_rotation_keeps_old_tokens_valid_while_the_new_key_signs():
    before = _ring(OLD)
    old_token = _issue(before)
    during = _ring(NEW, OLD)  # new key first: it signs, both verify
    assert jwt.get_unverified_header(_issue(during))["kid"] == "2026-11"
    assert _verify(during, old_token) is not None
    assert _verify(_ring(NEW), old_token) is None  # old key dropped: its tokens are gone
    assert jwt.get_unverified_header(_issue(_ring(NEW, OLD, active="2026-10")))["kid"] == "2026-10"


def test_the_published_keys_are_public_halves_only():
    ring = _ring(NEW, OLD)
    assert [k["kid"] for k in ring.public_jwks] == ["2026-11", "2026-10"]
    assert all("d" not in k and k["alg"] == "ES256" for k in ring.public_jwks)


def test_tampered_expired_or_foreign_tokens_are_refused():
    ring = _ring(OLD)
    token = _issue(ring)
    head, body, sig = token.split(".")
    assert _verify(ring, f"{head}.{body}.{sig[::-1]}") is None
    private = jwt.PyJWK(OLD).key
    now = int(time.time())
    claims = {"iss": "crm-gateway", "aud": "crm-api", "sub": "u", "tid": "t", "roles": ["admin"]}
    expired = jwt.encode(
        {**claims, "iat": now - 999, "exp": now - 100}, private, "ES256", {"kid": "2026-10"}
    )
    assert _verify(ring, expired) is None
    other_aud = jwt.encode(
        {**claims, "aud": "x", "iat": now, "exp": now + 60}, private, "ES256", {"kid": "2026-10"}
    )
    assert _verify(ring, other_aud) is None
    no_roles = jwt.encode(
        {**claims, "roles": ["root"], "iat": now, "exp": now + 60},
        private,
        "ES256",
        {"kid": "2026-10"},
    )
    assert _verify(ring, no_roles) is None
    assert _verify(ring, "not a jwt") is None


def test_key_sets_without_private_keys_or_the_active_kid_are_refused():
    public = {k: v for k, v in OLD.items() if k != "d"}
    with pytest.raises(ValueError, match="private"):
        _ring(public)
    with pytest.raises(ValueError, match="ACTIVE_KID"):
        _ring(OLD, active="missing")


def test_no_configured_keys_means_one_made_for_the_process():
    ring = KeyRing.from_jwks("")
    assert len(ring.public_jwks) == 1
