"""A deal's products (line items): what is sold, how many, at what unit price, with each
line's total. Pure Python; the opportunity aggregate holds them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from crm_runtime.errors import FieldViolation

from opportunity.domain.money import MAX_AMOUNT, Money, money_problems, parse_decimal
from opportunity.domain.text import clean_text

MAX_LINES = 100


@dataclass(frozen=True)
class LineItemDraft:
    product_code: str = ""
    name: str = ""
    quantity: str = ""
    unit_price: Money | None = None


@dataclass(frozen=True)
class LineItem:
    product_code: str
    name: str
    quantity: Decimal
    unit_price: Money

    @property
    def total(self) -> Money:
        return self.unit_price.times(self.quantity)


def line_items(
    drafts: tuple[LineItemDraft, ...], violations: list[FieldViolation]
) -> tuple[LineItem, ...]:
    """The deal's products, checked line by line; each problem is named by its line."""
    if len(drafts) > MAX_LINES:
        violations.append(FieldViolation("line_items", f"at most {MAX_LINES}"))
    items = []
    for i, draft in enumerate(drafts):
        where = f"line_items[{i}]"
        found: list[FieldViolation] = []
        name = clean_text(draft.name)
        if len(name) > 200:
            found.append(FieldViolation(f"{where}.name", "must be at most 200 characters"))
        code = draft.product_code.strip()
        if not name and not code:
            found.append(
                FieldViolation(f"{where}.name", "a line names its product (name or product_code)")
            )
        if len(code) > 64:
            found.append(FieldViolation(f"{where}.product_code", "must be at most 64 characters"))
        quantity = parse_decimal(draft.quantity)
        if quantity is None or not Decimal(0) < quantity < Decimal("1e9"):
            found.append(FieldViolation(f"{where}.quantity", 'a decimal above 0, e.g. "12.5"'))
        if draft.unit_price is None:
            found.append(FieldViolation(f"{where}.unit_price", "is required"))
        else:
            found += money_problems(f"{where}.unit_price", draft.unit_price)
        if not found and quantity is not None and draft.unit_price is not None:
            item = LineItem(code, name, quantity, draft.unit_price)
            if item.total.amount >= MAX_AMOUNT:
                found.append(
                    FieldViolation(f"{where}.quantity", "makes a line total beyond any deal")
                )
            else:
                items.append(item)
        violations += found
    return tuple(items)
