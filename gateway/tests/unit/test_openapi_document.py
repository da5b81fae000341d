"""The OpenAPI document is complete enough for generated clients and for fuzzers."""

from crm_runtime.config import Settings
from gateway.access.authz import PUBLIC_ACTIONS
from gateway.app import create_app
from gateway.conventions.openapi import NO_LOCATION

SPEC = create_app(Settings.from_env("gateway", "gateway", {})).openapi()
SCHEMAS = SPEC["components"]["schemas"]


def _operations():
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            if path.startswith("/v1/"):
                yield method, path, operation


def test_every_request_body_has_an_example():
    for method, path, operation in _operations():
        if "requestBody" in operation:
            content = operation["requestBody"]["content"]
            if "application/json" not in content:  # a file upload: an example file inline
                assert any(m.get("example") for m in content.values()), f"{method} {path}"
                continue
            schema = content["application/json"]["schema"]
            name = schema["$ref"].rsplit("/", 1)[-1] if "$ref" in schema else "inline"
            schema = SCHEMAS[name] if "$ref" in schema else schema  # read without a model
            assert schema.get("examples"), f"{method} {path}: {name} has no example"


def test_every_operation_documents_its_errors_as_problems():
    for method, path, operation in _operations():
        responses = operation["responses"]
        expected = {"401", "422", "429", "500", "503"}
        if operation["x-crm-action"] in PUBLIC_ACTIONS:
            assert "security" not in operation and "x-crm-roles" not in operation, path
        if operation["x-crm-action"].startswith("auth:"):
            assert "403" not in responses, path
        elif operation["x-crm-action"] in PUBLIC_ACTIONS:  # a web form: no credential at all
            expected = (expected - {"401"}) | {"403", "404"}
        else:
            expected |= {"403"}
            assert operation["security"] == [{"HTTPBearer": []}], path
        assert expected <= set(responses), f"{method} {path}"
        for status in expected:
            assert "application/problem+json" in responses[status]["content"], (path, status)


def test_posts_take_an_idempotency_key_and_if_match_documents_412():
    for method, path, operation in _operations():
        names = {p["name"] for p in operation.get("parameters", [])}
        if method == "post" and operation["x-crm-action"] not in PUBLIC_ACTIONS:
            assert "Idempotency-Key" in names and "409" in operation["responses"], path
        if "If-Match" in names:
            assert "412" in operation["responses"], path
    for path in ("/v1/users/{user_id}", "/v1/teams/{team_id}"):
        assert "If-Match" in {p["name"] for p in SPEC["paths"][path]["patch"]["parameters"]}


def test_lists_page_with_limit_and_cursor():
    for method, path, operation in _operations():
        response = operation["responses"].get("200", {}).get("content", {})
        ref = response.get("application/json", {}).get("schema", {}).get("$ref", "")
        if method == "get" and ref.endswith("Page"):
            names = {p["name"] for p in operation["parameters"]}
            assert {"limit", "cursor"} <= names, path
            assert "next_cursor" in SCHEMAS[ref.rsplit("/", 1)[-1]]["properties"], path


def test_every_component_schema_has_a_title_of_its_own():
    """A client generator names a model by its schema's title: two schemas of one title
    are one model too many, and the generator drops both with every operation using them."""
    titles: dict[str, list[str]] = {}
    for name, schema in SCHEMAS.items():
        titles.setdefault(schema.get("title", name), []).append(name)
    shared = {title: names for title, names in titles.items() if len(names) > 1}
    assert not shared, shared
    assert all(name == schema.get("title", name) for name, schema in SCHEMAS.items())


def test_response_headers_are_declared_where_they_are_sent():
    for method, path, operation in _operations():
        for status, response in operation["responses"].items():
            headers = response["headers"]
            assert {"X-Request-Id", "RateLimit-Limit", "RateLimit-Remaining"} <= set(headers)
            if status in ("201", "202") and path not in NO_LOCATION:
                assert "Location" in headers, f"{method} {path} {status}"
            if status in ("429", "503"):
                assert "Retry-After" in headers, f"{method} {path} {status}"
            keyed = any(p["name"] == "Idempotency-Key" for p in operation.get("parameters", []))
            if status.startswith("2") and keyed:
                assert "Idempotent-Replayed" in headers, f"{method} {path} {status}"
    account = SPEC["paths"]["/v1/accounts/{account_id}"]["get"]["responses"]["200"]["headers"]
    page = SPEC["paths"]["/v1/accounts"]["get"]["responses"]["200"]["headers"]
    assert "ETag" in account and "ETag" not in page


def test_settings_are_schemas_with_every_setting_declared():
    for path, name in (
        ("/v1/lead-settings", "LeadSettings"),
        ("/v1/opportunity-settings", "OpportunitySettings"),
    ):
        for method in ("get", "patch"):
            body = SPEC["paths"][path][method]["responses"]["200"]["content"]["application/json"]
            assert body["schema"] == {"$ref": f"#/components/schemas/{name}"}
        patch = SCHEMAS[f"{name}Patch"]
        assert set(patch["properties"]) == set(SCHEMAS[name]["properties"])
        assert patch["additionalProperties"] is False


def test_every_answer_declares_traceparent_and_every_versioned_set_its_etag():
    """A whole set changed under If-Match (settings, rules, custom fields) answers its
    ETag on the read and on the change, like a resource with a version field."""
    for method, path, operation in _operations():
        for status, response in operation["responses"].items():
            assert "traceparent" in response.get("headers", {}), f"{method} {path} {status}"
    for path in ("/v1/lead-settings", "/v1/opportunity-settings", "/v1/lead-assignment-rules"):
        for method, operation in SPEC["paths"][path].items():
            assert "ETag" in operation["responses"]["200"]["headers"], f"{method} {path}"
