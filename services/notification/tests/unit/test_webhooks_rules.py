"""Webhook rules without I/O: the Standard Webhooks signature (checked by the
`standardwebhooks` library), the retry schedule, rotation, disabling, URL and field
rules, and secrets sealed at rest."""

import base64
import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from crm_runtime.errors import FailedPrecondition, ValidationFailed
from notification.webhooks import domain
from notification.webhooks.domain import EndpointFields, Outcome, SigningKey, Status
from notification.webhooks.guard import UrlPolicy
from notification.webhooks.sealing import AesGcmSealer, new_key_spec, parse_keys
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
CATALOGUE = ["LeadCreated", "OpportunityWon"]


def endpoint(**fields):
    base = EndpointFields(url="https://erp.example.com/hooks", event_types=["LeadCreated"])
    key = SigningKey("k1", "sealed-1", NOW)
    return domain.create_endpoint("ep1", "t1", base, key, CATALOGUE, NOW)


def delivery(ep=None, **over):
    envelope = {
        "event_id": "ev1",
        "event_type": "LeadCreated",
        "occurred_at": NOW,
        "payload": {"lead_id": "l1", "name": "张伟"},
    }
    return domain.new_delivery("d1", ep or endpoint(), envelope, NOW)


def test_the_signature_verifies_with_the_standard_webhooks_library():
    secret = domain.new_secret()
    body, content_type = domain.body(delivery(), "standard", "/crm/lead")
    ts = int(time.time())  # the library checks the timestamp against its own clock
    headers = {
        "webhook-id": "msg_ev1",
        "webhook-timestamp": str(ts),
        "webhook-signature": domain.sign([secret], "msg_ev1", ts, body),
    }
    wh = Webhook(secret)
    assert content_type == "application/json"
    assert wh.verify(body, headers) == {
        "type": "LeadCreated",
        "timestamp": "2026-12-01T09:00:00Z",
        "data": {"lead_id": "l1", "name": "张伟"},
    }
    with pytest.raises(WebhookVerificationError):
        Webhook(domain.new_secret()).verify(body, headers)


def test_both_secrets_sign_during_a_rotation_and_either_verifies():
    old, new = domain.new_secret(), domain.new_secret()
    signature = domain.sign([old, new], "msg_1", 1700000000, b"{}")
    assert len(signature.split(" ")) == 2
    for secret in (old, new):
        expected = domain.sign([secret], "msg_1", 1700000000, b"{}")
        assert expected in signature.split(" ")
    assert base64.b64decode(domain.new_secret().removeprefix("whsec_")).__len__() == 32


def test_cloudevents_structured_mode():
    body, content_type = domain.body(delivery(), "cloudevents", "/crm/lead")
    doc = json.loads(body)
    assert content_type == "application/cloudevents+json"
    assert doc["specversion"] == "1.0" and doc["id"] == "ev1" and doc["source"] == "/crm/lead"
    assert doc["type"] == "LeadCreated" and doc["data"]["name"] == "张伟"


def test_rotation_keeps_the_previous_secret_for_the_overlap_only():
    ep = endpoint()
    rotated = domain.rotate(ep, SigningKey("k1", "sealed-2", NOW), NOW)
    assert [k.sealed for k in rotated.signing_keys(NOW)] == ["sealed-1", "sealed-2"]
    later = NOW + domain.ROTATION_OVERLAP
    assert [k.sealed for k in rotated.signing_keys(later)] == ["sealed-2"]
    again = domain.rotate(rotated, SigningKey("k1", "sealed-3", NOW), NOW + timedelta(hours=1))
    assert [k.sealed for k in again.keys] == ["sealed-2", "sealed-3"]


def test_retries_follow_the_schedule_then_fail():
    ep, d = endpoint(), delivery()
    at = NOW
    for delay in domain.RETRY_DELAYS[1:]:
        d, ep = domain.after_attempt(d, ep, Outcome(500, 12), at, jitter=lambda: 0.5)
        assert d.status == Status.PENDING
        assert d.next_attempt_at - at == delay
        at = d.next_attempt_at
    d, ep = domain.after_attempt(d, ep, Outcome(500, 12), at, jitter=lambda: 0.5)
    assert d.status == Status.FAILED and d.next_attempt_at is None
    assert len(d.attempts) == len(domain.RETRY_DELAYS)
    assert d.attempts[0].error == "HTTP 500"


def test_redirects_and_client_errors_are_failures_and_429_waits_as_asked():
    d, _ep = domain.after_attempt(delivery(), endpoint(), Outcome(302, 5), NOW)
    assert d.status == Status.PENDING and d.attempts[-1].error == "HTTP 302"
    d, _ = domain.after_attempt(delivery(), endpoint(), Outcome(429, 5, retry_after=120), NOW)
    assert d.next_attempt_at == NOW + timedelta(seconds=120)


def test_410_disables_the_endpoint():
    d, ep = domain.after_attempt(delivery(), endpoint(), Outcome(410, 5), NOW)
    assert d.status == Status.FAILED
    assert not ep.enabled and "410" in ep.disabled_reason


def test_an_endpoint_failing_for_three_days_is_disabled_and_a_success_clears_it():
    _d, ep = domain.after_attempt(delivery(), endpoint(), Outcome(503, 5), NOW)
    assert ep.enabled and ep.failing_since == NOW
    _, ok = domain.after_attempt(delivery(), ep, Outcome(204, 5), NOW + timedelta(days=1))
    assert ok.failing_since is None
    _, off = domain.after_attempt(
        delivery(), ep, Outcome(0, 5, error="timeout"), NOW + timedelta(days=3)
    )
    assert not off.enabled and "failed since" in off.disabled_reason


def test_bad_fields_are_named():
    with pytest.raises(ValidationFailed) as caught:
        domain.check_fields(
            EndpointFields(url="http://erp.example.com", event_types=["Nope"], format="xml"),
            CATALOGUE,
            creating=True,
        )
    assert {v.field for v in caught.value.violations} == {"url", "event_types", "format"}


def test_replaying_keeps_the_message_id_and_a_disabled_endpoint_refuses():
    original = delivery()
    again = domain.replay(original, endpoint(), "d2", NOW)
    assert again.message_id == original.message_id == "msg_ev1"
    assert again.replay_of == "d1" and again.attempts == ()
    with pytest.raises(FailedPrecondition):
        domain.replay(
            original,
            domain.update_endpoint(endpoint(), EndpointFields(enabled=False), CATALOGUE, NOW),
            "d3",
            NOW,
        )


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("169.254.169.254", "link-local"),
        ("10.1.2.3", "private"),
        ("192.168.0.5", "private"),
        ("::ffff:10.0.0.1", "private"),
        ("fd00::1", "private"),
    ],
)
def test_urls_resolving_inside_are_refused(address, why):
    policy = UrlPolicy(resolver=lambda host, port: [address])
    with pytest.raises(ValidationFailed) as caught:
        policy.check("https://erp.example.com/hooks")
    assert caught.value.violations[0].field == "url"
    assert why in caught.value.violations[0].description


def test_public_addresses_and_named_private_hosts_are_allowed():
    UrlPolicy(resolver=lambda host, port: ["93.184.216.34"]).check("https://example.com/h")
    UrlPolicy(["erp.corp"], resolver=lambda h, p: ["10.0.0.8"]).check("https://erp.corp/h")
    with pytest.raises(ValidationFailed):
        UrlPolicy(resolver=lambda h, p: ["93.184.216.34", "10.0.0.8"]).check("https://x.com/")
    with pytest.raises(ValidationFailed):
        UrlPolicy(resolver=lambda h, p: ["93.184.216.34"]).check("http://example.com/h")


def test_sealed_secrets_open_only_with_the_key_and_their_context():
    keys = parse_keys(f"{new_key_spec('k2')},{new_key_spec('k1')}")
    sealer = AesGcmSealer(keys)
    secret = domain.new_secret()
    key_id, sealed = sealer.seal(secret, "t1/ep1")
    assert key_id == "k2" and secret not in sealed and secret[6:] not in sealed
    assert sealer.unseal(sealed, "t1/ep1") == secret
    with pytest.raises(FailedPrecondition):
        sealer.unseal(sealed, "t2/ep1")  # copied onto another tenant's endpoint
    with pytest.raises(FailedPrecondition):
        AesGcmSealer(parse_keys(new_key_spec("k2"))).unseal(sealed, "t1/ep1")
    with pytest.raises(FailedPrecondition):
        AesGcmSealer({}).seal(secret, "t1/ep1")
    with pytest.raises(ValueError):
        parse_keys("k1:c2hvcnQ=")


@pytest.mark.parametrize(
    "url", ["https://[::1/h", "https://erp.example.com:99999/h", "https://a\x00b.com/", ""]
)
def test_urls_that_do_not_parse_are_named_not_crashed_on(url):
    with pytest.raises(ValidationFailed) as caught:
        domain.check_fields(EndpointFields(url=url, event_types=["LeadCreated"]), CATALOGUE, True)
    assert caught.value.violations[0].field == "url"
    with pytest.raises(ValidationFailed):
        UrlPolicy().check(url)
