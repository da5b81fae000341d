"""The contract's rules alone: instalments that must add up (never rounded away), amounts
resolved to the fen, numbers, template rules."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from contract.contracts.domain import instalments
from contract.contracts.domain.contract import format_number
from contract.contracts.domain.instalments import Instalment
from contract.templates.domain import Clause, problems
from contract_fakes import SALES


def pct(*values: str) -> tuple[Instalment, ...]:
    return tuple(Instalment(i + 1, f"第{i + 1}期", Decimal(v), None) for i, v in enumerate(values))


def test_percentages_that_do_not_add_up_name_the_rule():
    found = instalments.problems(pct("30", "65"), Decimal("1000.00"), "CNY")
    assert [(v.field, v.description) for v in found] == [
        ("payment_terms", "instalments: percentages add up to 95, not 100")
    ]


def test_amounts_must_add_up_to_the_value_exactly():
    terms = (
        Instalment(1, "首付", None, Decimal("500.00")),
        Instalment(2, "尾款", None, Decimal("499.99")),
    )
    found = instalments.problems(terms, Decimal("1000.00"), "CNY")
    assert (
        found[0].description == "instalments: amounts add up to 999.99, not the contract value 1000"
    )


def test_percentages_resolve_to_amounts_that_add_up_to_the_fen():
    terms = instalments.resolved(pct("33.33", "33.33", "33.34"), Decimal("100.01"), "CNY")
    assert [t.amount for t in terms] == [Decimal("33.33"), Decimal("33.33"), Decimal("33.35")]
    assert sum(t.amount or 0 for t in terms) == Decimal("100.01")


@pytest.mark.parametrize(
    ("term", "field", "rule"),
    [
        (Instalment(1, "", None, None), "payment_terms[0]", "exactly one"),
        (
            Instalment(1, "", Decimal(100), None, "days_after_signing", 0),
            "payment_terms[0].due_days",
            "1 to",
        ),
        (
            Instalment(1, "", Decimal(100), None, "milestone"),
            "payment_terms[0].milestone",
            "milestone",
        ),
        (Instalment(1, "", Decimal(100), None, "whenever"), "payment_terms[0].due_kind", "one of"),
        (Instalment(1, "", None, Decimal("0.001")), "payment_terms[0].amount", "minor unit"),
    ],
)
def test_each_bad_instalment_is_named(term, field, rule):
    found = instalments.problems((term,), Decimal("0.001"), "CNY")
    assert found[0].field == field and rule in found[0].description


def test_due_rules_are_accepted():
    terms = (
        Instalment(1, "预付", Decimal(30), None, "on_signing"),
        Instalment(2, "到货", Decimal(40), None, "end_of_month_plus", 30),
        Instalment(3, "验收", Decimal(30), None, "milestone", 0, "验收合格"),
    )
    assert instalments.problems(terms, Decimal("10.00"), "CNY") == []
    assert instalments.exceeds_days(terms, 29) and not instalments.exceeds_days(terms, 30)


def test_numbers_are_per_year_and_six_digits():
    assert format_number(2026, 123) == "HT-2026-000123"
    assert format_number(2026, 1234567) == "HT-2026-1234567"


def test_a_clause_may_name_only_declared_merge_fields():
    bad = replace(SALES, clauses=(Clause("x", "X", "见{{quote.total}}"),))
    assert [v.field for v in problems(bad)] == ["template.clauses[0].text"]
    assert problems(SALES) == []


def test_a_caller_gives_a_percent_or_an_amount_never_both():
    both = (Instalment(1, "", Decimal(100), Decimal(1)),)
    assert [v.field for v in instalments.given_problems(both)] == ["payment_terms[0]"]
    assert instalments.given_problems(pct("100")) == []
