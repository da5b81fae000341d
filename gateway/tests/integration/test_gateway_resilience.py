"""A service that is down answers 503 within milliseconds; reads are retried, writes not."""

import asyncio
import socket
import time
from collections import Counter

import grpc
import httpx
import pytest
import uvicorn
from crm.lead.v1 import lead_pb2, lead_pb2_grpc
from crm_runtime.principal import Principal
from crm_runtime.testing.servers import free_port
from gateway.app import create_app
from gateway.clients import connect_services
from gateway_support import gateway_settings, seed

pytest_plugins = ["gateway_support"]  # fixtures: redis_url, tenant_id, gateway_app


def test_a_down_service_is_503_at_once_and_its_circuit_opens(
    gateway_app, mongo_uri, database_name, tenant_id
):
    tenant = seed(mongo_uri, database_name, tenant_id)
    client = gateway_app()  # every service's address is a closed port
    headers = {"Authorization": f"Bearer {tenant.admin_key}"}
    timings, answers = [], []
    for _ in range(7):
        started = time.perf_counter()
        answers.append(client.get("/v1/leads/some-id", headers=headers))
        timings.append(time.perf_counter() - started)
    for response in answers:
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        assert int(response.headers["Retry-After"]) >= 1
        assert "Traceback" not in response.text
    assert max(timings[:5]) < 1.0  # refused connections fail fast, retries included
    assert "lead service is unavailable" in answers[-1].json()["detail"]  # circuit open
    assert max(timings[5:]) < 0.05, timings
    assert client.app.state.ctx.services.breakers["lead"].opened_at is not None


class Flaky(lead_pb2_grpc.LeadServiceServicer):
    """Answers UNAVAILABLE to the first call of each method, as a restarting pod does."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    async def _maybe_fail(self, method, context):
        self.calls[method] += 1
        if self.calls[method] == 1:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "starting up")

    async def GetLead(self, request, context):
        await self._maybe_fail("GetLead", context)
        return lead_pb2.GetLeadResponse(lead=lead_pb2.Lead(id=request.id))

    async def CreateLead(self, request, context):
        await self._maybe_fail("CreateLead", context)
        return lead_pb2.CreateLeadResponse(lead=lead_pb2.Lead(id="new"))


def test_reads_are_retried_and_writes_are_not(mongo_uri, database_name, redis_url):
    async def main():
        flaky = Flaky()
        server = grpc.aio.server()
        lead_pb2_grpc.add_LeadServiceServicer_to_server(flaky, server)
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        settings = gateway_settings(
            mongo_uri, database_name, redis_url, CRM_LEAD_ADDR=f"127.0.0.1:{port}"
        )
        services = connect_services(settings)
        options = services.call_options(Principal("t1", "u1", ("admin",), "all"))
        try:
            read = await services.lead.GetLead(lead_pb2.GetLeadRequest(id="l1"), **options)
            with pytest.raises(grpc.aio.AioRpcError) as write:
                await services.lead.CreateLead(lead_pb2.CreateLeadRequest(), **options)
            return read, write.value.code(), flaky.calls
        finally:
            await services.close()
            await server.stop(0)

    read, write_code, calls = asyncio.run(main())
    assert read.lead.id == "l1" and calls["GetLead"] == 2
    assert write_code == grpc.StatusCode.UNAVAILABLE and calls["CreateLead"] == 1


def test_shutdown_drains_requests_in_flight(mongo_uri, database_name, redis_url, tenant_id):
    """SIGTERM (uvicorn's should_exit) stops new connections and lets a request that is
    waiting on a service finish with its answer instead of a reset connection."""
    tenant = seed(mongo_uri, database_name, tenant_id)
    blackhole = socket.socket()  # accepts TCP, never speaks gRPC: calls wait for their deadline
    blackhole.bind(("127.0.0.1", 0))
    blackhole.listen(8)
    settings = gateway_settings(
        mongo_uri, database_name, redis_url, CRM_LEAD_ADDR=f"127.0.0.1:{blackhole.getsockname()[1]}"
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings),
            host="127.0.0.1",
            port=port,
            log_config=None,
            timeout_graceful_shutdown=10,
        )
    )

    async def main():
        serving = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.02)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            headers = {"Authorization": f"Bearer {tenant.admin_key}"}
            in_flight = asyncio.create_task(client.get("/v1/leads/l1", headers=headers))
            await asyncio.sleep(0.5)
            server.should_exit = True
            answer = await in_flight
        await serving
        return answer

    try:
        answer = asyncio.run(main())
    finally:
        blackhole.close()
    assert answer.status_code == 503  # the deadline's answer, delivered during shutdown
    assert answer.headers["content-type"] == "application/problem+json"
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
