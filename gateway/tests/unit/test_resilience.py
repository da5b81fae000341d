"""Reads are retried by gRPC's service config; the circuit breaker fails fast."""

import asyncio
import json

import grpc
import pytest
from crm.lead.v1 import lead_pb2
from gateway.conventions.problems import ServiceUnavailable
from gateway.traffic.resilience import CircuitBreaker, retry_service_config

LEAD = lead_pb2.DESCRIPTOR.services_by_name["LeadService"]


def test_only_reads_get_a_retry_policy():
    (config,) = json.loads(retry_service_config(LEAD))["methodConfig"]
    methods = {n["method"] for n in config["name"]}
    assert {"GetLead", "ListLeads", "ListPool", "CheckDuplicates"} <= methods
    assert not methods & {"CreateLead", "UpdateLead", "ClaimLead", "MergeLeads", "StartImport"}
    assert config["retryPolicy"]["retryableStatusCodes"] == ["UNAVAILABLE"]


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def _failure(code):
    return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), grpc.aio.Metadata(), details="x")


def _call(breaker, outcome):
    """One call through the breaker's interceptor; `outcome` is a code or "ok"."""

    async def continuation(_details, _request):
        async def answer():
            if outcome == "ok":
                return "reply"
            raise _failure(outcome)

        return answer()

    return asyncio.run(breaker.intercept_unary_unary(continuation, None, None))


def test_the_circuit_opens_after_consecutive_failures_and_fails_fast():
    clock = Clock()
    breaker = CircuitBreaker("lead", failures=3, cooldown=5, clock=clock)
    for _ in range(3):
        with pytest.raises(grpc.aio.AioRpcError):
            _call(breaker, grpc.StatusCode.UNAVAILABLE)
    with pytest.raises(ServiceUnavailable) as raised:
        _call(breaker, "ok")  # not even tried
    assert raised.value.retry_after == 5
    clock.now += 3.2
    with pytest.raises(ServiceUnavailable) as raised:
        _call(breaker, "ok")
    assert raised.value.retry_after == 2


def test_after_the_cooldown_one_trial_closes_or_reopens_it():
    clock = Clock()
    breaker = CircuitBreaker("lead", failures=1, cooldown=5, clock=clock)
    with pytest.raises(grpc.aio.AioRpcError):
        _call(breaker, grpc.StatusCode.DEADLINE_EXCEEDED)
    clock.now += 5
    with pytest.raises(grpc.aio.AioRpcError):
        _call(breaker, grpc.StatusCode.UNAVAILABLE)  # the trial fails: open again
    with pytest.raises(ServiceUnavailable):
        _call(breaker, "ok")
    clock.now += 5
    assert _call(breaker, "ok") == "reply"
    assert _call(breaker, "ok") == "reply" and breaker.opened_at is None


def test_answers_from_a_healthy_service_never_trip_it():
    breaker = CircuitBreaker("lead", failures=1, cooldown=5, clock=Clock())
    for code in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
        with pytest.raises(grpc.aio.AioRpcError):
            _call(breaker, code)
    assert _call(breaker, "ok") == "reply"
