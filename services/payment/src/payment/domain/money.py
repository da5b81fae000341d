"""Exact money: a Decimal amount in an ISO 4217 currency, to the fen, never a float.

On the wire it is units + nanos (crm.common.v1.Money); in MongoDB, Decimal128. Every
amount the payment service keeps is whole fen (0.01): a plan's instalments, receipts
and allocations add up exactly, so an amount with a finer fraction is refused, never
rounded silently."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from crm_runtime.errors import FieldViolation

CURRENCY = re.compile(r"^[A-Z]{3}$")
FEN = Decimal("0.01")
NANO = Decimal("1e-9")
MAX_AMOUNT = Decimal("1e15")


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError("money amounts are Decimals")

    def __str__(self) -> str:
        return f"{self.amount:f} {self.currency}"

    def units_nanos(self) -> tuple[int, int]:
        """Whole units and nanos, both with the amount's sign (as google.type.Money)."""
        units = int(self.amount)
        return units, int((self.amount - units) / NANO)

    @classmethod
    def of(cls, units: int, nanos: int, currency: str) -> Money:
        return cls(Decimal(units) + Decimal(nanos) * NANO, currency)

    def plus(self, other: Money) -> Money:
        return Money(self.amount + other.amount, self.currency)

    def minus(self, other: Money) -> Money:
        return Money(self.amount - other.amount, self.currency)


def to_fen(amount: Decimal) -> Decimal:
    """`amount` rounded half up to the fen (a share of a contract value)."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def money_problems(field: str, money: Money, *, positive: bool = True) -> list[FieldViolation]:
    """Every rule `money` breaks, each named by `field`."""
    found = []
    if not CURRENCY.match(money.currency):
        found.append(FieldViolation(f"{field}.currency", "must be an ISO 4217 code such as CNY"))
    amount = money.amount
    if positive and amount <= 0:
        found.append(FieldViolation(f"{field}.amount", "must be greater than zero"))
    elif amount < 0:
        found.append(FieldViolation(f"{field}.amount", "must not be negative"))
    if amount >= MAX_AMOUNT:
        found.append(FieldViolation(f"{field}.amount", "must be below 10^15"))
    if amount != amount.quantize(FEN):
        found.append(FieldViolation(f"{field}.amount", "must be whole fen (at most 2 decimals)"))
    return found


def money_payload(money: Money) -> dict[str, Any]:
    """The proto JSON form of a Money (int64 units as a string, as proto JSON writes it)."""
    units, nanos = money.units_nanos()
    return {"currency": money.currency, "units": str(units), "nanos": nanos}
