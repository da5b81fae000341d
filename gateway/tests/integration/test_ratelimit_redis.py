"""The token-bucket script on the real Redis: bursts, refills, all-or-nothing spending
across buckets, no overspending under concurrency, and open doors when Redis is down."""

import asyncio
import time

from crm_runtime.testing.servers import free_port
from gateway.traffic.ratelimit import Bucket, RateLimiter
from redis.asyncio import Redis

pytest_plugins = ["gateway_support"]  # fixtures: redis_url, tenant_id, gateway_app


def _run(redis_url, scenario):
    async def main():
        redis = Redis.from_url(redis_url, decode_responses=True)
        try:
            return await scenario(RateLimiter(redis), redis)
        finally:
            await redis.aclose()

    return asyncio.run(main())


def test_a_burst_passes_then_the_bucket_refuses(redis_url, tenant_id):
    async def scenario(limiter, _redis):
        bucket = Bucket("credential", limiter.key(tenant_id, "key:a"), rate=1, burst=3)
        return [await limiter.hit([bucket]) for _ in range(4)]

    decisions = _run(redis_url, scenario)
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    assert decisions[-1].retry_after == 1 and decisions[-1].headers()["Retry-After"] == "1"


def test_a_refused_request_spends_nothing_from_the_other_bucket(redis_url, tenant_id):
    async def scenario(limiter, redis):
        credential = Bucket("credential", limiter.key(tenant_id, "key:a"), rate=0.01, burst=5)
        tenant = Bucket("tenant", limiter.key(tenant_id, "tenant"), rate=0.01, burst=2)
        decisions = [await limiter.hit([credential, tenant]) for _ in range(4)]
        return decisions, float(await redis.hget(credential.key, "tokens"))

    decisions, credential_left = _run(redis_url, scenario)
    assert [d.allowed for d in decisions] == [True, True, False, False]
    assert decisions[-1].bucket == "tenant"
    assert 2.9 < credential_left < 3.1  # only the two admitted requests spent from it


def test_tokens_come_back_at_the_rate(redis_url, tenant_id):
    async def scenario(limiter, _redis):
        bucket = Bucket("credential", limiter.key(tenant_id, "key:a"), rate=20, burst=1)
        first, second = await limiter.hit([bucket]), await limiter.hit([bucket])
        await asyncio.sleep(0.08)
        return first.allowed, second.allowed, (await limiter.hit([bucket])).allowed

    assert _run(redis_url, scenario) == (True, False, True)


def test_concurrent_requests_never_overspend(redis_url, tenant_id):
    async def scenario(limiter, _redis):
        bucket = Bucket("credential", limiter.key(tenant_id, "key:a"), rate=0.001, burst=10)
        return await asyncio.gather(*(limiter.hit([bucket]) for _ in range(60)))

    assert sum(d.allowed for d in _run(redis_url, scenario)) == 10


def test_idle_buckets_expire_once_they_would_be_full(redis_url, tenant_id):
    async def scenario(limiter, redis):
        bucket = Bucket("credential", limiter.key(tenant_id, "key:a"), rate=10, burst=5)
        await limiter.hit([bucket])
        return await redis.pttl(bucket.key)

    assert 0 < _run(redis_url, scenario) <= 1100  # 0.1 s to refill + 1 s of slack


def test_without_redis_requests_go_through():
    async def main():
        redis = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=0.2)
        try:
            started = time.perf_counter()
            decision = await RateLimiter(redis).hit([Bucket("credential", "k", 1, 1)])
            return decision, time.perf_counter() - started
        finally:
            await redis.aclose()

    decision, took = asyncio.run(main())
    assert decision is None and took < 1
