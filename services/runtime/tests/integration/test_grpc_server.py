"""serve()'s server on port 0: health, reflection, principal, errors, metrics."""

import grpc
import pytest
from crm.lead.v1 import lead_pb2, lead_pb2_grpc
from crm_runtime import errors
from crm_runtime.config import Settings
from crm_runtime.principal import Principal, current_principal
from crm_runtime.rpc.errors import field_violations
from crm_runtime.testing.inprocess import grpc_channel
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from prometheus_client import REGISTRY


class Echo(lead_pb2_grpc.LeadServiceServicer):
    def GetLead(self, request, context):
        if request.id == "bad":
            raise errors.ValidationFailed([errors.FieldViolation("id", "is malformed")])
        if request.id == "crash":
            raise KeyError("secret internals")
        p = current_principal()
        return lead_pb2.GetLeadResponse(lead=lead_pb2.Lead(id=request.id, tenant_id=p.tenant_id))


def _register(server):
    lead_pb2_grpc.add_LeadServiceServicer_to_server(Echo(), server)
    return ["crm.lead.v1.LeadService"]


@pytest.fixture
def channel():
    settings = Settings.from_env(
        "lead", "api", {"CRM_GRPC_PORT": "0", "CRM_GRPC_HOST": "127.0.0.1"}
    )
    with grpc_channel(settings, _register) as ch:
        yield ch


MD = Principal("t1", "u1", ("admin",), "all").to_metadata()


def test_health_reports_each_service(channel):
    health = health_pb2_grpc.HealthStub(channel)
    for name in ("", "crm.lead.v1.LeadService"):
        reply = health.Check(health_pb2.HealthCheckRequest(service=name), timeout=2)
        assert reply.status == health_pb2.HealthCheckResponse.SERVING


def test_reflection_lists_the_service(channel):
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    [reply] = stub.ServerReflectionInfo(
        iter([reflection_pb2.ServerReflectionRequest(list_services="")])
    )
    names = {s.name for s in reply.list_services_response.service}
    assert "crm.lead.v1.LeadService" in names


def test_principal_comes_from_metadata(channel):
    reply = lead_pb2_grpc.LeadServiceStub(channel).GetLead(
        lead_pb2.GetLeadRequest(id="x"), metadata=MD
    )
    assert reply.lead.tenant_id == "t1"


def test_calls_without_a_principal_are_unauthenticated(channel):
    with pytest.raises(grpc.RpcError) as err:
        lead_pb2_grpc.LeadServiceStub(channel).GetLead(lead_pb2.GetLeadRequest(id="x"))
    assert err.value.code() is grpc.StatusCode.UNAUTHENTICATED


def test_domain_errors_become_status_codes_with_field_violations(channel):
    with pytest.raises(grpc.RpcError) as err:
        lead_pb2_grpc.LeadServiceStub(channel).GetLead(
            lead_pb2.GetLeadRequest(id="bad"), metadata=MD
        )
    assert err.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(err.value) == [errors.FieldViolation("id", "is malformed")]


def test_unexpected_errors_are_internal_and_leak_nothing(channel):
    with pytest.raises(grpc.RpcError) as err:
        lead_pb2_grpc.LeadServiceStub(channel).GetLead(
            lead_pb2.GetLeadRequest(id="crash"), metadata=MD
        )
    assert err.value.code() is grpc.StatusCode.INTERNAL
    assert "secret" not in err.value.details()


def test_red_metrics_are_recorded_per_method_and_code(channel):
    method = "/crm.lead.v1.LeadService/GetLead"
    before = (
        REGISTRY.get_sample_value(
            "crm_grpc_server_requests_total", {"service": "lead", "method": method, "code": "OK"}
        )
        or 0
    )
    lead_pb2_grpc.LeadServiceStub(channel).GetLead(lead_pb2.GetLeadRequest(id="m"), metadata=MD)
    after = REGISTRY.get_sample_value(
        "crm_grpc_server_requests_total", {"service": "lead", "method": method, "code": "OK"}
    )
    assert after == before + 1
