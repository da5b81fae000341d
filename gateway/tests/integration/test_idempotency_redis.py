"""Idempotency keys on the real Redis: claim, replay, mismatch, waiting, release."""

import asyncio
import json

import pytest
from crm_runtime.errors import ValidationFailed
from fastapi import HTTPException
from gateway.traffic.idempotency import IdempotencyStore, IdempotentReplay
from redis.asyncio import Redis

HEADERS = [
    ("content-type", "application/json"),
    ("location", "/v1/leads/l1"),
    ("x-request-id", "r1"),
    ("RateLimit-Remaining", "7"),
]

pytest_plugins = ["gateway_support"]  # fixtures: redis_url, tenant_id, gateway_app


def _run(redis_url, scenario, wait=1.0):
    async def main():
        redis = Redis.from_url(redis_url, decode_responses=True)
        try:
            return await scenario(IdempotencyStore(redis, 60, wait, lock_seconds=5), redis)
        finally:
            await redis.aclose()

    return asyncio.run(main())


def test_the_first_request_runs_and_a_repeat_replays_its_answer(redis_url, tenant_id):
    async def scenario(store, redis):
        claim = await store.begin(tenant_id, "key:a", "k-1", "fp")
        await store.finish(claim, 201, HEADERS, b'{"id":"l1"}')
        with pytest.raises(IdempotentReplay) as replay:
            await store.begin(tenant_id, "key:a", "k-1", "fp")
        return replay.value.stored, await redis.ttl(claim.key)

    stored, ttl = _run(redis_url, scenario)
    assert stored.status == 201 and stored.body == b'{"id":"l1"}'
    assert stored.headers == [("content-type", "application/json"), ("location", "/v1/leads/l1")]
    response = stored.response()
    assert response.headers["idempotent-replayed"] == "true"
    assert 55 < ttl <= 60


def test_the_same_key_with_another_body_is_refused_naming_the_header(redis_url, tenant_id):
    async def scenario(store, _redis):
        claim = await store.begin(tenant_id, "key:a", "k-1", "fp-1")
        await store.finish(claim, 201, HEADERS, b"{}")
        await store.begin(tenant_id, "key:a", "k-1", "fp-2")

    with pytest.raises(ValidationFailed) as refused:
        _run(redis_url, scenario)
    assert refused.value.violations[0].field == "Idempotency-Key"


def test_a_duplicate_waits_for_the_first_and_gets_its_answer(redis_url, tenant_id):
    async def scenario(store, _redis):
        claim = await store.begin(tenant_id, "key:a", "k-1", "fp")

        async def finish_later():
            await asyncio.sleep(0.15)
            await store.finish(claim, 201, HEADERS, b'{"id":"l1"}')

        async def duplicate():
            with pytest.raises(IdempotentReplay) as replay:
                await store.begin(tenant_id, "key:a", "k-1", "fp")
            return replay.value.stored.body

        _, body = await asyncio.gather(finish_later(), duplicate())
        return body

    assert _run(redis_url, scenario) == b'{"id":"l1"}'


def test_a_duplicate_gets_409_when_the_first_takes_too_long(redis_url, tenant_id):
    async def scenario(store, _redis):
        await store.begin(tenant_id, "key:a", "k-1", "fp")
        await store.begin(tenant_id, "key:a", "k-1", "fp")

    with pytest.raises(HTTPException) as conflict:
        _run(redis_url, scenario, wait=0.1)
    assert conflict.value.status_code == 409 and conflict.value.headers["Retry-After"] == "1"


def test_a_server_error_releases_the_key_for_a_retry(redis_url, tenant_id):
    async def scenario(store, _redis):
        claim = await store.begin(tenant_id, "key:a", "k-1", "fp")
        await store.finish(claim, 503, HEADERS, b"{}")
        return await store.begin(tenant_id, "key:a", "k-1", "fp")

    assert _run(redis_url, scenario) is not None


def test_keys_belong_to_one_credential_of_one_tenant(redis_url, tenant_id):
    async def scenario(store, _redis):
        claim = await store.begin(tenant_id, "key:a", "k-1", "fp")
        await store.finish(claim, 201, HEADERS, b"{}")
        other_key = await store.begin(tenant_id, "key:b", "k-1", "fp")
        other_tenant = await store.begin(f"{tenant_id}-x", "key:a", "k-1", "fp")
        await store.release(other_tenant)
        return other_key, other_tenant

    assert all(_run(redis_url, scenario))


def test_a_late_first_request_cannot_overwrite_a_newer_claim(redis_url, tenant_id):
    async def scenario(store, redis):
        stale = await store.begin(tenant_id, "key:a", "k-1", "fp")
        await redis.delete(stale.key)  # its lock expired while it ran
        fresh = await store.begin(tenant_id, "key:a", "k-1", "fp")
        await store.finish(stale, 201, HEADERS, b'{"from":"stale"}')
        return json.loads(await redis.get(fresh.key))["state"]

    assert _run(redis_url, scenario) == "running"
