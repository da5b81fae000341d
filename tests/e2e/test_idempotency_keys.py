"""Idempotency keys through the whole stack: twenty identical POSTs racing with one key
create exactly one lead in the lead service's database."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx


def test_twenty_concurrent_identical_posts_create_one_lead(api, mongo, stack):
    tenant = api.get("/v1/me").json()["tenant_id"]
    name = f"幂等-{uuid.uuid4().hex[:8]}"
    body = {"name": name, "company": "杭州幂等科技", "source": "api"}
    headers = {**api.headers, "Idempotency-Key": str(uuid.uuid4())}
    start = threading.Barrier(20)

    def post(_: int) -> httpx.Response:
        with httpx.Client(base_url=stack["CRM_GATEWAY_URL"], timeout=30) as client:
            start.wait()
            return client.post("/v1/leads", json=body, headers=headers)

    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(post, range(20)))

    created = [a for a in answers if a.status_code == 201]
    assert created and all(a.status_code in (201, 409) for a in answers), [
        (a.status_code, a.text[:100]) for a in answers
    ]
    assert len({a.text for a in created}) == 1  # one answer, replayed to the others
    assert sum(a.headers.get("idempotent-replayed") != "true" for a in created) == 1
    leads = mongo["crm_lead"]["leads"]
    assert leads.count_documents({"tenant_id": tenant, "name": name}) == 1


def test_the_key_with_another_body_is_refused_and_later_replays_stay_identical(api):
    key = {"Idempotency-Key": f"erp-{uuid.uuid4().hex}"}
    first = api.post("/v1/leads", json={"name": "重放", "source": "api"}, headers=key)
    again = api.post("/v1/leads", json={"source": "api", "name": "重放"}, headers=key)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and again.headers["idempotent-replayed"] == "true"
    other = api.post("/v1/leads", json={"name": "另一个", "source": "api"}, headers=key)
    assert other.status_code == 422
    assert other.json()["errors"] == [
        {"field": "Idempotency-Key", "message": "was already used with a different request"}
    ]


def test_a_rejected_body_is_replayed_as_rejected_without_a_second_look(api, mongo):
    key = {"Idempotency-Key": f"bad-{uuid.uuid4().hex}"}
    first = api.post("/v1/leads", json={"name": "", "source": "web"}, headers=key)
    again = api.post("/v1/leads", json={"name": "", "source": "web"}, headers=key)
    assert first.status_code == again.status_code == 422
    assert first.json() == again.json()
