"""Webhook use cases on the in-memory storage, delivering over real HTTPS to a local
receiver: secrets shown once and sealed at rest, fan-out once per event, signed
attempts, retries, the delivery log, replay, test-send, tenants kept apart."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from crm_runtime.errors import NotFound, StaleVersion, ValidationFailed
from crm_runtime.testing.receivers import https_receiver
from notification.webhooks.domain import EndpointFields, Status
from standardwebhooks.webhooks import Webhook
from webhooks_support import ADMIN, OTHER_TENANT, Clock, app_for, lead_created


@pytest.fixture
def receiver(tmp_path):
    with https_receiver(tmp_path) as r:
        yield r


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def setup(receiver, clock):
    app, storage = app_for(receiver, clock)
    endpoint, secret = app.webhooks.create(
        ADMIN, EndpointFields(url=receiver.url, event_types=["LeadCreated"], description="ERP")
    )
    return app.webhooks, storage, endpoint, secret


def verify(secret, request):
    """The library's own signature for the request (its `verify` would also compare the
    timestamp with the wall clock, which these tests move)."""
    headers = request.headers
    at = datetime.fromtimestamp(int(headers["webhook-timestamp"]), UTC)
    expected = Webhook(secret).sign(headers["webhook-id"], at, request.body)
    assert expected in headers["webhook-signature"].split(" ")
    return json.loads(request.body)


def test_an_event_reaches_the_endpoint_signed_with_its_secret(setup, receiver):
    webhooks, _, endpoint, secret = setup
    assert secret.startswith("whsec_")
    assert webhooks.fan_out(lead_created()) is True
    assert webhooks.fan_out(lead_created()) is False  # the same event again: once
    assert webhooks.deliver_due() == 1
    [request] = receiver.requests
    assert request.headers["webhook-id"] == "msg_ev1"
    assert verify(secret, request)["data"]["name"] == "张伟"
    [logged] = webhooks.deliveries(ADMIN, endpoint.id, 50, "").items
    assert logged.status == Status.SUCCEEDED
    assert logged.attempts[0].status_code == 200 and logged.attempts[0].latency_ms >= 0


def test_the_secret_is_stored_sealed(setup):
    _, storage, _, secret = setup
    dump = repr(storage.uow.tables)
    assert secret not in dump and secret.removeprefix("whsec_") not in dump


def test_a_failing_endpoint_is_retried_with_a_fresh_signature(setup, receiver, clock):
    webhooks, _, endpoint, _secret = setup
    receiver.answers = [(500, {}), (429, {"Retry-After": "60"})]
    webhooks.fan_out(lead_created())
    assert webhooks.deliver_due() == 1
    assert webhooks.deliver_due() == 0  # not due before the schedule says
    clock.advance(timedelta(seconds=6))
    assert webhooks.deliver_due() == 1
    clock.advance(timedelta(seconds=59))
    assert webhooks.deliver_due() == 0  # the receiver asked for a minute
    clock.advance(timedelta(minutes=6))
    assert webhooks.deliver_due() == 1
    first, _second, third = receiver.requests
    assert {r.headers["webhook-id"] for r in receiver.requests} == {"msg_ev1"}
    assert first.headers["webhook-timestamp"] != third.headers["webhook-timestamp"]
    assert first.headers["webhook-signature"] != third.headers["webhook-signature"]
    [logged] = webhooks.deliveries(ADMIN, endpoint.id, 50, "").items
    assert [a.status_code for a in logged.attempts] == [500, 429, 200]
    assert logged.status == Status.SUCCEEDED


def test_410_disables_the_endpoint_and_later_events_are_not_queued(setup, receiver):
    webhooks, _, endpoint, _ = setup
    receiver.answers = [(410, {})]
    webhooks.fan_out(lead_created("ev1"))
    webhooks.deliver_due()
    disabled = webhooks.get(ADMIN, endpoint.id)
    assert not disabled.enabled and "410" in disabled.disabled_reason
    webhooks.fan_out(lead_created("ev2"))
    assert webhooks.deliver_due() == 0


def test_replay_sends_again_with_the_original_webhook_id(setup, receiver):
    webhooks, _, endpoint, secret = setup
    webhooks.fan_out(lead_created())
    webhooks.deliver_due()
    [original] = webhooks.deliveries(ADMIN, endpoint.id, 50, "").items
    again = webhooks.replay(ADMIN, endpoint.id, original.id)
    assert again.id != original.id and again.replay_of == original.id
    webhooks.deliver_due()
    assert [r.headers["webhook-id"] for r in receiver.requests] == ["msg_ev1", "msg_ev1"]
    assert verify(secret, receiver.requests[1])


def test_test_send_reaches_the_endpoint(setup, receiver):
    webhooks, _, endpoint, secret = setup
    delivery = webhooks.send_test(ADMIN, endpoint.id)
    assert delivery.event_type == "WebhookTest" and delivery.status == Status.PENDING
    webhooks.deliver_due()
    assert verify(secret, receiver.requests[0])["type"] == "WebhookTest"


def test_after_rotation_both_secrets_verify_during_the_overlap(setup, receiver, clock):
    webhooks, _, endpoint, old = setup
    rotated, new = webhooks.rotate_secret(ADMIN, endpoint.id, endpoint.version)
    assert new != old and rotated.version == endpoint.version + 1
    webhooks.send_test(ADMIN, endpoint.id)
    webhooks.deliver_due()
    assert verify(old, receiver.requests[0]) and verify(new, receiver.requests[0])
    clock.advance(timedelta(hours=25))
    webhooks.send_test(ADMIN, endpoint.id)
    webhooks.deliver_due()
    assert len(receiver.requests[1].headers["webhook-signature"].split(" ")) == 1
    assert verify(new, receiver.requests[1])


def test_a_deleted_endpoint_gets_nothing_more(setup, receiver):
    webhooks, _, endpoint, _ = setup
    webhooks.fan_out(lead_created("ev1"))
    with pytest.raises(StaleVersion):
        webhooks.delete(ADMIN, endpoint.id, endpoint.version + 1)
    webhooks.delete(ADMIN, endpoint.id, endpoint.version)
    assert webhooks.deliver_due() == 1 and receiver.requests == []  # pending: failed, unsent
    webhooks.fan_out(lead_created("ev2"))
    assert webhooks.deliver_due() == 0
    with pytest.raises(NotFound):
        webhooks.get(ADMIN, endpoint.id)


def test_updates_check_the_version_and_the_url(setup):
    webhooks, _, endpoint, _ = setup
    changed = webhooks.update(
        ADMIN, endpoint.id, EndpointFields(format="cloudevents", enabled=False), endpoint.version
    )
    assert changed.format == "cloudevents" and not changed.enabled
    with pytest.raises(StaleVersion):
        webhooks.update(ADMIN, endpoint.id, EndpointFields(description="x"), endpoint.version)
    with pytest.raises(ValidationFailed) as caught:
        webhooks.update(ADMIN, endpoint.id, EndpointFields(url="https://127.0.0.1/x"), 0)
    assert caught.value.violations[0].field == "url"


def test_a_url_resolving_to_loopback_is_refused_at_registration(setup):
    webhooks, _storage, _, _ = setup
    with pytest.raises(ValidationFailed) as caught:
        webhooks.create(
            ADMIN, EndpointFields(url="https://127.0.0.1:8443/h", event_types=["LeadCreated"])
        )
    assert "loopback" in caught.value.violations[0].description
    assert len(webhooks.list(ADMIN, 50, "").items) == 1  # nothing written


def test_tenants_never_see_each_others_endpoints_events_or_deliveries(setup, receiver):
    webhooks, _, endpoint, _ = setup
    webhooks.fan_out(lead_created("ev-b", tenant="t2"))
    assert webhooks.deliver_due() == 0
    assert webhooks.list(OTHER_TENANT, 50, "").items == []
    with pytest.raises(NotFound):
        webhooks.get(OTHER_TENANT, endpoint.id)
    with pytest.raises(NotFound):
        webhooks.deliveries(OTHER_TENANT, endpoint.id, 50, "")
    webhooks.fan_out(lead_created("ev-a"))
    webhooks.deliver_due()
    [delivery] = webhooks.deliveries(ADMIN, endpoint.id, 50, "").items
    with pytest.raises(NotFound):
        webhooks.replay(OTHER_TENANT, endpoint.id, delivery.id)


def test_pages_of_endpoints(setup, receiver, clock):
    webhooks = setup[0]
    for _i in range(3):
        clock.advance(timedelta(seconds=1))
        webhooks.create(ADMIN, EndpointFields(url=receiver.url, event_types=["LeadCreated"]))
    first = webhooks.list(ADMIN, 2, "")
    second = webhooks.list(ADMIN, 2, first.next_cursor)
    assert len(first.items) == 2 and len(second.items) == 2 and second.next_cursor == ""
    assert not {e.id for e in first.items} & {e.id for e in second.items}
