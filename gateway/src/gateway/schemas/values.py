"""Values the sales routes share on the REST side: money as decimal strings (never
floats), typed custom fields, and the enum spellings of crm.opportunity.v1."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

from crm.common.v1 import common_pb2
from pydantic import BaseModel, ConfigDict, Field

from gateway.conventions.problems import Problem

AMOUNT = r"^\d{1,15}(\.\d{1,9})?$"
AMOUNT_OR_EMPTY = r"^(\d{1,15}(\.\d{1,9})?)?$"
NANO = Decimal("1e-9")


class Money(BaseModel):
    """An exact amount: a decimal string and an ISO 4217 currency."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={"examples": [{"amount": "500000.00", "currency": "CNY"}]},
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


class SalesCustomField(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={"examples": [{"key": "budget", "kind": "number", "value": "300000"}]},
    )
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    kind: Literal["text", "number", "date", "choice"] = "text"
    value: str = Field(max_length=2000)


def customs_to_proto(values: list[SalesCustomField]) -> list[common_pb2.CustomFieldValue]:
    return [common_pb2.CustomFieldValue(key=v.key, **{v.kind: v.value}) for v in values]


def customs_out(values: Any) -> list[SalesCustomField]:
    found = []
    for v in values:
        kind = v.WhichOneof("value") or "text"
        found.append(SalesCustomField.model_construct(key=v.key, kind=kind, value=getattr(v, kind)))
    return found


def enum_text(enum: Any, value: int, prefix: str) -> str:
    """`ACCOUNT_TIER_HIGH` -> "high"; "" for UNSPECIFIED."""
    name = str(enum.Name(value)).removeprefix(prefix) if value in enum.values() else ""
    return "" if name in ("", "UNSPECIFIED") else name.lower()


def enum_number(enum: Any, prefix: str, text: str) -> int:
    return int(enum.Value(f"{prefix}{text.upper()}")) if text else 0


def instant(parent: Any, name: str) -> datetime | None:
    return getattr(parent, name).ToDatetime(tzinfo=UTC) if parent.HasField(name) else None


Ids = list[str]
ID = Field(min_length=1, max_length=64)
DATE = r"^\d{4}-\d{2}-\d{2}$"
DATE_OR_EMPTY = r"^(\d{4}-\d{2}-\d{2})?$"

# PATCH / PUT of records edited concurrently: a duplicate the change would make, or a
# state that forbids it, is 409 (a stale If-Match is 412, declared with the header).
STALE: dict[int | str, dict[str, Any]] = {
    409: {"model": Problem, "description": "A duplicate, or a state that forbids the change"}
}
