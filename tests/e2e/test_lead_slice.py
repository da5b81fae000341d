"""One lead through the whole platform: gateway -> lead api -> outbox -> RabbitMQ ->
notification and analytics workers -> back out through the gateway."""

from __future__ import annotations

import json
import secrets
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from event_support import wait_until_consumed

LEAD = {
    "name": "陈静",
    "company": "深圳蓝海贸易 有限公司",
    "phone": "+86 137-0013-8000",
    "email": "Chen.Jing@LanHai.cn",
    "source": "trade_show",
    "tags": ["展会"],
}


def _poll(fetch, found, seconds=5.0):
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        value = fetch()
        if found(value):
            return value, time.monotonic() - started
        time.sleep(0.02)
    raise AssertionError(f"not seen within {seconds} s: {value}")


def _summary_count(api, source):
    day = datetime.now(UTC).date().isoformat()
    counts = api.get("/v1/analytics/leads/summary", params={"day_from": day, "day_to": day}).json()[
        "counts"
    ]
    return sum(c["count"] for c in counts if c["source"] == source)


def test_a_lead_reaches_inbox_and_analytics_within_a_second(api, mongo):
    # A latency, measured on a quiet pipeline: not behind events other tests left queued.
    wait_until_consumed(mongo, datetime.now(UTC) - timedelta(minutes=30), seconds=90)
    before = _summary_count(api, "trade_show")
    # Unique contact details: other tests share this tenant, and a lead matching one of
    # theirs would be flagged or merged instead of arriving as new.
    digits = f"{secrets.randbelow(10**8):08d}"
    unique = {
        "phone": f"+86 137-{digits[:4]}-{digits[4:]}",
        "email": f"Chen.Jing.{digits}@LanHai.cn",
        "company": f"深圳蓝海贸易 {digits} 有限公司",
    }
    posted = api.post("/v1/leads", json={**LEAD, **unique})
    assert posted.status_code == 201, posted.text
    lead = posted.json()
    assert lead["phone"] == f"+86137{digits}" and lead["email"] == f"chen.jing.{digits}@lanhai.cn"
    assert api.get(f"/v1/leads/{lead['id']}").json() == lead

    inbox, inbox_after = _poll(
        lambda: api.get("/v1/notifications").json()["items"],
        lambda items: any(n["subject_id"] == lead["id"] for n in items),
    )
    _, summary_after = _poll(lambda: _summary_count(api, "trade_show"), lambda n: n == before + 1)
    item = next(n for n in inbox if n["subject_id"] == lead["id"])
    assert item["title"] == "新线索：陈静" and item["read"] is False
    print(f"inbox after {inbox_after:.3f} s, analytics after {summary_after:.3f} s")
    assert inbox_after < 1.0 and summary_after < 1.0


def test_one_trace_spans_gateway_lead_api_and_both_workers(api, stack):
    trace_id = secrets.token_hex(16)
    headers = {"traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"}
    posted = api.post("/v1/leads", json={**LEAD, "phone": ""}, headers=headers)
    assert posted.status_code == 201
    answered = posted.headers["traceparent"].split("-")  # the answer names the same trace
    assert answered[1] == trace_id and answered[2] != headers["traceparent"].split("-")[2]
    fresh = api.get("/v1/leads", params={"limit": 1}).headers["traceparent"]
    assert fresh.split("-")[1] not in ("0" * 32, trace_id)  # a trace of its own, given back
    spans_file = Path(stack["CRM_TRACE_FILE"])

    def processes_in_trace():
        if not spans_file.exists():
            return set()
        # JSON Lines end at "\n" only: str.splitlines() would also cut at U+2028 or NEL,
        # which fuzzed URLs leave in span attributes; a line still being appended waits.
        text = spans_file.read_text()
        complete = text[: text.rfind("\n") + 1]
        spans = [json.loads(line) for line in complete.split("\n") if line]
        return {(s["service"], s["process"]) for s in spans if s["trace_id"] == trace_id}

    wanted = {
        ("gateway", "gateway"),
        ("lead", "api"),
        ("notification", "worker"),
        ("analytics", "worker"),
    }
    _poll(processes_in_trace, lambda seen: wanted <= seen, seconds=10)


BAD_LEADS = [
    ({"company": "x", "source": "web"}, {"name"}),
    ({"name": "a", "phone": "138-0013", "source": "web"}, {"phone"}),
    ({"name": "a", "email": "no-at-sign", "source": "web"}, {"email"}),
    ({"name": "a", "source": "fax"}, {"source"}),
    ({"name": "字" * 101, "source": "web"}, {"name"}),
    ({"name": 42, "source": "web"}, {"name"}),
    ({"name": {"$gt": ""}, "source": "web"}, {"name"}),
    ({"name": "a", "source": "web", "favourite_colour": "red"}, {"favourite_colour"}),
    ({"name": "", "phone": "1", "email": "@", "source": "web"}, {"name", "phone", "email"}),
]


@pytest.mark.parametrize(("body", "fields"), BAD_LEADS)
def test_invalid_leads_get_422_naming_each_field_and_leave_no_trace(api, mongo, body, fields):
    leads, outbox = mongo["crm_lead"]["leads"], mongo["crm_lead"]["outbox"]
    counts = (leads.count_documents({}), outbox.count_documents({}))
    response = api.post("/v1/leads", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert {e["field"] for e in problem["errors"]} == fields
    assert problem["status"] == 422 and problem["detail"]
    assert (leads.count_documents({}), outbox.count_documents({})) == counts


def test_malformed_json_is_a_problem_too(api):
    response = api.post(
        "/v1/leads", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("auth", [None, "Bearer crm_nope_nope", "Basic dXNlcjpwYXNz"])
def test_requests_without_a_valid_key_get_401(stack, auth):
    import httpx

    headers = {"Authorization": auth} if auth else {}
    response = httpx.post(f"{stack['CRM_GATEWAY_URL']}/v1/leads", json=LEAD, headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def test_unknown_leads_are_404(api):
    response = api.get("/v1/leads/does-not-exist")
    assert response.status_code == 404
    assert response.json()["title"] == "Not found"
