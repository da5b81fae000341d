"""Quote arithmetic: every amount exact in Decimal, rounded half up to the currency's minor
unit per line, and the quote's totals the sums of the printed lines."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from opportunity.quotes.domain.numbers import (
    CURRENCY_EXPONENTS,
    InvalidNumber,
    LineAmounts,
    format_quote_number,
    line_amounts,
    minor_unit,
    overall_discount_percent,
    parse_decimal,
    percent_text,
    quote_sequence_name,
    quote_totals,
    round_money,
    scale,
)

D = Decimal


def _line(quantity, price, discount="0", tax="0", currency="CNY"):
    return line_amounts(
        quantity=D(quantity),
        unit_price=D(price),
        discount_percent=D(discount),
        tax_percent=D(tax),
        currency=currency,
    )


def test_a_line_is_computed_from_its_printed_amounts():
    line = _line("3", "1999.99", discount="12.5", tax="13")
    # 5999.97 list; 12.5 % of it is 749.99625 -> 750.00; net 5249.97; 13 % tax 682.4961 -> 682.50
    assert line == LineAmounts(
        list_amount=D("5999.97"),
        discount_amount=D("750.00"),
        net_amount=D("5249.97"),
        tax_amount=D("682.50"),
        total=D("5932.47"),
    )


@pytest.mark.parametrize(
    ("quantity", "price", "discount", "tax", "expected"),
    [
        # half up, not half even: 0.125 -> 0.13 (banker's rounding would print 0.12)
        ("1", "0.125", "0", "0", ("0.13", "0.00", "0.13", "0.00", "0.13")),
        # the discount is rounded half up too: 12.25 % of 10.00 is 1.225 -> 1.23
        ("1", "10", "12.25", "0", ("10.00", "1.23", "8.77", "0.00", "8.77")),
        # tax on the rounded net: 13 % of 99.99 is 12.9987 -> 13.00
        ("1", "99.99", "0", "13", ("99.99", "0.00", "99.99", "13.00", "112.99")),
        # fractional quantities and sub-fen unit prices
        ("2.5", "0.045", "0", "6", ("0.11", "0.00", "0.11", "0.01", "0.12")),
        ("0.3333", "3", "0", "9", ("1.00", "0.00", "1.00", "0.09", "1.09")),
        # a free line and a fully discounted one
        ("5", "0", "0", "13", ("0.00", "0.00", "0.00", "0.00", "0.00")),
        ("5", "20", "100", "13", ("100.00", "100.00", "0.00", "0.00", "0.00")),
    ],
)
def test_rounding_is_half_up_per_printed_amount(quantity, price, discount, tax, expected):
    line = _line(quantity, price, discount, tax)
    got = (line.list_amount, line.discount_amount, line.net_amount, line.tax_amount, line.total)
    assert tuple(map(str, got)) == expected


def test_minor_units_follow_the_currency():
    assert _line("1", "1234.5", tax="10", currency="JPY") == LineAmounts(
        D("1235"), D("0"), D("1235"), D("124"), D("1359")
    )
    assert _line("1", "1.2345", currency="KWD").list_amount == D("1.235")
    assert (minor_unit("CNY"), minor_unit("JPY"), minor_unit("BHD")) == (
        D("0.01"),
        D("1"),
        D("0.001"),
    )
    assert str(round_money(D("2.5"), "JPY")) == "3"
    assert str(round_money(D("-2.345"), "CNY")) == "-2.35"  # away from zero at the half


def test_quote_totals_are_the_sums_of_the_rounded_lines():
    lines = [_line("1", "0.125", tax="13") for _ in range(3)]
    totals = quote_totals(lines, "CNY")
    # each line prints 0.13 + 0.02 tax; an exact sum of the unrounded amounts would be 0.38 + 0.05
    assert totals.list_total == D("0.39")
    assert totals.tax_total == D("0.06")
    assert totals.total == D("0.45")
    assert totals.net_total == D("0.39")


def test_the_overall_discount_percent_is_the_discount_share_of_the_list_total():
    totals = quote_totals([_line("1", "300", "10"), _line("1", "100", "50")], "CNY")
    # (30 + 50) / 400 = 20 %
    assert (totals.discount_total, totals.discount_percent) == (D("80.00"), D("20.00"))
    assert overall_discount_percent(D("1"), D("3")) == D("33.33")
    assert overall_discount_percent(D("2"), D("3")) == D("66.67")
    assert overall_discount_percent(D("0.005"), D("100")) == D("0.01")  # half up
    assert overall_discount_percent(D("0"), D("0")) == D("0.00")
    assert quote_totals([], "CNY").total == D("0.00")


def _half_up(value: Fraction, places: int) -> Fraction:
    """An independent oracle: rounding half up (away from zero) on exact rationals."""
    scale_ = Fraction(10) ** places
    scaled = abs(value) * scale_
    whole = int(scaled)
    if scaled - whole >= Fraction(1, 2):
        whole += 1
    return Fraction(whole if value >= 0 else -whole) / scale_


quantities = st.decimals(min_value=D("0.0001"), max_value=D("1000000"), places=4)
prices = st.decimals(min_value=D("0"), max_value=D("10000000"), places=6)
percents = st.decimals(min_value=D("0"), max_value=D("100"), places=4)
currencies = st.sampled_from(["CNY", "JPY", "KWD", "USD"])


@settings(max_examples=300, deadline=None)
@given(
    currency=currencies,
    lines=st.lists(st.tuples(quantities, prices, percents, percents), min_size=1, max_size=12),
)
def test_totals_always_add_up_exactly(currency, lines):
    places = CURRENCY_EXPONENTS[currency]
    computed = []
    for quantity, price, discount, tax in lines:
        line = line_amounts(
            quantity=quantity,
            unit_price=price,
            discount_percent=discount,
            tax_percent=tax,
            currency=currency,
        )
        computed.append(line)
        list_ = _half_up(Fraction(quantity) * Fraction(price), places)
        discount_ = _half_up(list_ * Fraction(discount) / 100, places)
        tax_ = _half_up((list_ - discount_) * Fraction(tax) / 100, places)
        assert Fraction(line.list_amount) == list_
        assert Fraction(line.discount_amount) == discount_
        assert Fraction(line.tax_amount) == tax_
        assert line.net_amount == line.list_amount - line.discount_amount
        assert line.total == line.net_amount + line.tax_amount
        for amount in (line.list_amount, line.discount_amount, line.net_amount, line.total):
            assert amount.as_tuple().exponent == -places  # printed to the minor unit
            assert amount >= 0
    totals = quote_totals(computed, currency)
    assert totals.list_total == sum(x.list_amount for x in computed)
    assert totals.discount_total == sum(x.discount_amount for x in computed)
    assert totals.net_total == sum(x.net_amount for x in computed)
    assert totals.tax_total == sum(x.tax_amount for x in computed)
    assert totals.total == sum(x.total for x in computed)
    assert totals.list_total - totals.discount_total == totals.net_total
    assert totals.net_total + totals.tax_total == totals.total
    assert D(0) <= totals.discount_percent <= D(100)
    if totals.list_total:
        exact = Fraction(totals.discount_total) / Fraction(totals.list_total) * 100
        assert Fraction(totals.discount_percent) == _half_up(exact, 2)


@pytest.mark.parametrize("text", ["12.5", "-3", "+2", "0.0001", " 7 ", "100"])
def test_plain_decimal_text_is_read_exactly(text):
    assert parse_decimal(text) == D(text.strip())


@pytest.mark.parametrize("text", ["", "1e3", "1_000", "NaN", "Infinity", "12.", ".5", "1,5", "¥5"])
def test_anything_but_plain_decimal_text_is_refused(text):
    with pytest.raises(InvalidNumber, match="decimal number"):
        parse_decimal(text)


def test_a_decimal_that_is_not_finite_is_refused():
    with pytest.raises(InvalidNumber, match="finite"):
        parse_decimal(D("NaN"))


@pytest.mark.parametrize(
    ("value", "places"),
    [("1.50", 1), ("1.05", 2), ("100", 0), ("1E+2", 0), ("0.000", 0), ("10.0", 0), ("0.0001", 4)],
)
def test_scale_counts_the_places_that_carry_a_value(value, places):
    assert scale(D(value)) == places


@pytest.mark.parametrize(
    ("value", "text"), [("15", "15"), ("12.50", "12.5"), ("0.00", "0"), ("1E+2", "100")]
)
def test_percentages_travel_as_plain_decimal_text(value, text):
    assert percent_text(D(value)) == text


def test_quote_numbers_carry_the_year_and_six_digits():
    assert format_quote_number(2026, 123) == "Q-2026-000123"
    assert format_quote_number(2026, 1_000_000) == "Q-2026-1000000"  # widens, never fails
    assert quote_sequence_name(2026) != quote_sequence_name(2027)
    with pytest.raises(ValueError, match="at least 1"):
        format_quote_number(2026, 0)
    with pytest.raises(ValueError, match="four-digit"):
        format_quote_number(26, 1)
