"""What a quote version says, checked: its lines (quantities, prices, discounts, taxes),
currency, validity and terms, with every amount computed by `numbers`. Every
broken rule is named at once (`lines[2].discount_percent`, counted from 0 as in the
request); nothing is computed from a draft that breaks one."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from crm_runtime.errors import FieldViolation, require

from opportunity.quotes.domain.numbers import (
    DEFAULT_CURRENCY,
    InvalidNumber,
    LineAmounts,
    QuoteTotals,
    is_currency,
    line_amounts,
    parse_decimal,
    quote_totals,
    scale,
)

MAX_LINES = 500
MAX_QUANTITY = Decimal(1_000_000_000)
QUANTITY_PLACES = 4
MAX_UNIT_PRICE = Decimal(1_000_000_000_000)
PRICE_PLACES = 6  # finer than the minor unit: per-unit prices like ¥0.045 per message
PERCENT_PLACES = 4
# A line's list amount stays below 10^14, so 500 lines with 100 % tax stay far inside
# Money's int64 units and Decimal128's 34 digits.
MAX_LINE_AMOUNT = Decimal(100_000_000_000_000)
MAX_TEXT = {"product_code": 64, "description": 500, "unit": 20}
MAX_TERMS, MAX_NOTES = 5000, 2000
DEFAULT_VALIDITY_DAYS = 30
MAX_VALIDITY_DAYS = 366  # a quote valid for longer is a typo ("2062" for "2026")
DEFAULT_DISCOUNT_THRESHOLD = Decimal(15)  # percent; ours, DOMAIN.md leaves it open
DEFAULT_APPROVER_ROLE = "sales_director"
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

Report = Callable[[str, str], None]


@dataclass(frozen=True)
class QuoteLineDraft:
    """One line as a caller submits it (QuoteLineInput). Decimals come as the wire's
    strings or as Decimals; an empty discount or tax means 0; an empty price currency
    means the quote's currency; no unit price at all is an error."""

    product_code: str = ""
    description: str = ""
    quantity: str | Decimal = ""
    unit: str = ""
    unit_price: Decimal | None = None
    unit_price_currency: str = ""
    discount_percent: str | Decimal = ""
    tax_percent: str | Decimal = ""  # Chinese VAT: 13, 9, 6 or 0 are usual; any 0-100


@dataclass(frozen=True)
class QuoteDraft:
    """The full content of a version as a caller submits it (QuoteInput)."""

    currency: str = ""
    lines: tuple[QuoteLineDraft, ...] = ()
    valid_until: str = ""  # YYYY-MM-DD, the tenant's calendar; empty: the policy's default
    terms: str = ""
    notes: str = ""


@dataclass(frozen=True)
class QuotePolicy:
    """The tenant's quote rules; pipelines carry the threshold and the approver role."""

    discount_threshold_percent: Decimal = DEFAULT_DISCOUNT_THRESHOLD
    approver_role: str = DEFAULT_APPROVER_ROLE
    validity_days: int = DEFAULT_VALIDITY_DAYS

    @classmethod
    def from_settings(cls, threshold_percent: str = "", approver_role: str = "") -> QuotePolicy:
        """From a pipeline's `quote_discount_threshold_percent` and `approver_role`;
        empty values take the defaults, a bad threshold is named."""
        name = "quote_discount_threshold_percent"
        violations: list[FieldViolation] = []
        threshold = _percent(
            threshold_percent.strip() or DEFAULT_DISCOUNT_THRESHOLD,
            lambda _, rule: violations.append(FieldViolation(name, rule)),
        )
        require(violations)
        assert threshold is not None  # no violation means it parsed
        return cls(threshold, approver_role.strip() or DEFAULT_APPROVER_ROLE)


@dataclass(frozen=True)
class QuoteLine:
    line_no: int  # 1-based, in the order given
    product_code: str
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    discount_percent: Decimal
    tax_percent: Decimal
    amounts: LineAmounts


@dataclass(frozen=True)
class QuoteContent:
    """A draft that passed every rule, with its amounts computed."""

    currency: str
    lines: tuple[QuoteLine, ...]
    totals: QuoteTotals
    valid_until: date
    terms: str
    notes: str


def validate_quote(draft: QuoteDraft, *, today: date, policy: QuotePolicy) -> QuoteContent:
    """The draft's content with its amounts, or ValidationFailed naming every bad field.
    `today` is the tenant's calendar date."""
    violations: list[FieldViolation] = []
    currency = draft.currency.strip().upper()
    if not is_currency(currency):
        rule = f"must be an ISO 4217 code such as {DEFAULT_CURRENCY}"
        violations.append(FieldViolation("currency", rule))
    if not draft.lines:
        violations.append(FieldViolation("lines", "a quote needs at least one line"))
    elif len(draft.lines) > MAX_LINES:
        violations.append(FieldViolation("lines", f"at most {MAX_LINES} lines"))
    lines = [
        check_line(line, line_no=i + 1, currency=currency, violations=violations)
        for i, line in enumerate(draft.lines[:MAX_LINES])
    ]
    valid_until = _valid_until(draft.valid_until, today, policy, violations)
    for name, text, limit in (("terms", draft.terms, MAX_TERMS), ("notes", draft.notes, MAX_NOTES)):
        if len(text.strip()) > limit:
            violations.append(FieldViolation(name, f"must be at most {limit} characters"))
    require(violations)
    checked = tuple(line for line in lines if line is not None)
    assert valid_until is not None and len(checked) == len(lines)  # no violation: all parsed
    return QuoteContent(
        currency=currency,
        lines=checked,
        totals=quote_totals((line.amounts for line in checked), currency),
        valid_until=valid_until,
        terms=draft.terms.strip(),
        notes=draft.notes.strip(),
    )


def discount_breaches(content: QuoteContent, policy: QuotePolicy) -> tuple[bool, tuple[int, ...]]:
    """(is the overall discount above the threshold?, line numbers whose own discount is)"""
    limit = policy.discount_threshold_percent
    lines = tuple(x.line_no for x in content.lines if x.discount_percent > limit)
    return content.totals.discount_percent > limit, lines


def _valid_until(
    text: str, today: date, policy: QuotePolicy, violations: list[FieldViolation]
) -> date | None:
    text = text.strip()
    if not text:
        return today + timedelta(days=policy.validity_days)
    try:
        if not _DATE.fullmatch(text):
            raise ValueError(text)
        value = date.fromisoformat(text)
    except ValueError:
        violations.append(FieldViolation("valid_until", "must be a date YYYY-MM-DD"))
        return None
    if value < today:
        violations.append(FieldViolation("valid_until", f"must not be before today ({today})"))
    elif value > today + timedelta(days=MAX_VALIDITY_DAYS):
        rule = f"must be within {MAX_VALIDITY_DAYS} days from today"
        violations.append(FieldViolation("valid_until", rule))
    return value


def check_line(
    draft: QuoteLineDraft, *, line_no: int, currency: str, violations: list[FieldViolation]
) -> QuoteLine | None:
    """The line with its amounts, or None after adding a violation for every broken rule."""
    at = f"lines[{line_no - 1}]"
    before = len(violations)

    def bad(name: str, rule: str) -> None:
        violations.append(FieldViolation(f"{at}.{name}" if name else at, rule))

    text = {name: str(getattr(draft, name)).strip() for name in MAX_TEXT}
    for name, limit in MAX_TEXT.items():
        if len(text[name]) > limit:
            bad(name, f"must be at most {limit} characters")
    if not text["product_code"] and not text["description"]:
        bad("description", "is required when there is no product_code")
    quantity = _quantity(draft.quantity, bad)
    price = _price(draft, currency, bad)
    discount = _percent(draft.discount_percent, lambda _, rule: bad("discount_percent", rule))
    tax = _percent(draft.tax_percent, lambda _, rule: bad("tax_percent", rule))
    if len(violations) > before or None in (quantity, price, discount, tax):
        return None
    assert quantity is not None and price is not None and discount is not None and tax is not None
    if not currency or not is_currency(currency):
        return None  # the currency's own violation is reported; no minor unit to round to
    amounts = line_amounts(
        quantity=quantity,
        unit_price=price,
        discount_percent=discount,
        tax_percent=tax,
        currency=currency,
    )
    if amounts.list_amount > MAX_LINE_AMOUNT:
        bad("", f"quantity × unit price must be at most {MAX_LINE_AMOUNT}")
        return None
    return QuoteLine(
        line_no=line_no,
        product_code=text["product_code"],
        description=text["description"],
        quantity=quantity,
        unit=text["unit"],
        unit_price=price,
        discount_percent=discount,
        tax_percent=tax,
        amounts=amounts,
    )


def _quantity(value: str | Decimal, bad: Report) -> Decimal | None:
    if isinstance(value, str) and not value.strip():
        bad("quantity", "is required")
        return None
    quantity = _number(value, "quantity", bad)
    if quantity is None:
        return None
    if quantity <= 0:
        bad("quantity", "must be greater than 0")
    elif quantity > MAX_QUANTITY:
        bad("quantity", f"must be at most {MAX_QUANTITY}")
    elif scale(quantity) > QUANTITY_PLACES:
        bad("quantity", f"must have at most {QUANTITY_PLACES} decimal places")
    return quantity


def _price(draft: QuoteLineDraft, currency: str, bad: Report) -> Decimal | None:
    price_currency = draft.unit_price_currency.strip().upper()
    if price_currency and price_currency != currency:
        bad("unit_price.currency", f"must be the quote's currency ({currency or 'not given'})")
    if draft.unit_price is None:
        bad("unit_price", "is required")
        return None
    price = _number(draft.unit_price, "unit_price", bad)
    if price is None:
        return None
    if price < 0:
        bad("unit_price", "must not be negative")
    elif price > MAX_UNIT_PRICE:
        bad("unit_price", f"must be at most {MAX_UNIT_PRICE}")
    elif scale(price) > PRICE_PLACES:
        bad("unit_price", f"must have at most {PRICE_PLACES} decimal places")
    return price


def _percent(value: str | Decimal, bad: Report) -> Decimal | None:
    """A percentage 0-100; empty text is 0 (proto3's default for an unset string)."""
    if isinstance(value, str) and not value.strip():
        return Decimal(0)
    number = _number(value, "", bad)
    if number is None:
        return None
    if not 0 <= number <= 100:
        bad("", "must be between 0 and 100")
    elif scale(number) > PERCENT_PLACES:
        bad("", f"must have at most {PERCENT_PLACES} decimal places")
    return number


def _number(value: str | Decimal, name: str, bad: Report) -> Decimal | None:
    try:
        return parse_decimal(value)
    except InvalidNumber as exc:
        bad(name, str(exc))
        return None
