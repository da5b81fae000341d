"""An event in the real stack reaches a subscribed local receiver, signed as Standard
Webhooks say (verified by the standardwebhooks library), and the delivery log shows it:
lead service -> outbox -> RabbitMQ -> notification worker -> HTTPS."""

from __future__ import annotations

import time
from pathlib import Path

import trustme
from crm_runtime.testing.receivers import https_receiver
from standardwebhooks.webhooks import Webhook


def _wait(found, seconds=20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = found()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("not delivered in time")


def test_a_new_lead_reaches_the_subscribed_endpoint_signed(api, stack, tmp_path):
    ca_dir = Path(stack["CRM_NOTIFICATION_WEBHOOK_CA_FILE"]).parent
    ca = trustme.CA.from_pem(
        (ca_dir / "webhook-ca.pem").read_bytes(), (ca_dir / "webhook-ca.key").read_bytes()
    )
    with https_receiver(tmp_path, ca=ca) as receiver:
        created = api.post(
            "/v1/webhook-endpoints",
            json={"url": receiver.url, "event_types": ["LeadCreated"], "description": "e2e"},
        )
        assert created.status_code == 201, created.text
        endpoint = created.json()
        lead = api.post("/v1/leads", json={"name": "王芳", "phone": "13800138000", "source": "web"})
        assert lead.status_code == 201, lead.text
        lead_id = lead.json()["id"]

        def signed_for_the_lead():
            return [r for r in receiver.requests if lead_id.encode() in r.body]

        [request] = _wait(signed_for_the_lead)
        delivered = Webhook(endpoint["secret"]).verify(request.body, request.headers)
        assert delivered["type"] == "LeadCreated" and delivered["data"]["lead_id"] == lead_id
        log = _wait(
            lambda: [
                d
                for d in api.get(f"/v1/webhook-endpoints/{endpoint['id']}/deliveries").json()[
                    "items"
                ]
                if d["status"] == "succeeded"
            ]
        )
        assert log[0]["message_id"] == request.headers["webhook-id"]
        assert log[0]["attempts"][0]["status_code"] == 200
