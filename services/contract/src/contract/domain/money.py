"""Exact money for contracts: decimal text as the wire carries it, the currency's minor
unit, and a line's amounts by the same rule as the quote it is copied from, so that a
contract drafted from a quote adds up to the fen as the quote did. Pure Python, Decimal
only, never a float.

    list     = round(quantity × unit price)
    discount = round(list × discount % / 100)
    net      = list − discount
    tax      = round(net × tax % / 100)        (per line)
    total    = net + tax
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, Inexact, InvalidOperation, Overflow
from typing import Any

CURRENCY_EXPONENTS = {
    **dict.fromkeys(
        ["CNY", "HKD", "MOP", "TWD", "USD", "EUR", "GBP", "SGD", "AUD", "CAD", "CHF"], 2
    ),
    **dict.fromkeys(["JPY", "KRW"], 0),
}
_EXACT = Context(prec=60, traps=[InvalidOperation, Overflow, Inexact])
_ROUND = Context(prec=60, rounding=ROUND_HALF_UP, traps=[InvalidOperation, Overflow])
HUNDRED = Decimal(100)
_DECIMAL_TEXT = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")
NANOS = Decimal(1_000_000_000)


class InvalidNumber(ValueError):
    """Text that is not a plain decimal number."""


def parse_decimal(text: str) -> Decimal:
    """A Decimal from plain decimal text ("12.5"); exponents, NaN and infinities refused."""
    if not _DECIMAL_TEXT.fullmatch(text.strip()):
        raise InvalidNumber("must be a decimal number such as 12.5")
    return Decimal(text.strip())


def is_currency(code: str) -> bool:
    return code in CURRENCY_EXPONENTS


def minor_unit(currency: str) -> Decimal:
    return Decimal(1).scaleb(-CURRENCY_EXPONENTS.get(currency, 2))


def round_money(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(minor_unit(currency), rounding=ROUND_HALF_UP, context=_ROUND)


def is_rounded(amount: Decimal, currency: str) -> bool:
    """Whether `amount` has no digits below the currency's minor unit."""
    return round_money(amount, currency) == amount


def add(*amounts: Decimal) -> Decimal:
    total = Decimal(0)
    for amount in amounts:
        total = _EXACT.add(total, amount)
    return total


def percent_of(amount: Decimal, percent: Decimal) -> Decimal:
    return _ROUND.divide(_ROUND.multiply(amount, percent), HUNDRED)


def text(value: Decimal) -> str:
    """A decimal as the wire's text, without exponent or needless trailing zeros."""
    out = format(value, "f")
    return out.rstrip("0").rstrip(".") if "." in out else out


@dataclass(frozen=True)
class LineAmounts:
    net_amount: Decimal
    tax_amount: Decimal
    total: Decimal
    list_amount: Decimal


def line_amounts(
    quantity: Decimal,
    unit_price: Decimal,
    discount_percent: Decimal,
    tax_percent: Decimal,
    currency: str,
) -> LineAmounts:
    list_amount = round_money(_ROUND.multiply(quantity, unit_price), currency)
    discount = round_money(percent_of(list_amount, discount_percent), currency)
    net = _EXACT.subtract(list_amount, discount)
    tax = round_money(percent_of(net, tax_percent), currency)
    return LineAmounts(net, tax, _EXACT.add(net, tax), list_amount)


def units_nanos(amount: Decimal) -> tuple[int, int]:
    """Money{units, nanos}: both carry the sign; nanos hold 9 decimal places."""
    units = int(amount)
    nanos = int(_EXACT.multiply(_EXACT.subtract(amount, Decimal(units)), NANOS))
    return units, nanos


def from_units_nanos(units: int, nanos: int) -> Decimal:
    return add(Decimal(units), _ROUND.divide(Decimal(nanos), NANOS))


def money_payload(amount: Decimal, currency: str) -> dict[str, Any]:
    """The proto JSON form of a Money (int64 units as a string)."""
    units, nanos = units_nanos(amount)
    return {"currency": currency, "units": str(units), "nanos": nanos}
