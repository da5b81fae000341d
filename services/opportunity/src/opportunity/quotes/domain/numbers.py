"""The numbers on a quote: currencies and their minor units, exact line arithmetic, the
totals, decimal text as the wire carries it, and the quote number. Pure Python, Decimal
only, never a float.

Rounding rule (the one a customer can check with a calculator): every amount printed on
a line is rounded to the currency's minor unit (CNY fen, 2 places; JPY, 0) half up, and
each is computed from the printed amounts before it:

    list     = round(quantity × unit price)
    discount = round(list × discount % / 100)
    net      = list − discount                 (exact: both are rounded)
    tax      = round(net × tax % / 100)        (per line, as on a Chinese VAT invoice)
    total    = net + tax                       (exact)

The quote's totals are the sums of the rounded lines, so the printed quote adds up to
the fen, and its overall discount % is discount total / list total × 100, rounded half
up to 2 places (only a description of the lines; it never feeds another amount).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import (
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
)

# ISO 4217 codes accepted on quotes and deals, with their minor-unit exponent. A table
# rather than a library: the domain imports nothing, and a tenant asking for another
# currency is a one-line change.
_BY_EXPONENT = {
    2: "CNY HKD MOP TWD USD EUR GBP CHF SGD AUD NZD CAD MYR THB PHP IDR INR PKR BDT LKR "
    "AED SAR QAR ILS TRY EGP ZAR NGN KES BRL MXN ARS COP PEN RUB KZT UZS MNT SEK NOK "
    "DKK PLN CZK HUF RON",
    0: "JPY KRW VND CLP ISK UGX XAF XOF",
    3: "KWD BHD OMR JOD TND LYD IQD",
}
CURRENCY_EXPONENTS: dict[str, int] = {
    code: exponent for exponent, codes in _BY_EXPONENT.items() for code in codes.split()
}
DEFAULT_CURRENCY = "CNY"

# Exact arithmetic: 60 digits hold any product of two bounded inputs, and every
# operation that would have to round raises instead (Inexact is trapped).
_EXACT = Context(prec=60, traps=[InvalidOperation, DivisionByZero, Overflow, Inexact])
# Rounding on purpose, only where the rule above says so.
_ROUND = Context(prec=60, rounding=ROUND_HALF_UP, traps=[InvalidOperation, Overflow])
HUNDRED = Decimal(100)
PERCENT_PLACES = Decimal("0.01")
_DECIMAL_TEXT = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


class InvalidNumber(ValueError):
    """Text that is not a plain decimal number; the message says what is expected."""


def is_currency(code: str) -> bool:
    return code in CURRENCY_EXPONENTS


def minor_unit(currency: str) -> Decimal:
    """The smallest amount of `currency`: Decimal('0.01') for CNY, Decimal('1') for JPY."""
    return Decimal(1).scaleb(-CURRENCY_EXPONENTS[currency])


def round_money(amount: Decimal, currency: str) -> Decimal:
    """`amount` rounded half up to the currency's minor unit."""
    return amount.quantize(minor_unit(currency), rounding=ROUND_HALF_UP, context=_ROUND)


def parse_decimal(value: str | Decimal) -> Decimal:
    """A finite Decimal from a plain decimal string ("12.5", "-3", "0.0001") or a Decimal.

    Exponents ("1e3"), digit separators ("1_000"), NaN and infinities are refused: the
    wire carries exact decimals as plain strings and nothing else should slip through.
    """
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InvalidNumber("must be a finite number")
        return value
    text = value.strip()
    if not _DECIMAL_TEXT.fullmatch(text):
        raise InvalidNumber("must be a decimal number such as 12.5")
    return Decimal(text)


def scale(value: Decimal) -> int:
    """Decimal places that carry a value: 1.50 has 1, 1.05 has 2, 100 has 0."""
    _, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int) or exponent >= 0:
        return 0
    places = -exponent
    trailing = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(places - trailing, 0) if any(digits) else 0


@dataclass(frozen=True)
class LineAmounts:
    """What one quote line prints, every amount in the quote's currency, rounded."""

    list_amount: Decimal  # quantity × unit price
    discount_amount: Decimal
    net_amount: Decimal  # list − discount
    tax_amount: Decimal
    total: Decimal  # net + tax


def line_amounts(
    *,
    quantity: Decimal,
    unit_price: Decimal,
    discount_percent: Decimal,
    tax_percent: Decimal,
    currency: str,
) -> LineAmounts:
    """One line's amounts by the rounding rule of this module."""
    list_amount = round_money(_EXACT.multiply(quantity, unit_price), currency)
    discount = round_money(_percent_of(list_amount, discount_percent), currency)
    net = _EXACT.subtract(list_amount, discount)
    tax = round_money(_percent_of(net, tax_percent), currency)
    return LineAmounts(
        list_amount=list_amount,
        discount_amount=discount,
        net_amount=net,
        tax_amount=tax,
        total=_EXACT.add(net, tax),
    )


def _percent_of(amount: Decimal, percent: Decimal) -> Decimal:
    # Dividing by 100 only moves the decimal point: exact, so the trap never fires.
    return _EXACT.divide(_EXACT.multiply(amount, percent), HUNDRED)


@dataclass(frozen=True)
class QuoteTotals:
    list_total: Decimal
    discount_total: Decimal
    net_total: Decimal
    tax_total: Decimal
    total: Decimal
    discount_percent: Decimal  # overall, 2 places; 0.00 when the list total is zero


def quote_totals(lines: Iterable[LineAmounts], currency: str) -> QuoteTotals:
    """The sums of the rounded lines, and the overall discount percentage."""
    zero = Decimal(0).quantize(minor_unit(currency))
    sums = {"list": zero, "discount": zero, "net": zero, "tax": zero, "total": zero}
    for line in lines:
        sums["list"] = _EXACT.add(sums["list"], line.list_amount)
        sums["discount"] = _EXACT.add(sums["discount"], line.discount_amount)
        sums["net"] = _EXACT.add(sums["net"], line.net_amount)
        sums["tax"] = _EXACT.add(sums["tax"], line.tax_amount)
        sums["total"] = _EXACT.add(sums["total"], line.total)
    return QuoteTotals(
        list_total=sums["list"],
        discount_total=sums["discount"],
        net_total=sums["net"],
        tax_total=sums["tax"],
        total=sums["total"],
        discount_percent=overall_discount_percent(sums["discount"], sums["list"]),
    )


def overall_discount_percent(discount_total: Decimal, list_total: Decimal) -> Decimal:
    if not list_total:
        return Decimal("0.00")
    ratio = _ROUND.divide(_ROUND.multiply(discount_total, HUNDRED), list_total)
    return ratio.quantize(PERCENT_PLACES, rounding=ROUND_HALF_UP, context=_ROUND)


def percent_text(value: Decimal) -> str:
    """A percentage as the wire's decimal string, without an exponent ("12.5", "15")."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# ----------------------------------------------------------------- the quote number

QUOTE_NUMBER_PREFIX = "Q"


def quote_sequence_name(year: int) -> str:
    """The tenant's counter a quote number of `year` is drawn from (restarts every year)."""
    return f"quote-number:{year}"


def format_quote_number(year: int, sequence: int) -> str:
    """'Q-2026-000123': the year the quote was created and the counter's next value.

    Six digits cover a million quotes a year; the number widens past that rather than
    failing, and stays unique because the counter is.
    """
    if not 1000 <= year <= 9999:
        raise ValueError(f"year {year} is not a four-digit year")
    if sequence < 1:
        raise ValueError(f"sequence {sequence} must be at least 1")
    return f"{QUOTE_NUMBER_PREFIX}-{year}-{sequence:06d}"
