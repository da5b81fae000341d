"""The email routes of the gateway against an in-process notification service on the
embedded MongoDB, sending to a local SMTP server (aiosmtpd): the tenant's sender, a
person's address, an inbox item mailed once, each message's status through the API,
422 naming the field, 412 on a stale If-Match, tenants apart. The worker's part
(handling the event, sending) is called here as the worker calls it."""

from __future__ import annotations

import uuid

import pytest
from crm_runtime.testing.receivers import smtp_server
from gateway_support import seed
from notification_support import gateway_caller, notification_service

pytest_plugins = ["gateway_support"]  # fixtures: redis_url, tenant_id, gateway_app


@pytest.fixture
def mailbox():
    with smtp_server() as box:
        yield box


@pytest.fixture
def notification(mongo_client, mongo_uri, database_name, mailbox):
    with notification_service(
        mongo_client,
        mongo_uri,
        database_name,
        CRM_NOTIFICATION_SMTP_HOST=mailbox.host,
        CRM_NOTIFICATION_SMTP_PORT=str(mailbox.port),
    ) as service:
        yield service


@pytest.fixture
def api(mongo_uri, database_name, gateway_app, tenant_id, notification):
    return gateway_caller(mongo_uri, database_name, gateway_app, tenant_id, notification[1])


def _ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


def test_an_inbox_item_is_mailed_and_its_status_shows(api, notification, mailbox, tenant_id):
    app = notification[0]
    off = api("admin", "GET", "/v1/email-settings")
    assert _ok(off)["version"] == 0 and "ETag" not in off.headers
    body = {"sender_address": "crm@yuntu.cn", "sender_name": "云图销售助手"}
    on = api("admin", "PUT", "/v1/email-settings", json=body)
    assert _ok(on)["enabled"] is True and on.headers["ETag"] == '"1"'
    mine = api("sales_rep", "PUT", "/v1/me/email-address", json={"address": "rep@yuntu.cn"})
    assert _ok(mine)["address"] == "rep@yuntu.cn" and mine.headers["ETag"] == '"1"'

    event = {
        "event_id": uuid.uuid4().hex,
        "tenant_id": tenant_id,
        "event_type": "LeadAssigned",
        "payload": {"lead_id": "l1", "owner_id": "sales_rep-1", "reason": "展会"},
    }
    assert app.inbox.on_event(event) is True
    [queued] = _ok(api("admin", "GET", "/v1/email-messages"))["items"]
    assert queued["status"] == "queued" and queued["to_address"] == "rep@yuntu.cn"
    assert app.email.send_due() == 1
    [received] = mailbox.messages
    assert str(received["Subject"]) == "有线索分配给你"
    assert received.get_body(("html",)) is not None
    [sent] = _ok(api("admin", "GET", "/v1/email-messages"))["items"]
    assert sent["status"] == "sent" and sent["attempts"] == 1 and sent["sent_at"]


def test_bad_addresses_stale_versions_roles_and_tenants(api, mongo_uri, database_name):
    bad = api("admin", "PUT", "/v1/email-settings", json={"sender_address": "not-an-address"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"].endswith("sender_address")
    bad = api("sales_rep", "PUT", "/v1/me/email-address", json={"address": "rep@"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"].endswith("address")
    _ok(api("admin", "PUT", "/v1/email-settings", json={"sender_address": "crm@yuntu.cn"}))
    stale = api(
        "admin",
        "PUT",
        "/v1/email-settings",
        headers={"If-Match": '"5"'},
        json={"sender_address": "crm@yuntu.cn", "enabled": False},
    )
    assert stale.status_code == 412 and stale.headers["ETag"] == '"1"'
    assert api("sales_rep", "GET", "/v1/email-messages").status_code == 403
    assert (
        api("sales_rep", "PUT", "/v1/email-settings", json={"sender_address": "a@b.cn"}).status_code
        == 403
    )
    other = f"other-{uuid.uuid4().hex[:8]}"
    seed(mongo_uri, database_name, other)
    assert _ok(api("admin", "GET", "/v1/email-settings", tenant=other))["version"] == 0
