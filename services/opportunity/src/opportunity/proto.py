"""The protobuf forms every RPC of crm.opportunity.v1 shares: enums by name, money,
timestamps, custom fields and the page of a list (no behaviour)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from crm.common.v1 import common_pb2
from crm_runtime.errors import FieldViolation, ValidationFailed
from google.protobuf.timestamp_pb2 import Timestamp

from opportunity.domain.fields import CustomField, CustomKind
from opportunity.domain.money import Money


def enum_name(enum: Any, value: int, prefix: str) -> str:
    """`ACCOUNT_TIER_HIGH` -> "high"; "" for UNSPECIFIED; an unknown number stays
    visible ("unknown:7") so that validation names it rather than ignoring it."""
    if value not in enum.values():
        return f"unknown:{value}"
    name = str(enum.Name(value)).removeprefix(prefix)
    return "" if name == "UNSPECIFIED" else name.lower()


def enum_value(enum: Any, prefix: str, name: str) -> int:
    return int(enum.Value(f"{prefix}{name.upper()}")) if name else 0


def money_from_proto(msg: common_pb2.Money, present: bool, field: str) -> Money | None:
    if not present:
        return None
    units, nanos = msg.units, msg.nanos
    if not -999_999_999 <= nanos <= 999_999_999 or (units > 0 > nanos) or (units < 0 < nanos):
        raise ValidationFailed([FieldViolation(field, "nanos are below a unit and share its sign")])
    return Money.of(units, nanos, msg.currency)


def money_to_proto(money: Money | None) -> common_pb2.Money | None:
    if money is None:
        return None
    units, nanos = money.units_nanos()
    return common_pb2.Money(currency=money.currency, units=units, nanos=nanos)


def when(parent: Any, name: str) -> datetime | None:
    """A Timestamp field of `parent` as an aware datetime; None when unset."""
    if not parent.HasField(name):
        return None
    stamp: Timestamp = getattr(parent, name)
    return stamp.ToDatetime(tzinfo=UTC)


def customs_from_proto(values: Any) -> tuple[CustomField, ...]:
    found = []
    for v in values:
        kind = v.WhichOneof("value") or "text"
        found.append(CustomField(v.key, CustomKind(kind), getattr(v, kind)))
    return tuple(found)


def customs_to_proto(values: tuple[CustomField, ...]) -> list[common_pb2.CustomFieldValue]:
    return [common_pb2.CustomFieldValue(key=f.key, **{f.kind.value: f.value}) for f in values]


def page_of(cursor: str) -> common_pb2.PageResponse:
    return common_pb2.PageResponse(next_cursor=cursor)
