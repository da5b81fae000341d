"""The chat robot routes of the gateway against an in-process notification service,
posting to a local HTTPS receiver that checks DingTalk's signature: a robot added
(201, its secret never read back), the person's mobile, an inbox item posted and @ing
them, the message log, 422 naming the field (a private URL says why), 412, roles."""

from __future__ import annotations

import uuid

import pytest
from crm_runtime.testing.receivers import dingtalk_robot, https_receiver
from notification_support import gateway_caller, notification_service, outbound_settings

pytest_plugins = ["gateway_support"]  # fixtures: redis_url, tenant_id, gateway_app
SECRET = "SECabcdef0123456789"


@pytest.fixture
def receiver(tmp_path):
    with https_receiver(tmp_path, path="/robot/send?access_token=tok") as r:
        r.answer = dingtalk_robot(SECRET, "tok")
        yield r


@pytest.fixture
def notification(mongo_client, mongo_uri, database_name, receiver):
    env = outbound_settings(receiver.ca_file)
    with notification_service(mongo_client, mongo_uri, database_name, **env) as service:
        yield service


@pytest.fixture
def api(mongo_uri, database_name, gateway_app, tenant_id, notification):
    return gateway_caller(mongo_uri, database_name, gateway_app, tenant_id, notification[1])


def _ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


def test_a_robot_posts_signed_and_ats_the_person(api, notification, receiver, tenant_id):
    body = {"name": "销售群", "url": receiver.url, "secret": SECRET, "kinds": ["lead.assigned"]}
    response = api("admin", "POST", "/v1/chat-robots", json=body)
    robot = _ok(response, 201)
    assert response.headers["Location"] == f"/v1/chat-robots/{robot['id']}"
    assert "secret" not in robot and robot["format"] == "markdown"
    mobile = api("sales_rep", "PUT", "/v1/me/mobile", json={"mobile": "13800138000"})
    assert _ok(mobile)["mobile"] == "13800138000" and mobile.headers["ETag"] == '"1"'

    event = {
        "event_id": uuid.uuid4().hex,
        "tenant_id": tenant_id,
        "event_type": "LeadAssigned",
        "payload": {"lead_id": "l1", "owner_id": "sales_rep-1", "reason": "展会"},
    }
    app = notification[0]
    assert app.inbox.on_event(event) is True
    assert app.robots.send_due() == 1
    [request] = receiver.requests
    assert b'"atMobiles": ["13800138000"]' in request.body
    [logged] = _ok(api("admin", "GET", f"/v1/chat-robots/{robot['id']}/messages"))["items"]
    assert logged["status"] == "sent" and logged["digest_of"] == 1, logged


def test_fields_versions_and_roles(api, receiver):
    bad = api(
        "admin",
        "POST",
        "/v1/chat-robots",
        json={
            "name": "x",
            "url": "https://10.1.2.3/r",
            "secret": SECRET,
            "kinds": ["lead.assigned"],
        },
    )
    assert bad.status_code == 422 and "private" in bad.text
    assert bad.json()["errors"][0]["field"].endswith("url")
    unknown = api(
        "admin",
        "POST",
        "/v1/chat-robots",
        json={"name": "x", "url": receiver.url, "secret": SECRET, "kinds": ["no.such"]},
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"].endswith("kinds")
    robot = _ok(
        api(
            "admin",
            "POST",
            "/v1/chat-robots",
            json={"name": "x", "url": receiver.url, "secret": SECRET, "kinds": ["lead.assigned"]},
        ),
        201,
    )
    path = f"/v1/chat-robots/{robot['id']}"
    off = api("admin", "PATCH", path, headers={"If-Match": '"1"'}, json={"enabled": False})
    assert _ok(off)["enabled"] is False and off.headers["ETag"] == '"2"'
    stale = api("admin", "PATCH", path, headers={"If-Match": '"1"'}, json={"name": "y"})
    assert stale.status_code == 412
    assert api("sales_rep", "GET", "/v1/chat-robots").status_code == 403
    assert api("sales_rep", "PUT", "/v1/me/mobile", json={"mobile": "call me"}).status_code == 422
