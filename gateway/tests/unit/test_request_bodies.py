"""Every JSON request body is a RequestBody: closed and strict, except that a whole
number written with a fraction (48535.0) is the integer JSON says it is."""

from __future__ import annotations

import pytest
from crm_runtime.config import Settings
from gateway.app import create_app
from gateway.conventions.bodies import RequestBody
from pydantic import Field, ValidationError


class Limits(RequestBody):
    per_minute: int = Field(ge=1, le=100)
    capacity: int | None = None
    ratio: int | float = 1
    nested: list[Nested] = Field(default_factory=list)


class Nested(RequestBody):
    per_minute: int


def test_a_whole_number_with_a_fraction_is_that_integer():
    limits = Limits.model_validate(
        {"per_minute": 60.0, "capacity": 48535.0, "nested": [{"per_minute": 2.0}]}
    )
    assert (limits.per_minute, limits.capacity, limits.nested[0].per_minute) == (60, 48535, 2)
    assert type(limits.per_minute) is int and type(limits.capacity) is int


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("60", "int_type"),
        (True, "int_type"),
        (60.5, "int_type"),
        (0.0, "greater_than_equal"),
        (101.0, "less_than_equal"),
    ],
)
def test_anything_else_is_refused_as_strict_mode_refuses_it(value, rule):
    with pytest.raises(ValidationError) as refused:
        Limits.model_validate({"per_minute": value})
    (error,) = refused.value.errors()
    assert (error["loc"], error["type"]) == (("per_minute",), rule)


def test_a_field_that_takes_floats_keeps_them_and_unknown_fields_are_named():
    assert type(Limits.model_validate({"per_minute": 1, "ratio": 2.0}).ratio) is float
    with pytest.raises(ValidationError) as refused:
        Limits.model_validate({"per_minute": 1, "per_hour": 2})
    assert refused.value.errors()[0]["loc"] == ("per_hour",)


def test_the_schema_still_says_integer_with_its_bounds():
    schema = Limits.model_json_schema()["properties"]["per_minute"]
    assert schema == {"maximum": 100, "minimum": 1, "title": "Per Minute", "type": "integer"}


def _subclasses(model: type[RequestBody]) -> set[type[RequestBody]]:
    found = set(model.__subclasses__())
    return found.union(*(_subclasses(sub) for sub in found))


def test_every_json_request_body_of_the_api_is_a_request_body():
    spec = create_app(Settings.from_env("gateway", "gateway", {})).openapi()
    bodies = {
        f"{method.upper()} {path}": operation["requestBody"]["content"]["application/json"][
            "schema"
        ]
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    }
    named = {
        op: schema["$ref"].rsplit("/", 1)[-1] for op, schema in bodies.items() if "$ref" in schema
    }
    open_maps = set(bodies) - set(named)  # a web form posts whatever fields it has
    assert open_maps == {"POST /v1/forms/{form_key}/leads"} and len(named) > 30
    conforming = {model.__name__ for model in _subclasses(RequestBody)}
    assert {op: name for op, name in named.items() if name not in conforming} == {}
