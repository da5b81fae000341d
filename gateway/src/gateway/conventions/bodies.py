"""What every request body is: closed (a field the schema does not name is an error that
names it) and strict (no "12" for 12, no 1 for true, no number for a string), except that
a JSON number without a fraction is the integer it names. JSON does not tell 48535.0 from
48535, JSON Schema's `integer` accepts both, and clients in languages whose numbers are
doubles send the first; refusing it is a 422 for a request the OpenAPI allows."""

from __future__ import annotations

import types
import typing
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator


class RequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _whole_numbers_are_integers(cls, data: Any) -> Any:
        integers = integer_fields(cls) if isinstance(data, dict) else frozenset()
        if not integers:
            return data
        return {
            key: int(value) if key in integers and _whole(value) else value
            for key, value in data.items()
        }


@cache
def integer_fields(model: type[BaseModel]) -> frozenset[str]:
    """The fields, by the name a body uses, that take integers and nothing else. Read on
    first use, once the model's annotations (forward references too) are resolved."""
    return frozenset(
        field.alias or name
        for name, field in model.model_fields.items()
        if _takes_integers_only(field.annotation)
    )


def _whole(value: object) -> bool:
    return isinstance(value, float) and value.is_integer()


def _takes_integers_only(annotation: Any) -> bool:
    """int, or int | None: an integer field (a field that also takes floats keeps them)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = set(typing.get_args(annotation)) - {type(None)}
        return members == {int}
    return annotation is int
