"""Exact money: a Decimal amount in an ISO 4217 currency, never a float.

On the wire it is units + nanos (crm.common.v1.Money), so an amount has at most nine
decimal places; in MongoDB it is Decimal128."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation, localcontext
from typing import Any

from crm_runtime.errors import FieldViolation

CURRENCY = re.compile(r"^[A-Z]{3}$")
MAX_AMOUNT = Decimal("1e15")  # a quadrillion: beyond any deal, within Decimal128 and int64
NANO = Decimal("1e-9")


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError("money amounts are Decimals")

    def __str__(self) -> str:
        return f"{self.amount:,f} {self.currency}"

    def units_nanos(self) -> tuple[int, int]:
        """Whole units and nanos, both with the amount's sign (as google.type.Money)."""
        units = int(self.amount)  # truncates toward zero
        nanos = int((self.amount - units) / NANO)
        return units, nanos

    @classmethod
    def of(cls, units: int, nanos: int, currency: str) -> Money:
        return cls(Decimal(units) + Decimal(nanos) * NANO, currency)

    def times(self, quantity: Decimal) -> Money:
        with localcontext(prec=60):  # exact for any amount and quantity the rules allow
            return Money((self.amount * quantity).quantize(NANO), self.currency)


def money_payload(money: Money | None) -> dict[str, Any] | None:
    """The proto JSON form of a Money (int64 units as a string, as proto JSON writes it)."""
    if money is None:
        return None
    units, nanos = money.units_nanos()
    return {"currency": money.currency, "units": str(units), "nanos": nanos}


def money_problems(field: str, money: Money, *, allow_zero: bool = True) -> list[FieldViolation]:
    """Every rule `money` breaks, each named by `field`."""
    found = []
    if not CURRENCY.match(money.currency):
        found.append(FieldViolation(f"{field}.currency", "must be an ISO 4217 code such as CNY"))
    amount = money.amount
    if not amount.is_finite():
        found.append(FieldViolation(f"{field}.amount", "must be a number"))
    elif amount < 0 or (amount == 0 and not allow_zero):
        found.append(FieldViolation(f"{field}.amount", "must be positive"))
    elif amount >= MAX_AMOUNT:
        found.append(FieldViolation(f"{field}.amount", f"must be below {MAX_AMOUNT:,f}"))
    elif amount != amount.quantize(NANO):
        found.append(FieldViolation(f"{field}.amount", "has at most 9 decimal places"))
    return found


def parse_decimal(raw: str) -> Decimal | None:
    """A finite Decimal from its text, or None."""
    try:
        value = Decimal(raw.strip())
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None
