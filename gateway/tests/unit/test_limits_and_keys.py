"""Pure parts of rate limiting, idempotency keys and ETags."""

import pytest
from crm_runtime.errors import ValidationFailed
from gateway.conventions.etag import etag, expected_version
from gateway.traffic.idempotency import check_key, fingerprint
from gateway.traffic.ratelimit import Bucket, decide

CREDENTIAL = Bucket("credential", "k1", rate=2, burst=10)
TENANT = Bucket("tenant", "k2", rate=10, burst=100)


def test_the_tightest_bucket_names_the_headers():
    decision = decide([CREDENTIAL, TENANT], True, [3.4, 80.0], 1)
    assert decision.headers() == {
        "RateLimit-Limit": "10",
        "RateLimit-Remaining": "3",
        "RateLimit-Reset": "4",  # (10 - 3.4) / 2 per second, rounded up
    }
    assert decision.allowed and decision.bucket == "credential"


def test_a_refusal_says_when_to_come_back():
    decision = decide([CREDENTIAL, TENANT], False, [5.0, 0.25], 1)
    assert not decision.allowed and decision.bucket == "tenant"
    assert decision.retry_after == 1  # 0.75 token at 10 per second: under a second
    assert decision.headers()["Retry-After"] == "1"
    slow = decide([Bucket("credential", "k", rate=0.1, burst=3)], False, [0.5], 1)
    assert slow.retry_after == 5 and slow.remaining == 0


def test_the_same_request_has_the_same_fingerprint_whatever_the_json_spacing():
    a = fingerprint("POST", "/v1/leads", "", b'{"name": "a", "source": "web"}')
    b = fingerprint("POST", "/v1/leads", "", b'{"source":"web","name":"a"}')
    assert a == b
    assert a != fingerprint("POST", "/v1/leads", "", b'{"source":"web","name":"b"}')
    assert a != fingerprint("POST", "/v1/users", "", b'{"source":"web","name":"a"}')
    assert fingerprint("POST", "/x", "", b"\xff not json") == fingerprint(
        "POST", "/x", "", b"\xff not json"
    )


@pytest.mark.parametrize("key", ["", "a b", "x" * 256, "中文"])
def test_idempotency_keys_are_visible_ascii_up_to_255(key):
    with pytest.raises(ValidationFailed) as raised:
        check_key(key)
    assert raised.value.violations[0].field == "Idempotency-Key"


def test_a_uuid_is_a_fine_idempotency_key():
    assert check_key("5f0c6d1e-8c1b-4c53-9d61-0c9f3b2a7e10")


@pytest.mark.parametrize(
    ("header", "version"), [(None, None), ("*", None), ('"3"', 3), ('W/"12"', 12), (' "7" ', 7)]
)
def test_if_match_names_a_version(header, version):
    assert expected_version(header) == version


@pytest.mark.parametrize("header", ["3", '"abc"', '"-1"', '"0"', '"1", "2"'])
def test_malformed_if_match_is_a_422_on_the_header(header):
    with pytest.raises(ValidationFailed) as raised:
        expected_version(header)
    assert raised.value.violations[0].field == "If-Match"


def test_etags_are_quoted_versions():
    assert etag(4) == '"4"' and expected_version(etag(4)) == 4
