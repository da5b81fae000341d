"""Payment terms as instalments (分期付款): each a percentage of the contract value or an
amount, due on signing, N days after signing, at the end of the signing month + N days,
or on a milestone (e.g. acceptance). They must add up exactly: percentages to 100, or
amounts to the value; a shortfall is refused naming the rule, never rounded away.

A percentage instalment's amount is its share rounded half up to the minor unit, and
the last instalment takes what is left, so the amounts always add up to the value to the
fen (the payment plan is built from these amounts, ADR 0025). Pure Python."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from crm_runtime.errors import FieldViolation

from contract.domain.money import HUNDRED, add, is_rounded, percent_of, round_money, text

DUE_KINDS = ("on_signing", "days_after_signing", "end_of_month_plus", "milestone")
MAX_DAYS = 3650


@dataclass(frozen=True)
class Instalment:
    sequence: int
    label: str
    percent: Decimal | None  # as given; None when given as an amount
    amount: Decimal | None  # as given, or resolved from the percentage
    due_kind: str = "on_signing"
    due_days: int = 0
    milestone: str = ""


def problems(
    terms: tuple[Instalment, ...], value: Decimal, currency: str, field: str = "payment_terms"
) -> list[FieldViolation]:
    """Every rule the terms break, each naming its field; the sum rule names the terms."""
    found: list[FieldViolation] = []
    if not terms:
        return [FieldViolation(field, "at least one instalment")]
    for i, term in enumerate(terms):
        at = f"{field}[{i}]"
        if term.percent is None and term.amount is None:
            found.append(FieldViolation(at, "give a percent or an amount, exactly one"))
        if term.percent is not None and not Decimal(0) < term.percent <= HUNDRED:
            found.append(FieldViolation(f"{at}.percent", "must be more than 0 and at most 100"))
        if term.amount is not None and term.percent is None:
            if term.amount <= 0:
                found.append(FieldViolation(f"{at}.amount", "must be more than 0"))
            elif not is_rounded(term.amount, currency):
                found.append(
                    FieldViolation(f"{at}.amount", f"has digits below the {currency} minor unit")
                )
        if term.due_kind not in DUE_KINDS:
            found.append(FieldViolation(f"{at}.due_kind", f"must be one of {', '.join(DUE_KINDS)}"))
        elif term.due_kind == "days_after_signing" and not 1 <= term.due_days <= MAX_DAYS:
            found.append(FieldViolation(f"{at}.due_days", f"must be 1 to {MAX_DAYS}"))
        elif term.due_kind == "end_of_month_plus" and not 0 <= term.due_days <= MAX_DAYS:
            found.append(FieldViolation(f"{at}.due_days", f"must be 0 to {MAX_DAYS}"))
        elif term.due_kind == "milestone" and not term.milestone.strip():
            found.append(FieldViolation(f"{at}.milestone", "names the milestone, e.g. 验收"))
        elif term.due_kind in ("on_signing", "milestone") and term.due_days:
            found.append(FieldViolation(f"{at}.due_days", f"must be 0 when due {term.due_kind}"))
    if found:
        return found
    by_percent = [t.percent for t in terms if t.percent is not None]
    if by_percent and len(by_percent) != len(terms):
        return [
            FieldViolation(
                field, "instalments: give every instalment a percent, or every one an amount"
            )
        ]
    if by_percent:
        total = add(*by_percent)
        if total != HUNDRED:
            return [
                FieldViolation(field, f"instalments: percentages add up to {text(total)}, not 100")
            ]
        return []
    amounts = add(*(t.amount or Decimal(0) for t in terms))
    if amounts != value:
        return [
            FieldViolation(
                field,
                f"instalments: amounts add up to {text(amounts)}, not the contract value {text(value)}",
            )
        ]
    return []


def given_problems(
    terms: tuple[Instalment, ...], field: str = "payment_terms"
) -> list[FieldViolation]:
    """Terms as a caller gives them: a percent or an amount, never both (stored terms
    carry both: the amount resolved from the percent)."""
    return [
        FieldViolation(f"{field}[{i}]", "give a percent or an amount, exactly one")
        for i, t in enumerate(terms)
        if t.percent is not None and t.amount is not None
    ]


def resolved(
    terms: tuple[Instalment, ...], value: Decimal, currency: str
) -> tuple[Instalment, ...]:
    """The terms (valid by `problems`) with every amount set, adding up to `value`;
    sequences 1, 2, ... in the given order."""
    numbered = [replace(t, sequence=i + 1) for i, t in enumerate(terms)]
    if not numbered or numbered[0].percent is None:
        return tuple(numbered)
    out: list[Instalment] = []
    left = value
    for i, term in enumerate(numbered):
        share = (
            left
            if i == len(numbered) - 1
            else round_money(percent_of(value, term.percent or Decimal(0)), currency)
        )
        left -= share
        out.append(replace(term, amount=share))
    return tuple(out)


def exceeds_days(terms: tuple[Instalment, ...], days: int) -> bool:
    """Whether any instalment falls due later than `days` after signing (for the rules)."""
    return any(
        t.due_kind in ("days_after_signing", "end_of_month_plus") and t.due_days > days
        for t in terms
    )
