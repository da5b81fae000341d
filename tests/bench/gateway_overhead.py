"""What the gateway costs: an authenticated GET /v1/leads/{id} against the same GetLead
called directly over gRPC, both at concurrency 32 in one run; and what the rate limiter
adds to each request, in microseconds.

    .venv/bin/python tests/bench/gateway_overhead.py [--requests 3000] [--concurrency 32]

Reuses the test-profile stack (deploy/local/stack.py, ports + 1000) when it runs,
otherwise starts it and stops it afterwards. Loopback only; request counts are bounded.
The bench tenant gets limits far above what one machine can send, so the limiter runs
on every request (that is its cost being measured) but never refuses one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
import httpx
from crm.lead.v1 import lead_pb2, lead_pb2_grpc
from crm_runtime.principal import Principal
from gateway.traffic.ratelimit import Bucket, RateLimiter
from harness import UNLIMITED, MongoTop, Pool, admin_cli, drive, test_stack, with_costs
from redis.asyncio import Redis

SERVING = ("gateway", "lead-api", "mongo")  # the processes a lead read passes through


async def _warm_then_drive(
    total: int, concurrency: int, call: Callable[[int], Awaitable[bool]]
) -> dict[str, Any]:
    """Warm connections and caches with up to 200 calls, then measure `total`."""
    await drive(min(total, 200), concurrency, call)
    return await drive(total, concurrency, call)


async def _through_gateway(
    url: str, key: str, lead_id: str, total: int, concurrency: int
) -> dict[str, Any]:
    pool = Pool(url, concurrency, {"Authorization": f"Bearer {key}"})

    async def call(_: int) -> bool:
        answer = await pool.get(f"/v1/leads/{lead_id}")
        if answer.status != 200:
            raise RuntimeError(f"gateway answered {answer.status}: {answer.body[:200]!r}")
        return True

    try:
        return await _warm_then_drive(total, concurrency, call)
    finally:
        pool.close()


async def _direct(
    address: str, principal: Principal, lead_id: str, total: int, concurrency: int
) -> dict[str, Any]:
    async with grpc.aio.insecure_channel(address) as channel:
        stub = lead_pb2_grpc.LeadServiceStub(channel)
        metadata = principal.to_metadata()
        request = lead_pb2.GetLeadRequest(id=lead_id)

        async def call(_: int) -> bool:
            await stub.GetLead(request, metadata=metadata, timeout=30)
            return True

        return await _warm_then_drive(total, concurrency, call)


async def _limiter_cost(redis_url: str, calls: int, concurrency: int) -> dict[str, float]:
    """The limiter as the gateway calls it: two buckets, one script, per request."""
    redis = Redis.from_url(redis_url, decode_responses=True)
    tenant = f"bench-{uuid.uuid4().hex[:8]}"
    limiter = RateLimiter(redis)
    buckets = [
        Bucket("credential", limiter.key(tenant, "key:bench"), 1e6, 1e6),
        Bucket("tenant", limiter.key(tenant, "tenant"), 1e6, 1e6),
    ]
    try:
        await limiter.hit(buckets)  # loads the script
        started = time.perf_counter()
        for _ in range(calls):
            await limiter.hit(buckets)
        sequential = (time.perf_counter() - started) / calls
        concurrent = await drive(calls, concurrency, lambda _: _hit(limiter, buckets))
        return {
            "sequential_us_per_request": 1e6 * sequential,
            "concurrent_us_per_request": 1e6 / concurrent["per_second"],
            "concurrent_p50_us": 1000 * concurrent["p50_ms"],
        }
    finally:
        await redis.delete(*(b.key for b in buckets))
        await redis.aclose()


async def _hit(limiter: RateLimiter, buckets: list[Bucket]) -> bool:
    await limiter.hit(buckets)
    return True


def run(total: int, concurrency: int) -> dict[str, Any]:
    with test_stack() as stack:
        env = stack.env
        tenant = f"bench-{uuid.uuid4().hex[:8]}"
        admin_cli(env, "create-tenant", "--tenant", tenant, "--plan", "enterprise", *UNLIMITED)
        key = admin_cli(env, "issue-key", "--tenant", tenant, "--user", "bench", "--role", "admin")
        lead = httpx.post(
            f"{env['CRM_GATEWAY_URL']}/v1/leads",
            json={"name": "压测线索", "source": "api"},
            headers={"Authorization": f"Bearer {key}"},
            timeout=30,
        )
        lead.raise_for_status()
        lead_id = lead.json()["id"]
        principal = Principal(tenant, "bench", ("admin",), "all")
        pids = {name: pid for name, pid in stack.pids.items() if name in SERVING}
        top = MongoTop(env["CRM_MONGO_URI"])
        try:
            gateway = with_costs(
                pids,
                top,
                lambda: asyncio.run(
                    _through_gateway(env["CRM_GATEWAY_URL"], key, lead_id, total, concurrency)
                ),
            )
            direct = with_costs(
                pids,
                top,
                lambda: asyncio.run(
                    _direct(env["CRM_LEAD_ADDR"], principal, lead_id, total, concurrency)
                ),
            )
        finally:
            top.close()
        limiter = asyncio.run(_limiter_cost(env["CRM_REDIS_URL"], min(total, 2000), concurrency))
    return {
        "concurrency": concurrency,
        "gateway": gateway,
        "direct_grpc": direct,
        "throughput_ratio_direct_over_gateway": direct["per_second"] / gateway["per_second"],
        "p50_ratio_gateway_over_direct": gateway["p50_ms"] / direct["p50_ms"],
        "rate_limiter": limiter,
    }


def report(result: dict[str, Any]) -> str:
    g, d, lim = result["gateway"], result["direct_grpc"], result["rate_limiter"]
    rows = [
        ("GET /v1/leads/{id} via gateway", g),
        ("GetLead over gRPC directly", d),
    ]
    lines = [
        f"{label:<31} {r['per_second']:7.0f} req/s  p50 {r['p50_ms']:7.2f} ms"
        f"  p99 {r['p99_ms']:7.2f} ms  CPU/request: "
        + ", ".join(
            f"{name} {ms:.2f} ms"
            for name, ms in r["cpu_ms_per_request"].items()
            if name != "all workers"
        )
        for label, r in rows
    ]
    lines.append(
        f"direct/gateway throughput {result['throughput_ratio_direct_over_gateway']:.2f}x, "
        f"gateway/direct p50 {result['p50_ratio_gateway_over_direct']:.2f}x"
    )
    lines.append(
        f"rate limiter: {lim['sequential_us_per_request']:.0f} µs per request one at a time, "
        f"{lim['concurrent_us_per_request']:.0f} µs amortised at concurrency {result['concurrency']}"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=3000, help="per path (at most 20000)")
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    result = run(min(args.requests, 20_000), args.concurrency)
    print(report(result))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
