"""Tenant admins manage people, teams and keys through the API: ETags, data scopes,
idempotency keys, rate limits, the audit log, gzip."""

import gzip

from gateway_support import PASSWORD, seed

pytest_plugins = ["gateway_support"]  # fixtures: redis_url, tenant_id, gateway_app


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


def _person(email, roles, team_id=""):
    return {
        "email": email,
        "display_name": email.split("@")[0],
        "roles": roles,
        "team_id": team_id,
        "password": PASSWORD,
    }


def test_updates_honour_if_match(gateway_app, mongo_uri, database_name, tenant_id):
    admin = _bearer(seed(mongo_uri, database_name, tenant_id).admin_key)
    client = gateway_app()
    created = client.post("/v1/users", json=_person("wang@acme.cn", ["sales_rep"]), headers=admin)
    assert created.status_code == 201 and created.headers["etag"] == '"1"'
    path = created.headers["location"]
    assert client.get(path, headers=admin).headers["etag"] == '"1"'
    first = client.patch(path, json={"display_name": "王芳"}, headers={**admin, "If-Match": '"1"'})
    assert first.status_code == 200 and first.headers["etag"] == '"2"'
    stale = client.patch(path, json={"display_name": "王 芳"}, headers={**admin, "If-Match": '"1"'})
    assert stale.status_code == 412 and stale.headers["etag"] == '"2"'
    assert stale.headers["content-type"] == "application/problem+json"
    assert client.get(path, headers=admin).json()["display_name"] == "王芳"
    blind = client.patch(path, json={"display_name": "王 芳"}, headers=admin)
    assert blind.status_code == 200 and blind.json()["version"] == 3


def test_a_manager_sees_the_team_they_manage(gateway_app, mongo_uri, database_name, tenant_id):
    seeded = seed(
        mongo_uri,
        database_name,
        tenant_id,
        {
            "boss@acme.cn": ["sales_manager"],
            "rep@acme.cn": ["sales_rep"],
            "far@acme.cn": ["sales_rep"],
        },
    )
    admin = _bearer(seeded.admin_key)
    client = gateway_app()
    manager_id = seeded.users["boss@acme.cn"]
    team = client.post(
        "/v1/teams", json={"name": "华东组", "manager_id": manager_id}, headers=admin
    )
    assert team.status_code == 201 and team.json()["member_ids"] == [manager_id]
    team_id = team.json()["id"]
    rep_id = seeded.users["rep@acme.cn"]
    moved = client.patch(f"/v1/users/{rep_id}", json={"team_id": team_id}, headers=admin)
    assert moved.status_code == 200
    tokens = client.post(
        "/v1/auth/sign-in",
        json={"tenant": tenant_id, "email": "boss@acme.cn", "password": PASSWORD},
    ).json()
    boss = _bearer(tokens["access_token"])
    assert client.get("/v1/me", headers=boss).json()["team_id"] == team_id
    seen = {u["id"] for u in client.get("/v1/users", headers=boss).json()["items"]}
    assert seen == {manager_id, rep_id}
    far = client.get(f"/v1/users/{seeded.users['far@acme.cn']}", headers=boss)
    assert far.status_code == 404
    assert (
        client.post("/v1/users", json=_person("x@acme.cn", ["sales_rep"]), headers=boss).status_code
        == 403
    )
    unknown = client.post("/v1/teams", json={"name": "x", "manager_id": "nobody"}, headers=admin)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "manager_id"


def test_api_keys_are_shown_once_scoped_and_revocable(
    gateway_app, mongo_uri, database_name, tenant_id
):
    admin = _bearer(seed(mongo_uri, database_name, tenant_id).admin_key)
    client = gateway_app()
    body = {"name": "ERP", "roles": ["finance"], "scopes": ["receivable:read", "tenant:*"]}
    issued = client.post("/v1/api-keys", json=body, headers=admin)
    assert issued.status_code == 201
    key = issued.json()
    assert key["data_scope"] == "all" and key["user_id"] == f"key-{key['id']}"
    listed = client.get("/v1/api-keys", headers=admin).json()["items"]
    assert key["token"] not in str(listed) and "token" not in listed[-1]
    erp = _bearer(key["token"])
    assert client.get("/v1/tenant", headers=erp).status_code == 200
    me = client.get("/v1/me", headers=erp).json()
    assert set(me["actions"]) == {"receivable:read", "tenant:read", "self:read"}
    denied = client.get("/v1/notifications", headers=erp)  # finance may; this key may not
    assert (
        denied.status_code == 403 and denied.headers["content-type"] == "application/problem+json"
    )
    assert client.delete(f"/v1/api-keys/{key['id']}", headers=admin).status_code == 204
    assert client.get("/v1/tenant", headers=erp).status_code == 401
    assert client.get(f"/v1/api-keys/{key['id']}", headers=admin).status_code == 404
    assert client.delete(f"/v1/api-keys/{key['id']}", headers=admin).status_code == 404
    live = client.get("/v1/api-keys", headers=admin).json()["items"]
    everything = client.get("/v1/api-keys?include_revoked=true", headers=admin).json()["items"]
    assert key["id"] not in [k["id"] for k in live]
    assert [k["revoked"] for k in everything if k["id"] == key["id"]] == [True]
    bad = client.post("/v1/api-keys", json={**body, "scopes": ["lead:fly"]}, headers=admin)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "scopes.0"


def test_a_repeated_post_with_its_idempotency_key_creates_once(
    gateway_app, mongo_uri, database_name, tenant_id
):
    seeded = seed(mongo_uri, database_name, tenant_id)
    admin = _bearer(seeded.admin_key)
    client = gateway_app()
    headers = {**admin, "Idempotency-Key": "onboard-wang-1"}
    first = client.post("/v1/users", json=_person("wang@acme.cn", ["sales_rep"]), headers=headers)
    again = client.post("/v1/users", json=_person("wang@acme.cn", ["sales_rep"]), headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and again.headers["idempotent-replayed"] == "true"
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["x-request-id"] != first.headers["x-request-id"]
    other = client.post("/v1/users", json=_person("li@acme.cn", ["sales_rep"]), headers=headers)
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "Idempotency-Key"
    second_key = client.post(
        "/v1/api-keys", json={"name": "b", "roles": ["admin"]}, headers=admin
    ).json()
    elsewhere = client.post(
        "/v1/users",
        json=_person("wang2@acme.cn", ["sales_rep"]),
        headers={**_bearer(second_key["token"]), "Idempotency-Key": "onboard-wang-1"},
    )
    assert elsewhere.status_code == 201  # keys belong to one credential
    users = client.get("/v1/users", headers=admin).json()["items"]
    assert sorted(u["email"] for u in users) == ["wang2@acme.cn", "wang@acme.cn"]


def test_limits_come_from_the_tenants_plan(gateway_app, mongo_uri, database_name, tenant_id):
    seeded = seed(
        mongo_uri,
        database_name,
        tenant_id,
        credential_rate=0.01,
        credential_burst=3,
        tenant_rate=0.01,
        tenant_burst=4,
    )
    client = gateway_app()
    admin = _bearer(seeded.admin_key)
    answers = [client.get("/v1/tenant", headers=admin) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    refused = answers[-1]
    assert refused.headers["content-type"] == "application/problem+json"
    assert int(refused.headers["Retry-After"]) >= 1 and refused.headers["RateLimit-Limit"] == "3"
    assert client.get("/v1/tenant", headers=admin).json()["detail"].startswith("the credential")


def test_every_write_is_in_the_audit_log(gateway_app, mongo_uri, database_name, tenant_id):
    seeded = seed(mongo_uri, database_name, tenant_id, {"rep@acme.cn": ["sales_rep"]})
    admin = _bearer(seeded.admin_key)
    client = gateway_app()
    created = client.post(
        "/v1/users",
        json=_person("a@acme.cn", ["marketing"]),
        headers={**admin, "X-Request-Id": "req-42"},
    )
    client.patch(f"/v1/users/{created.json()['id']}", json={"display_name": "A"}, headers=admin)
    rep = client.post(
        "/v1/auth/sign-in", json={"tenant": tenant_id, "email": "rep@acme.cn", "password": PASSWORD}
    ).json()
    denied = client.post("/v1/teams", json={"name": "x"}, headers=_bearer(rep["access_token"]))
    assert denied.status_code == 403
    log = client.get("/v1/audit-log", headers=admin).json()["items"]
    assert [e["action"] for e in log] == [
        "team:manage",
        "auth:sign_in",
        "user:manage",
        "user:manage",
    ]
    team, sign_in, patch, post = log
    assert team["status"] == 403 and team["actor_id"] == seeded.users["rep@acme.cn"]
    assert sign_in["credential_kind"] == "user" and sign_in["credential_id"].startswith("session:")
    assert patch["resource"] == {"user_id": created.json()["id"]} and patch["method"] == "PATCH"
    assert post["request_id"] == "req-42" and post["status"] == 201
    assert post["credential_kind"] == "api_key" and post["roles"] == ["admin"]
    page = client.get(
        "/v1/audit-log", params={"action": "user:manage", "limit": 1}, headers=admin
    ).json()
    assert [e["id"] for e in page["items"]] == [patch["id"]]
    rest = client.get(
        "/v1/audit-log",
        params={"action": "user:manage", "cursor": page["next_cursor"]},
        headers=admin,
    ).json()
    assert [e["id"] for e in rest["items"]] == [post["id"]] and rest["next_cursor"] == ""
    by_rep = client.get(
        "/v1/audit-log", params={"actor_id": seeded.users["rep@acme.cn"]}, headers=admin
    ).json()["items"]
    assert [e["action"] for e in by_rep] == ["team:manage", "auth:sign_in"]
    future = client.get("/v1/audit-log", params={"at_from": "2099-01-01T00:00:00Z"}, headers=admin)
    assert future.json()["items"] == []
    at = team["at"]  # both ends inclusive: the entry made at that instant is in the range
    window = client.get("/v1/audit-log", params={"at_from": at, "at_to": at}, headers=admin)
    assert team["id"] in [e["id"] for e in window.json()["items"]]
    assert client.get("/v1/audit-log", params={"at_to": "0.5"}, headers=admin).status_code == 422


def test_big_answers_are_gzipped_for_clients_that_ask(
    gateway_app, mongo_uri, database_name, tenant_id
):
    admin = _bearer(seed(mongo_uri, database_name, tenant_id).admin_key)
    client = gateway_app()
    raw = client.get("/v1/roles", headers={**admin, "Accept-Encoding": "gzip"})
    assert raw.headers["content-encoding"] == "gzip"
    assert raw.json()["roles"][0]["role"] == "admin"  # httpx decodes it
    plain = client.get("/v1/roles", headers={**admin, "Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert gzip.compress(plain.content)  # same payload, just not compressed
