import json

import grpc
import pytest
from crm_runtime.config import Settings
from gateway.app import create_app
from gateway.conventions.problems import GRPC_TO_HTTP, _field_of, problem


@pytest.mark.parametrize(
    ("loc", "field"),
    [
        (("body", "name"), "name"),
        (("body", "tags", 3), "tags.3"),
        (("query", "limit"), "limit"),
        (("body",), "body"),
    ],
)
def test_field_names_drop_the_location(loc, field):
    assert _field_of(loc) == field


def test_problem_bodies_follow_rfc_9457():
    response = problem(404, "lead x not found")
    assert response.media_type == "application/problem+json"
    body = json.loads(response.body)
    assert body == {
        "type": "https://crm.example.dev/problems/not-found",
        "title": "Not found",
        "status": 404,
        "detail": "lead x not found",
        "errors": [],
    }


def test_status_mapping_matches_the_api_conventions():
    assert GRPC_TO_HTTP[grpc.StatusCode.INVALID_ARGUMENT] == 422
    assert GRPC_TO_HTTP[grpc.StatusCode.NOT_FOUND] == 404
    assert (
        GRPC_TO_HTTP[grpc.StatusCode.ALREADY_EXISTS] == GRPC_TO_HTTP[grpc.StatusCode.ABORTED] == 409
    )
    assert GRPC_TO_HTTP[grpc.StatusCode.PERMISSION_DENIED] == 403
    assert grpc.StatusCode.RESOURCE_EXHAUSTED not in GRPC_TO_HTTP  # a size limit of ours: 500
    assert (
        GRPC_TO_HTTP[grpc.StatusCode.UNAVAILABLE]
        == GRPC_TO_HTTP[grpc.StatusCode.DEADLINE_EXCEEDED]
        == 503
    )


def test_openapi_documents_every_route_with_problem_responses():
    spec = create_app(Settings.from_env("gateway", "gateway", {})).openapi()
    paths = spec["paths"]
    for path in (
        "/v1/leads",
        "/v1/leads/{lead_id}",
        "/v1/notifications",
        "/v1/analytics/leads/summary",
    ):
        assert path in paths
    create = paths["/v1/leads"]["post"]
    assert {"401", "403", "409", "422", "429"} <= set(create["responses"])
    assert create["x-crm-action"] == "lead:create" and "sales_rep" in create["x-crm-roles"]
    assert "Retry-After" in create["responses"]["429"]["headers"]
    assert "Idempotency-Key" in [p["name"] for p in create["parameters"]]
    assert "application/problem+json" in create["responses"]["403"]["content"]
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    lead_schema = spec["components"]["schemas"]["LeadCreate"]
    assert lead_schema["additionalProperties"] is False
    assert lead_schema["examples"]
