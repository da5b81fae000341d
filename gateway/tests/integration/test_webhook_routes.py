"""The webhook routes of the gateway against an in-process notification service on the
embedded MongoDB, delivering to a local HTTPS receiver: 201 with the secret once, 422
naming the field (SSRF refusals say why), 412 on a stale If-Match, the catalogue, the
delivery log, test-send, replay with the same webhook-id, rotation, tenants apart.
The worker's part (fan-out, delivery) is called here as the worker calls it; the whole
stack: tests/e2e/test_webhooks.py."""

from __future__ import annotations

import uuid

import pytest
from crm_runtime.testing.receivers import https_receiver
from gateway_support import seed
from notification_support import gateway_caller, notification_service, outbound_settings
from standardwebhooks.webhooks import Webhook

pytest_plugins = ["gateway_support"]  # fixtures: redis_url, tenant_id, gateway_app
BASE = "/v1/webhook-endpoints"


@pytest.fixture
def receiver(tmp_path):
    with https_receiver(tmp_path) as r:
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


def _event(tenant_id, event_id=None):
    return {
        "event_id": event_id or uuid.uuid4().hex,
        "tenant_id": tenant_id,
        "event_type": "LeadCreated",
        "occurred_at": "2026-12-01T08:59:00Z",
        "payload": {"lead_id": "l1", "name": "张伟", "owner_id": "rep-1", "source": "web"},
    }


def test_an_endpoint_is_registered_receives_signed_events_and_keeps_a_log(
    api, notification, receiver, tenant_id
):
    app = notification[0]
    body = {"url": receiver.url, "event_types": ["LeadCreated"], "description": "ERP"}
    response = api("admin", "POST", BASE, json=body)
    created = _ok(response, 201)
    endpoint_id = created["id"]
    assert response.headers["Location"] == f"{BASE}/{endpoint_id}"
    assert response.headers["ETag"] == '"1"'
    secret = created["secret"]
    assert secret.startswith("whsec_")
    read = api("integration", "GET", f"{BASE}/{endpoint_id}")
    assert "secret" not in _ok(read) and read.headers["ETag"] == '"1"'

    assert app.webhooks.fan_out(_event(tenant_id, "ev-1")) is True
    assert app.webhooks.deliver_due() == 1
    request = receiver.requests[0]
    assert Webhook(secret).verify(request.body, request.headers)["data"]["name"] == "张伟"
    log = _ok(api("admin", "GET", f"{BASE}/{endpoint_id}/deliveries"))["items"]
    assert log[0]["status"] == "succeeded" and log[0]["message_id"] == "msg_ev-1"
    assert log[0]["attempts"][0]["status_code"] == 200

    replayed = api("admin", "POST", f"{BASE}/{endpoint_id}/deliveries/{log[0]['id']}/replay")
    assert _ok(replayed, 202)["message_id"] == "msg_ev-1"
    assert replayed.headers["Location"] == f"{BASE}/{endpoint_id}/deliveries"
    test_send = _ok(api("admin", "POST", f"{BASE}/{endpoint_id}/test"), 202)
    assert test_send["event_type"] == "WebhookTest" and test_send["status"] == "pending"
    assert app.webhooks.deliver_due() == 2
    assert [r.headers["webhook-id"] for r in receiver.requests][:2] == ["msg_ev-1", "msg_ev-1"]
    for request in receiver.requests:
        Webhook(secret).verify(request.body, request.headers)


def test_bad_fields_and_forbidden_urls_are_422_naming_the_field(api, receiver):
    cases = [
        ({"url": "http://erp.example.com/h", "event_types": ["LeadCreated"]}, "url", "https"),
        ({"url": "https://127.0.0.1/h", "event_types": ["LeadCreated"]}, "url", "loopback"),
        ({"url": "https://169.254.169.254/", "event_types": ["LeadCreated"]}, "url", "link-local"),
        ({"url": receiver.url, "event_types": ["NoSuchEvent"]}, "event_types", "unknown"),
        ({"url": receiver.url, "event_types": ["LeadCreated"], "format": "xml"}, "format", ""),
    ]
    for body, field, words in cases:
        response = api("admin", "POST", BASE, json=body)
        assert response.status_code == 422, (body, response.text)
        problem = response.json()
        names = [e["field"] for e in problem["errors"]]
        assert any(n.endswith(field) for n in names), problem
        assert words in response.text
    assert _ok(api("admin", "GET", BASE))["items"] == []  # nothing written


def test_changes_take_if_match_and_rotation_shows_a_new_secret(api, receiver):
    endpoint = _ok(
        api("admin", "POST", BASE, json={"url": receiver.url, "event_types": ["LeadCreated"]}),
        201,
    )
    path = f"{BASE}/{endpoint['id']}"
    changed = api(
        "admin", "PATCH", path, headers={"If-Match": '"1"'}, json={"format": "cloudevents"}
    )
    assert _ok(changed)["format"] == "cloudevents" and changed.headers["ETag"] == '"2"'
    stale = api("admin", "PATCH", path, headers={"If-Match": '"1"'}, json={"enabled": False})
    assert stale.status_code == 412 and stale.headers["ETag"] == '"2"'
    rotated = api("admin", "POST", f"{path}/rotate-secret", headers={"If-Match": '"2"'})
    body = _ok(rotated)
    assert body["secret"].startswith("whsec_") and body["secret"] != endpoint["secret"]
    assert body["previous_secret_expires_at"] is not None and rotated.headers["ETag"] == '"3"'
    assert api("admin", "DELETE", path, headers={"If-Match": '"2"'}).status_code == 412
    assert api("admin", "DELETE", path, headers={"If-Match": '"3"'}).status_code == 204
    assert api("admin", "GET", path).status_code == 404


def test_the_catalogue_and_who_may_see_what(api, receiver, mongo_uri, database_name):
    catalogue = _ok(api("integration", "GET", "/v1/webhook-event-types"))["items"]
    lead_created = next(t for t in catalogue if t["name"] == "LeadCreated")
    assert lead_created["source"] == "lead"
    assert lead_created["data_schema"]["properties"]["lead_id"] == {"type": "string"}
    assert api("sales_rep", "GET", BASE).status_code == 403
    endpoint = _ok(
        api("admin", "POST", BASE, json={"url": receiver.url, "event_types": ["LeadCreated"]}),
        201,
    )
    other = f"other-{uuid.uuid4().hex[:8]}"
    seed(mongo_uri, database_name, other)
    assert api("admin", "GET", f"{BASE}/{endpoint['id']}", tenant=other).status_code == 404
    assert _ok(api("admin", "GET", BASE, tenant=other))["items"] == []
    gone = api("admin", "GET", f"{BASE}/{endpoint['id']}/deliveries", tenant=other)
    assert gone.status_code == 404
