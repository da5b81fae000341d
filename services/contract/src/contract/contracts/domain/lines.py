"""Contract lines (合同明细): copied exactly from the issued quote, or entered from scratch
and computed by the quote's rule (contract.domain.money). Pure Python."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from crm_runtime.errors import FieldViolation

from contract.domain.money import HUNDRED, add, line_amounts


@dataclass(frozen=True)
class Line:
    line_no: int
    product_code: str
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    discount_percent: Decimal
    tax_percent: Decimal
    net_amount: Decimal
    tax_amount: Decimal
    total: Decimal
    list_amount: Decimal


@dataclass(frozen=True)
class LineInput:
    product_code: str
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    discount_percent: Decimal
    tax_percent: Decimal


@dataclass(frozen=True)
class Totals:
    net_total: Decimal
    tax_total: Decimal
    value: Decimal  # including tax
    discount_percent: Decimal  # overall, 2 places


def input_problems(lines: tuple[LineInput, ...], field: str = "lines") -> list[FieldViolation]:
    found: list[FieldViolation] = []
    if not lines:
        return [FieldViolation(field, "at least one line")]
    for i, x in enumerate(lines):
        at = f"{field}[{i}]"
        if not (x.product_code.strip() or x.description.strip()):
            found.append(FieldViolation(f"{at}.description", "is required without a product_code"))
        if x.quantity <= 0:
            found.append(FieldViolation(f"{at}.quantity", "must be more than 0"))
        if x.unit_price < 0:
            found.append(FieldViolation(f"{at}.unit_price", "must not be negative"))
        for name, pct in (("discount_percent", x.discount_percent), ("tax_percent", x.tax_percent)):
            if not Decimal(0) <= pct <= HUNDRED:
                found.append(FieldViolation(f"{at}.{name}", "must be 0 to 100"))
    return found


def computed(lines: tuple[LineInput, ...], currency: str) -> tuple[Line, ...]:
    out = []
    for i, x in enumerate(lines):
        a = line_amounts(x.quantity, x.unit_price, x.discount_percent, x.tax_percent, currency)
        out.append(
            Line(
                i + 1,
                x.product_code,
                x.description,
                x.quantity,
                x.unit,
                x.unit_price,
                x.discount_percent,
                x.tax_percent,
                a.net_amount,
                a.tax_amount,
                a.total,
                a.list_amount,
            )
        )
    return tuple(out)


def totals(lines: tuple[Line, ...]) -> Totals:
    list_total = add(*(x.list_amount for x in lines))
    net = add(*(x.net_amount for x in lines))
    discount = list_total - net
    pct = (
        (discount * HUNDRED / list_total).quantize(Decimal("0.01"))
        if list_total
        else Decimal("0.00")
    )
    return Totals(net, add(*(x.tax_amount for x in lines)), add(*(x.total for x in lines)), pct)
