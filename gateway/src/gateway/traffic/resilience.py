"""Calling services that may be slow or down: retries for reads, a circuit breaker.

Retries: only reads (Get*, List*, Check*) are retried, by gRPC itself through the
channel's service config, on UNAVAILABLE only (the call never reached a server that
could have acted on it), within the call's one deadline. Writes are never retried here:
a retried write that had in fact succeeded would be a second effect, which is what the
client's Idempotency-Key is for.

Circuit breaker: after `failures` consecutive UNAVAILABLE / DEADLINE_EXCEEDED answers
from one service, calls to it fail at once with 503 and Retry-After for `cooldown`
seconds instead of each waiting for its deadline; then one trial call goes through,
and its outcome closes the circuit or opens it again.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from typing import Any

import grpc
from crm_runtime import metrics
from google.protobuf.descriptor import ServiceDescriptor

from gateway.conventions.problems import ServiceUnavailable

READ_PREFIXES = ("Get", "List", "Check")
TRIPPING = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED})


def retry_service_config(service: ServiceDescriptor) -> str:
    """The channel's service config: a retry policy on the service's read methods."""
    reads = [m.name for m in service.methods if m.name.startswith(READ_PREFIXES)]
    config: dict[str, Any] = {"methodConfig": []}
    if reads:
        config["methodConfig"].append(
            {
                "name": [{"service": service.full_name, "method": name} for name in reads],
                "retryPolicy": {
                    "maxAttempts": 3,
                    "initialBackoff": "0.05s",
                    "maxBackoff": "0.5s",
                    "backoffMultiplier": 2,
                    "retryableStatusCodes": ["UNAVAILABLE"],
                },
            }
        )
    return json.dumps(config)


class CircuitBreaker(grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    def __init__(
        self,
        target: str,
        failures: int = 5,
        cooldown: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.target = target
        self.threshold = max(1, failures)
        self.cooldown = cooldown
        self.clock = clock
        self.failures = 0
        self.opened_at: float | None = None
        self.probing = False

    def _admit(self) -> bool:
        """Whether this call may go out; True for exactly one trial once cooled down."""
        if self.opened_at is None:
            return True
        if self.clock() - self.opened_at >= self.cooldown and not self.probing:
            self.probing = True
            return True
        return False

    def _record(self, failed: bool) -> None:
        self.probing = False
        if not failed:
            self.failures, self.opened_at = 0, None
            metrics.GATEWAY_CIRCUIT_OPEN.labels("gateway", self.target).set(0)
            return
        self.failures += 1
        if self.opened_at is not None or self.failures >= self.threshold:
            self.opened_at = self.clock()
            metrics.GATEWAY_CIRCUIT_OPEN.labels("gateway", self.target).set(1)

    def retry_after(self) -> int:
        opened = self.opened_at if self.opened_at is not None else self.clock()
        return max(1, math.ceil(self.cooldown - (self.clock() - opened)))

    async def intercept_unary_unary(
        self, continuation: Any, client_call_details: Any, request: Any
    ) -> Any:
        if not self._admit():
            metrics.GATEWAY_CIRCUIT_REJECTED.labels("gateway", self.target).inc()
            raise ServiceUnavailable(self.target, self.retry_after())
        call = await continuation(client_call_details, request)
        try:
            response = await call
        except grpc.aio.AioRpcError as exc:
            self._record(exc.code() in TRIPPING)
            raise
        except BaseException:
            self.probing = False
            raise
        self._record(False)
        return response
