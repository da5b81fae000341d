"""People sign in: tokens, rotation of refresh tokens, theft detection, sign-out,
deactivation, password changes, sign-in limits, and an external OIDC issuer."""

import http.server
import json
import threading
import time

import jwt
from gateway.config import GatewaySettings
from gateway.identity.signing import new_private_jwk
from gateway_support import PASSWORD, seed

pytest_plugins = ["gateway_support"]  # fixtures: redis_url, tenant_id, gateway_app

REP = "li.na@acme.cn"


def _sign_in(client, tenant, email=REP, password=PASSWORD):
    return client.post(
        "/v1/auth/sign-in", json={"tenant": tenant, "email": email, "password": password}
    )


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_a_person_signs_in_and_acts_with_the_token(
    gateway_app, mongo_uri, database_name, tenant_id
):
    seeded = seed(mongo_uri, database_name, tenant_id, {REP: ["sales_rep"]})
    client = gateway_app()
    signed = _sign_in(client, tenant_id, email="LI.NA@acme.cn")
    assert signed.status_code == 200 and signed.headers["cache-control"] == "no-store"
    tokens = signed.json()
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 900
    me = client.get("/v1/me", headers=_bearer(tokens["access_token"])).json()
    assert me["tenant_id"] == tenant_id and me["user_id"] == seeded.users[REP]
    assert me["roles"] == ["sales_rep"] and me["data_scope"] == "own"
    assert me["credential_kind"] == "user" and me["credential_id"].startswith("session:")
    keys = client.get("/.well-known/jwks.json").json()["keys"]
    header = jwt.get_unverified_header(tokens["access_token"])
    public = jwt.PyJWK(next(k for k in keys if k["kid"] == header["kid"])).key
    claims = jwt.decode(tokens["access_token"], public, ["ES256"], audience="crm-api")
    assert claims["tid"] == tenant_id  # anyone holding the JWKS can verify offline


def test_wrong_passwords_unknown_people_and_unknown_tenants_read_the_same(
    gateway_app, mongo_uri, database_name, tenant_id
):
    seed(mongo_uri, database_name, tenant_id, {REP: ["sales_rep"]})
    client = gateway_app()
    answers = [
        _sign_in(client, tenant_id, password="not the password"),
        _sign_in(client, tenant_id, email="nobody@acme.cn"),
        _sign_in(client, f"{tenant_id}-other"),
    ]
    assert {a.status_code for a in answers} == {401}
    assert len({a.json()["detail"] for a in answers}) == 1


def test_refresh_tokens_rotate_and_a_reused_one_ends_the_session(
    gateway_app, mongo_uri, database_name, tenant_id
):
    seed(mongo_uri, database_name, tenant_id, {REP: ["sales_rep"]})
    client = gateway_app()
    first = _sign_in(client, tenant_id).json()
    second = client.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    second = second.json()
    assert second["refresh_token"] != first["refresh_token"]
    stolen = client.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert stolen.status_code == 401
    after_theft = client.post("/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert after_theft.status_code == 401  # the whole family is revoked


def test_signing_out_ends_the_session(gateway_app, mongo_uri, database_name, tenant_id):
    seed(mongo_uri, database_name, tenant_id, {REP: ["sales_rep"]})
    client = gateway_app()
    tokens = _sign_in(client, tenant_id).json()
    out = client.post("/v1/auth/sign-out", json={"refresh_token": tokens["refresh_token"]})
    assert out.status_code == 204
    again = client.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert again.status_code == 401


def test_deactivating_a_person_ends_their_sessions(
    gateway_app, mongo_uri, database_name, tenant_id
):
    seeded = seed(mongo_uri, database_name, tenant_id, {REP: ["sales_rep"]})
    client = gateway_app()
    tokens = _sign_in(client, tenant_id).json()
    admin = _bearer(seeded.admin_key)
    user_id = seeded.users[REP]
    assert (
        client.patch(f"/v1/users/{user_id}", json={"active": False}, headers=admin).status_code
        == 200
    )
    assert (
        client.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).status_code
        == 401
    )
    assert _sign_in(client, tenant_id).status_code == 401


def test_changing_the_password_needs_the_current_one_and_signs_out_elsewhere(
    gateway_app, mongo_uri, database_name, tenant_id
):
    seed(mongo_uri, database_name, tenant_id, {REP: ["sales_rep"]})
    client = gateway_app()
    tokens = _sign_in(client, tenant_id).json()
    me = _bearer(tokens["access_token"])
    wrong = client.post(
        "/v1/me/password",
        json={"current_password": "a wrong guess!", "new_password": "staple 7 violet tides"},
        headers=me,
    )
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "current_password"
    changed = client.post(
        "/v1/me/password",
        json={"current_password": PASSWORD, "new_password": "staple 7 violet tides"},
        headers=me,
    )
    assert changed.status_code == 204
    assert (
        client.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).status_code
        == 401
    )
    assert _sign_in(client, tenant_id, password="staple 7 violet tides").status_code == 200


def test_password_guessing_is_rate_limited_per_account(
    gateway_app, mongo_uri, database_name, tenant_id
):
    seed(mongo_uri, database_name, tenant_id, {REP: ["sales_rep"]})
    client = gateway_app(GatewaySettings(login_account_rate=(3, 60)))
    answers = [_sign_in(client, tenant_id, password=f"guess number {i}") for i in range(4)]
    assert [a.status_code for a in answers] == [401, 401, 401, 429]
    assert int(answers[-1].headers["Retry-After"]) >= 1
    assert _sign_in(client, tenant_id).status_code == 429  # even the right one must wait


class _Jwks(http.server.BaseHTTPRequestHandler):
    body = b""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *_args):
        return None


def test_tokens_of_a_configured_oidc_issuer_are_accepted(
    gateway_app, mongo_uri, database_name, tenant_id
):
    seed(mongo_uri, database_name, tenant_id)
    key = new_private_jwk("idp-1")
    _Jwks.body = json.dumps({"keys": [{k: v for k, v in key.items() if k != "d"}]}).encode()
    server = http.server.HTTPServer(("127.0.0.1", 0), _Jwks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        issuer = "https://sso.acme.example"
        settings = GatewaySettings(
            oidc_issuer=issuer,
            oidc_audience="crm",
            oidc_jwks_url=f"http://127.0.0.1:{server.server_port}/keys",
        )
        client = gateway_app(settings)
        now = int(time.time())
        claims = {
            "iss": issuer,
            "aud": "crm",
            "sub": "idp-user-9",
            "crm_tenant": tenant_id,
            "crm_roles": ["finance", "no-such-role"],
            "iat": now,
            "exp": now + 300,
        }
        token = jwt.encode(claims, jwt.PyJWK(key).key, "ES256", {"kid": "idp-1"})
        me = client.get("/v1/me", headers=_bearer(token))
        assert me.status_code == 200, me.text
        assert me.json()["user_id"] == "idp-user-9" and me.json()["roles"] == ["finance"]
        forged = jwt.encode(
            {**claims, "iss": "https://evil.example"}, jwt.PyJWK(key).key, "ES256", {"kid": "idp-1"}
        )
        assert client.get("/v1/me", headers=_bearer(forged)).status_code == 401
        other_key = jwt.encode(
            claims, jwt.PyJWK(new_private_jwk("idp-1")).key, "ES256", {"kid": "idp-1"}
        )
        assert client.get("/v1/me", headers=_bearer(other_key)).status_code == 401
    finally:
        server.shutdown()
