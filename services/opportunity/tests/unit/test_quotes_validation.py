"""Quote drafts: every broken rule is named with its field path at once; a good draft
comes back with its lines numbered and its amounts computed."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from crm_runtime.errors import ValidationFailed
from opportunity.quotes.domain.content import (
    MAX_LINES,
    QuoteDraft,
    QuoteLineDraft,
    QuotePolicy,
    validate_quote,
)

TODAY = date(2026, 11, 24)
D = Decimal


def _line(**fields):
    base = {
        "product_code": "CRM-PRO",
        "description": "CRM Pro licence, one seat, one year",
        "quantity": "10",
        "unit": "seat",
        "unit_price": D("1200"),
        "discount_percent": "10",
        "tax_percent": "13",
    }
    return QuoteLineDraft(**{**base, **fields})


def _draft(*lines, **fields):
    base = {"currency": "CNY", "lines": lines or (_line(),), "valid_until": "2026-12-31"}
    return QuoteDraft(**{**base, **fields})


POLICY = QuotePolicy()


def _validate(draft, policy=POLICY):
    return validate_quote(draft, today=TODAY, policy=policy)


def _violations(draft):
    with pytest.raises(ValidationFailed) as err:
        _validate(draft)
    return {(v.field, v.description) for v in err.value.violations}


def _fields(draft):
    return {name for name, _ in _violations(draft)}


def test_a_good_draft_is_numbered_computed_and_trimmed():
    content = _validate(
        _draft(
            _line(),
            _line(product_code=" SVC ", description="", quantity="0.5", unit_price=D("800")),
            currency=" cny ",
            terms=" 30 days net ",
        )
    )
    assert content.currency == "CNY"
    assert [x.line_no for x in content.lines] == [1, 2]
    assert content.lines[1].product_code == "SVC"
    assert content.lines[0].amounts.total == D("12204.00")  # 12000 − 1200 = 10800; +13 %
    assert content.totals.list_total == D("12400.00")
    assert content.valid_until == date(2026, 12, 31)
    assert content.terms == "30 days net"


def test_every_line_rule_is_named_with_its_path():
    got = _violations(
        _draft(
            _line(quantity="0"),
            _line(unit_price_currency="USD"),
            _line(discount_percent="100.5"),
            _line(tax_percent="-1"),
            _line(product_code="X" * 65, description="d" * 501, unit="u" * 21),
            _line(product_code="", description=" "),
            _line(quantity="1.00001", unit_price=D("1.0000001")),
            _line(quantity="abc", discount_percent="1e1", tax_percent="13.00001"),
            _line(unit_price=None),
            _line(unit_price=D("-1"), quantity="1000000001"),
        )
    )
    assert got == {
        ("lines[0].quantity", "must be greater than 0"),
        ("lines[1].unit_price.currency", "must be the quote's currency (CNY)"),
        ("lines[2].discount_percent", "must be between 0 and 100"),
        ("lines[3].tax_percent", "must be between 0 and 100"),
        ("lines[4].product_code", "must be at most 64 characters"),
        ("lines[4].description", "must be at most 500 characters"),
        ("lines[4].unit", "must be at most 20 characters"),
        ("lines[5].description", "is required when there is no product_code"),
        ("lines[6].quantity", "must have at most 4 decimal places"),
        ("lines[6].unit_price", "must have at most 6 decimal places"),
        ("lines[7].quantity", "must be a decimal number such as 12.5"),
        ("lines[7].discount_percent", "must be a decimal number such as 12.5"),
        ("lines[7].tax_percent", "must have at most 4 decimal places"),
        ("lines[8].unit_price", "is required"),
        ("lines[9].unit_price", "must not be negative"),
        ("lines[9].quantity", "must be at most 1000000000"),
    }


def test_the_price_currency_may_be_left_out_or_repeat_the_quotes():
    content = _validate(_draft(_line(unit_price_currency=""), _line(unit_price_currency="cny")))
    assert len(content.lines) == 2


@pytest.mark.parametrize("rate", ["13", "9", "6", "0", "3", "100", "0.5"])
def test_any_tax_rate_from_0_to_100_is_accepted(rate):
    assert _validate(_draft(_line(tax_percent=rate))).lines[0].tax_percent == D(rate)


def test_an_empty_discount_or_tax_is_zero_but_an_empty_quantity_is_missing():
    content = _validate(_draft(_line(discount_percent="", tax_percent="")))
    assert (content.lines[0].discount_percent, content.lines[0].tax_percent) == (0, 0)
    assert _violations(_draft(_line(quantity=" "))) == {("lines[0].quantity", "is required")}


def test_decimals_may_come_as_decimals():
    line = _line(quantity=D("2"), discount_percent=D("5"), tax_percent=D("6"))
    assert _validate(_draft(line)).lines[0].amounts.list_amount == D("2400.00")
    assert _fields(_draft(_line(quantity=D("NaN")))) == {"lines[0].quantity"}


def test_a_line_too_large_for_money_is_refused_as_a_whole():
    huge = _line(quantity="1000000000", unit_price=D("1000000"))
    assert _violations(_draft(huge)) == {
        ("lines[0]", "quantity × unit price must be at most 100000000000000")
    }


@pytest.mark.parametrize("currency", ["", "RMB", "yuan", "US", "XXX"])
def test_the_currency_must_be_a_known_iso_code(currency):
    got = _violations(_draft(currency=currency))
    assert ("currency", "must be an ISO 4217 code such as CNY") in got


def test_a_quote_needs_one_to_500_lines():
    assert _violations(QuoteDraft(currency="CNY", valid_until="2026-12-31")) == {
        ("lines", "a quote needs at least one line")
    }
    too_many = _draft(*[_line()] * (MAX_LINES + 1))
    assert _violations(too_many) == {("lines", "at most 500 lines")}
    assert len(_validate(_draft(*[_line()] * MAX_LINES)).lines) == MAX_LINES


def test_validity_defaults_from_the_policy_and_must_be_a_near_future_date():
    assert _validate(_draft(valid_until="")).valid_until == TODAY + timedelta(days=30)
    policy = replace(QuotePolicy(), validity_days=7)
    assert validate_quote(_draft(valid_until=""), today=TODAY, policy=policy).valid_until == (
        TODAY + timedelta(days=7)
    )
    assert _validate(_draft(valid_until="2026-11-24")).valid_until == TODAY  # today is fine
    for bad in ("2026-13-01", "24/11/2026", "20261224", "2026-W48-2"):
        assert _violations(_draft(valid_until=bad)) == {
            ("valid_until", "must be a date YYYY-MM-DD")
        }
    assert _violations(_draft(valid_until="2026-11-23")) == {
        ("valid_until", "must not be before today (2026-11-24)")
    }
    assert _fields(_draft(valid_until="2062-11-24")) == {"valid_until"}


def test_terms_and_notes_have_limits():
    assert _fields(_draft(terms="t" * 5001, notes="n" * 2001)) == {"terms", "notes"}


def test_all_violations_of_a_draft_arrive_together():
    draft = _draft(_line(quantity="-1"), currency="", valid_until="soon", notes="n" * 2001)
    assert _fields(draft) == {"currency", "lines[0].quantity", "valid_until", "notes"}


def test_the_policy_reads_a_pipelines_threshold_and_approver():
    assert QuotePolicy.from_settings() == QuotePolicy(D(15), "sales_director", 30)
    assert QuotePolicy.from_settings(" ", " ") == QuotePolicy()
    policy = QuotePolicy.from_settings("20.5", "sales_manager")
    assert (policy.discount_threshold_percent, policy.approver_role) == (D("20.5"), "sales_manager")
    for bad, rule in (
        ("abc", "must be a decimal number such as 12.5"),
        ("101", "between 0 and 100"),
    ):
        with pytest.raises(ValidationFailed) as err:
            QuotePolicy.from_settings(bad)
        [violation] = err.value.violations
        assert violation.field == "quote_discount_threshold_percent"
        assert rule in violation.description
