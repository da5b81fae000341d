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
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import grpc
import httpx
from crm.lead.v1 import lead_pb2, lead_pb2_grpc
from crm_runtime.principal import Principal
from gateway.ratelimit import Bucket, RateLimiter
from redis.asyncio import Redis

ROOT = Path(__file__).resolve().parents[2]
STACK = [sys.executable, str(ROOT / "deploy" / "local" / "stack.py")]
ENV_FILE = ROOT / ".local" / "test" / "dev.env"
UNLIMITED = ("--credential-rate", "1e6", "--credential-burst", "1e6")
UNLIMITED += ("--tenant-rate", "1e6", "--tenant-burst", "1e6")


def _read_env(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return dict(pairs)


def _stack_is_up() -> bool:
    if not ENV_FILE.exists():
        return False
    try:
        url = _read_env(ENV_FILE)["CRM_GATEWAY_URL"]
        return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
    except (httpx.HTTPError, KeyError):
        return False


def _cpu_seconds() -> dict[str, float]:
    """CPU time so far of the stack's processes that serve a lead read (Linux /proc)."""
    state = json.loads((ROOT / ".local" / "test" / "state.json").read_text())
    found = {}
    for name in ("gateway", "lead-api", "mongo"):
        try:
            fields = Path(f"/proc/{state['pids'][name]}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, KeyError):
            continue
        found[name] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return found


def _measured(phase: Callable[[], dict[str, float]]) -> dict[str, float]:
    """A phase's figures plus each process's CPU milliseconds per request during it."""
    before = _cpu_seconds()
    figures = phase()
    after = _cpu_seconds()
    for name, spent in after.items():
        figures[f"cpu_ms_per_request_{name}"] = 1000 * (spent - before[name]) / figures["requests"]
    return figures


def _admin(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "gateway.admin", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.strip()


async def _drive(
    total: int, concurrency: int, call: Callable[[], Awaitable[None]]
) -> dict[str, float]:
    """`total` calls by `concurrency` workers; throughput and latency percentiles."""
    latencies: list[float] = []
    remaining = total

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            started = time.perf_counter()
            await call()
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "per_second": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
    }


class KeepAlive:
    """A bare HTTP/1.1 client: one keep-alive connection, GET only, Content-Length
    bodies. httpx spends ~4 ms of CPU per request here, more than the gateway does, and
    on a small machine the client shares the CPU with the stack: a client that costs
    next to nothing keeps the figures about the gateway."""

    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self.address = (host, port)
        self.head = "".join(f"{k}: {v}\r\n" for k, v in {"Host": host, **headers}.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(*self.address)
        assert self.reader is not None
        self.writer.write(f"GET {path} HTTP/1.1\r\n{self.head}\r\n".encode())
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        fields = (line.partition(":") for line in head[1:])
        length = next(int(v) for k, _, v in fields if k.lower() == "content-length")
        return int(head[0].split()[1]), await self.reader.readexactly(length)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def _through_gateway(
    url: str, key: str, lead_id: str, total: int, concurrency: int
) -> dict[str, float]:
    host, port = url.removeprefix("http://").split(":")
    auth = {"Authorization": f"Bearer {key}"}
    free: asyncio.Queue[KeepAlive] = asyncio.Queue()
    for _ in range(concurrency):
        free.put_nowait(KeepAlive(host, int(port), auth))

    async def call() -> None:
        connection = await free.get()
        try:
            status, body = await connection.get(f"/v1/leads/{lead_id}")
        finally:
            free.put_nowait(connection)
        if status != 200:
            raise RuntimeError(f"gateway answered {status}: {body[:200]!r}")

    try:
        await _drive(min(total, 200), concurrency, call)  # warm connections and caches
        return await _drive(total, concurrency, call)
    finally:
        while not free.empty():
            free.get_nowait().close()


async def _direct(
    address: str, principal: Principal, lead_id: str, total: int, concurrency: int
) -> dict[str, float]:
    async with grpc.aio.insecure_channel(address) as channel:
        stub = lead_pb2_grpc.LeadServiceStub(channel)
        metadata = principal.to_metadata()
        request = lead_pb2.GetLeadRequest(id=lead_id)

        async def call() -> None:
            await stub.GetLead(request, metadata=metadata, timeout=30)

        await _drive(min(total, 200), concurrency, call)
        return await _drive(total, concurrency, call)


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
        concurrent = await _drive(calls, concurrency, lambda: _hit(limiter, buckets))
        return {
            "sequential_us_per_request": 1e6 * sequential,
            "concurrent_us_per_request": 1e6 / concurrent["per_second"],
            "concurrent_p50_us": 1000 * concurrent["p50_ms"],
        }
    finally:
        await redis.delete(*(b.key for b in buckets))
        await redis.aclose()


async def _hit(limiter: RateLimiter, buckets: list[Bucket]) -> None:
    await limiter.hit(buckets)


def run(total: int, concurrency: int) -> dict[str, Any]:
    started_here = not _stack_is_up()
    if started_here:
        subprocess.run([*STACK, "up", "--profile", "test"], check=True, timeout=300)
    try:
        env = _read_env(ENV_FILE)
        tenant = f"bench-{uuid.uuid4().hex[:8]}"
        _admin(env, "create-tenant", "--tenant", tenant, "--plan", "enterprise", *UNLIMITED)
        key = _admin(env, "issue-key", "--tenant", tenant, "--user", "bench", "--role", "admin")
        lead = httpx.post(
            f"{env['CRM_GATEWAY_URL']}/v1/leads",
            json={"name": "压测线索", "source": "api"},
            headers={"Authorization": f"Bearer {key}"},
            timeout=30,
        )
        lead.raise_for_status()
        lead_id = lead.json()["id"]
        principal = Principal(tenant, "bench", ("admin",), "all")
        gateway = _measured(
            lambda: asyncio.run(
                _through_gateway(env["CRM_GATEWAY_URL"], key, lead_id, total, concurrency)
            )
        )
        direct = _measured(
            lambda: asyncio.run(
                _direct(env["CRM_LEAD_ADDR"], principal, lead_id, total, concurrency)
            )
        )
        limiter = asyncio.run(_limiter_cost(env["CRM_REDIS_URL"], min(total, 2000), concurrency))
    finally:
        if started_here:
            subprocess.run([*STACK, "down", "--profile", "test"], check=False, timeout=120)
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
            f"{k.removeprefix('cpu_ms_per_request_')} {v:.2f} ms"
            for k, v in r.items()
            if k.startswith("cpu_ms")
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
