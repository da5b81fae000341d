"""Rate limits: token buckets in Redis, checked and spent atomically by one Lua script.

A request spends one token from its credential's bucket and one from its tenant's, or
from neither: the script checks every bucket first, so a refused request costs nothing
and one tenant's budget is never spent by requests that were turned away. Redis's own
clock is used, so replicas with skewed clocks share one notion of time. The keys of a
request carry the tenant as a hash tag, so both buckets live in one Redis Cluster slot.

If Redis cannot be reached the request goes through (and is logged): limits protect
the platform from a runaway client, and refusing everyone because Redis blinked would
do more harm than the client could.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

from crm_runtime import metrics
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

# KEYS: one bucket each. ARGV: rate and burst per bucket, then the cost of this request.
# Returns: allowed (1/0), then each bucket's level after the request, as strings
# (Redis would truncate Lua numbers to integers).
BUCKETS_LUA = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local cost = tonumber(ARGV[#ARGV])
local levels = {}
local allowed = 1
for i, key in ipairs(KEYS) do
  local rate = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  local state = redis.call('HMGET', key, 'tokens', 'at')
  local tokens = tonumber(state[1])
  local at = tonumber(state[2])
  if tokens == nil or at == nil then
    tokens = burst
    at = now
  end
  tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
  levels[i] = tokens
  if tokens < cost then allowed = 0 end
end
local out = {allowed}
for i, key in ipairs(KEYS) do
  local rate = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  local tokens = levels[i]
  if allowed == 1 then tokens = tokens - cost end
  redis.call('HSET', key, 'tokens', tostring(tokens), 'at', tostring(now))
  -- A full bucket is the same as no bucket: let Redis forget it once refilled.
  redis.call('PEXPIRE', key, math.ceil((burst - tokens) / rate * 1000) + 1000)
  out[i + 1] = tostring(tokens)
end
return out
"""


@dataclass(frozen=True)
class Bucket:
    name: str  # what it limits: credential, tenant, login_account, login_address
    key: str
    rate: float  # tokens per second
    burst: float  # capacity


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset: int  # seconds until the tightest bucket is full again
    retry_after: int  # seconds until a refused request could pass; 0 when allowed
    bucket: str

    def headers(self) -> dict[str, str]:
        found = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset),
        }
        if not self.allowed:
            found["Retry-After"] = str(self.retry_after)
        return found


def decide(
    buckets: Sequence[Bucket], allowed: bool, levels: Sequence[float], cost: float
) -> Decision:
    """Turn the script's answer into headers' numbers: the tightest bucket speaks."""
    tightest = min(range(len(buckets)), key=lambda i: (levels[i], -buckets[i].burst))
    bucket, level = buckets[tightest], levels[tightest]
    retry_after = 0
    if not allowed:
        short = [(cost - lv) / b.rate for b, lv in zip(buckets, levels, strict=True) if lv < cost]
        retry_after = max(1, math.ceil(max(short)))
    return Decision(
        allowed=allowed,
        limit=int(bucket.burst),
        remaining=max(0, math.floor(level)),
        reset=max(0, math.ceil((bucket.burst - level) / bucket.rate)),
        retry_after=retry_after,
        bucket=bucket.name,
    )


class RateLimiter:
    def __init__(self, redis: Redis, prefix: str = "crm:rl") -> None:
        self.prefix = prefix
        self._script = redis.register_script(BUCKETS_LUA)

    def key(self, tenant_id: str, *parts: str) -> str:
        return ":".join((self.prefix, "{" + tenant_id + "}", *parts))

    async def hit(self, buckets: Sequence[Bucket], cost: float = 1) -> Decision | None:
        """Spend `cost` from every bucket, or from none; None when Redis is unreachable."""
        args: list[float] = [v for b in buckets for v in (b.rate, b.burst)] + [cost]
        try:
            reply = await self._script(keys=[b.key for b in buckets], args=args)
        except RedisError as exc:
            log.warning("rate limits not checked, Redis failed: %s", exc)
            return None
        allowed = int(reply[0]) == 1
        decision = decide(buckets, allowed, [float(v) for v in reply[1:]], cost)
        if not allowed:
            metrics.GATEWAY_RATE_LIMITED.labels("gateway", decision.bucket).inc()
        return decision
