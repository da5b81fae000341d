"""Proto <-> domain values every area shares: money, decimal text, dates, pages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from crm.common.v1 import common_pb2
from crm_runtime.errors import FieldViolation, ValidationFailed

from contract.domain.money import InvalidNumber, from_units_nanos, parse_decimal, units_nanos


def money(amount: Decimal, currency: str) -> common_pb2.Money:
    units, nanos = units_nanos(amount)
    return common_pb2.Money(currency=currency, units=units, nanos=nanos)


def amount_of(msg: common_pb2.Money, field: str) -> Decimal:
    if (
        not -999_999_999 <= msg.nanos <= 999_999_999
        or msg.units > 0 > msg.nanos
        or msg.units < 0 < msg.nanos
    ):
        raise ValidationFailed([FieldViolation(field, "nanos are below a unit and share its sign")])
    return from_units_nanos(msg.units, msg.nanos)


def decimal_of(text: str, field: str, default: str = "0") -> Decimal:
    try:
        return parse_decimal(text or default)
    except InvalidNumber as exc:
        raise ValidationFailed([FieldViolation(field, str(exc))]) from exc


def day(value: date | None) -> str:
    return value.isoformat() if value else ""


def page_of(cursor: str) -> common_pb2.PageResponse:
    return common_pb2.PageResponse(next_cursor=cursor)
