"""Values the sales routes share on the REST side: money as decimal strings (never
floats), typed custom fields, and the enum spellings of crm.opportunity.v1."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from crm.common.v1 import common_pb2
from crm.common.v1.common_pb2 import CustomFieldValue
from crm_runtime.rpc.protojson import struct_to_dict
from google.protobuf import struct_pb2
from pydantic import BaseModel, ConfigDict, Field, JsonValue

from gateway.conventions.bodies import RequestBody
from gateway.conventions.problems import Problem

S = TypeVar("S", bound=BaseModel)

AMOUNT = r"^\d{1,15}(\.\d{1,9})?$"
AMOUNT_OR_EMPTY = r"^(\d{1,15}(\.\d{1,9})?)?$"
NANO = Decimal("1e-9")


class Money(RequestBody):
    """An exact amount: a decimal string and an ISO 4217 currency."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"amount": "500000.00", "currency": "CNY"}]}
    )
    amount: str = Field(pattern=AMOUNT, max_length=25, description='decimal string, e.g. "123.45"')
    currency: str = Field("CNY", pattern=r"^[A-Z]{3}$", description="ISO 4217")


def money_to_proto(money: Money | None) -> common_pb2.Money | None:
    if money is None:
        return None
    value = Decimal(money.amount)
    units = int(value)
    return common_pb2.Money(currency=money.currency, units=units, nanos=int((value - units) / NANO))


def money_out(message: common_pb2.Money, present: bool = True) -> Money | None:
    if not present:
        return None
    value = Decimal(message.units) + Decimal(message.nanos) * NANO
    return Money.model_construct(amount=f"{value.normalize():f}", currency=message.currency)


def money_field(parent: Any, name: str) -> Money | None:
    return money_out(getattr(parent, name), parent.HasField(name))


# Custom fields, one shape everywhere: {"<key>": value}. Text is parsed by the field's
# type where the tenant defines one (leads; as forms send it); a JSON number is a number.
# Send numbers beyond what a double holds exactly as text on leads.
CustomKey = Annotated[str, Field(min_length=1, max_length=40)]
CustomIn = dict[CustomKey, str | int | float | None]
CustomOut = dict[str, str | int | float]

# Accounts, contacts and deals have no definitions: a string is stored as text, a JSON
# number as a number, and each comes back as it went in.
SalesCustomKey = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$", max_length=64)]
SalesCustomIn = dict[SalesCustomKey, Annotated[str, Field(max_length=2000)] | int | float | None]


def _keys_by_pattern(schema: dict[str, Any]) -> None:
    """JSON Schema's own way to say which keys a map takes (`propertyNames`), rather than
    the `patternProperties` pydantic writes, which leaves other keys unconstrained."""
    ((pattern, values),) = schema.pop("patternProperties").items()
    schema["additionalProperties"] = values
    schema["propertyNames"] = {**schema.get("propertyNames", {}), "pattern": pattern}


SALES_CUSTOM_FIELDS: SalesCustomIn = Field(
    default_factory=dict,
    max_length=50,
    json_schema_extra=_keys_by_pattern,
    description=(
        'By key: {"employees": 320, "segment": "制造"}; text up to 2000 characters or a '
        "number; null: not given"
    ),
)


def custom_fields_in(values: Mapping[str, str | int | float | None]) -> list[CustomFieldValue]:
    found = []
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, str):
            found.append(CustomFieldValue(key=key, text=value))
        else:  # bool never gets here: the models are strict
            found.append(CustomFieldValue(key=key, number=repr(value)))
    return found


def custom_fields_out(values: Iterable[CustomFieldValue]) -> CustomOut:
    """Typed JSON: numbers as numbers (a decimal string when a double would not hold it
    exactly), dates as YYYY-MM-DD, text and choices as strings."""
    found: CustomOut = {}
    for value in values:
        slot = value.WhichOneof("value")
        raw = getattr(value, slot) if slot else ""
        found[value.key] = _number(raw) if slot == "number" else raw
    return found


def _number(raw: str) -> str | int | float:
    number = Decimal(raw)
    if number == number.to_integral_value():
        return int(number)
    close = float(number)
    return close if Decimal(repr(close)) == number else f"{number:f}"


def enum_text(enum: Any, value: int, prefix: str) -> str:
    """`ACCOUNT_TIER_HIGH` -> "high"; "" for UNSPECIFIED."""
    name = str(enum.Name(value)).removeprefix(prefix) if value in enum.values() else ""
    return "" if name in ("", "UNSPECIFIED") else name.lower()


def output_enum(values: list[str], description: str = "") -> Any:
    """A required output field of `values`, declared as the enum it is. Declared, not
    validated: what the services answer is checked by the fuzzer against the document,
    never refused on the way out."""
    declared: list[JsonValue] = list(values)
    return Field(description=description or None, json_schema_extra={"enum": declared})


def proto_enum(enum: Any, description: str = "") -> Any:
    """`output_enum` of a proto enum as enum_text maps it: its lower-case names without
    the prefix, and "" (UNSPECIFIED)."""
    prefix = re.sub(r"(?<!^)(?=[A-Z])", "_", enum.DESCRIPTOR.name).upper() + "_"
    names = [name.removeprefix(prefix).lower() for name in (v.name for v in enum.DESCRIPTOR.values)]
    return output_enum([name for name in names if name != "unspecified"] + [""], description)


def output_date(description: str = "") -> Any:
    """A required output date: YYYY-MM-DD, or empty when it is not set."""
    return Field(description=description or None, json_schema_extra={"pattern": DATE_OR_EMPTY})


def enum_number(enum: Any, prefix: str, text: str) -> int:
    return int(enum.Value(f"{prefix}{text.upper()}")) if text else 0


def instant(parent: Any, name: str) -> datetime | None:
    return getattr(parent, name).ToDatetime(tzinfo=UTC) if parent.HasField(name) else None


Ids = list[str]
ID = Field(min_length=1, max_length=64)
# A calendar date (YYYY-MM-DD, months and days as a calendar has them; a February 30th
# still passes, which is as far as a pattern goes), or that or empty.
_DAY = r"[1-9]\d{3}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
DATE = rf"^{_DAY}$"
DATE_OR_EMPTY = rf"^({_DAY})?$"

# PATCH / PUT of records edited concurrently: a duplicate the change would make, or a
# state that forbids it, is 409 (a stale If-Match is 412, declared with the header).
STALE: dict[int | str, dict[str, Any]] = {
    409: {"model": Problem, "description": "A duplicate, or a state that forbids the change"}
}


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


# A setting left out of a patch keeps its value; the document shows no default for it,
# since null is not a value a setting takes.
UNCHANGED: Any = Field(default=None, json_schema_extra=_no_default)


def settings_struct(patch: BaseModel) -> struct_pb2.Struct:
    """The settings a patch sends, as the Struct the services take."""
    message = struct_pb2.Struct()
    message.update(patch.model_dump(exclude_none=True))
    return message


def settings_out(model: type[S], settings: struct_pb2.Struct) -> S:
    """The settings a service answers, as their schema."""
    return model.model_validate(struct_to_dict(settings))
