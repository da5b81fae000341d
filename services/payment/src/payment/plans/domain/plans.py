"""How a contract value is split into instalments and when each is due: the rules that
refuse a plan which does not add up exactly, and the plan a signed contract makes.
Pure: no I/O."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from crm_runtime.errors import FailedPrecondition, FieldViolation, ValidationFailed
from crm_runtime.messaging.events import DomainEvent

from payment.domain.money import Money, money_payload, money_problems, to_fen
from payment.plans.domain.model import (
    HUNDRED,
    MAX_DUE_DAYS,
    MAX_INSTALMENTS,
    MAX_LABEL,
    SETTLED_BY_HAND,
    ContractRef,
    DueRule,
    PaymentPlan,
    PlanSource,
    Receivable,
    ReceivableStatus,
    Term,
    receivable_event,
    tenant_today,
)

# Rules ----------------------------------------------------------------------------------


def _term_problems(i: int, term: Term, currency: str) -> list[FieldViolation]:
    at = f"instalments[{i}]"
    found = []
    if len(term.label) > MAX_LABEL:
        found.append(FieldViolation(f"{at}.label", f"must be at most {MAX_LABEL} characters"))
    if (term.amount is None) == (term.percent is None):
        found.append(FieldViolation(f"{at}.amount", "give either an amount or a percent"))
    if term.amount is not None:
        found += money_problems(f"{at}.amount", term.amount)
        if term.amount.currency != currency:
            found.append(
                FieldViolation(f"{at}.amount.currency", f"must be the contract's {currency}")
            )
    if term.percent is not None and not (
        0 < term.percent <= HUNDRED and term.percent == term.percent.quantize(Decimal("0.0001"))
    ):
        found.append(
            FieldViolation(f"{at}.percent", "must be above 0 and at most 100, 4 decimals at most")
        )
    if not 0 <= term.due_days <= MAX_DUE_DAYS:
        found.append(FieldViolation(f"{at}.due_days", f"must be 0 to {MAX_DUE_DAYS}"))
    if (term.due_rule is DueRule.FIXED_DATE) != (term.due_date is not None):
        found.append(FieldViolation(f"{at}.due_date", "is given exactly for the fixed_date rule"))
    if (term.due_rule is DueRule.ON_MILESTONE) != bool(term.milestone.strip()):
        found.append(
            FieldViolation(f"{at}.milestone", "is named exactly for the on_milestone rule")
        )
    elif len(term.milestone) > MAX_LABEL:
        found.append(FieldViolation(f"{at}.milestone", f"must be at most {MAX_LABEL} characters"))
    return found


def _share(value: Money, term: Term) -> Decimal:
    """The instalment's exact share of `value` (a percentage is not rounded here)."""
    if term.amount is not None:
        return term.amount.amount
    return value.amount * (term.percent or Decimal(0)) / HUNDRED


def split_value(value: Money, terms: Sequence[Term]) -> list[Money]:
    """The amount of each instalment, to the fen, adding up exactly to `value`; raises
    ValidationFailed naming each bad instalment field, or `instalments` when they do not
    add up."""
    problems = money_problems("contract_value", value)
    if not terms:
        problems.append(FieldViolation("instalments", "at least one instalment"))
    if len(terms) > MAX_INSTALMENTS:
        problems.append(FieldViolation("instalments", f"at most {MAX_INSTALMENTS} instalments"))
    for i, term in enumerate(terms):
        problems += _term_problems(i, term, value.currency)
    if problems:
        raise ValidationFailed(problems)
    exact = sum((_share(value, t) for t in terms), Decimal(0))
    if exact != value.amount:
        raise ValidationFailed(
            [
                FieldViolation(
                    "instalments",
                    f"add up to {exact:f}, not the contract value {value.amount:f} "
                    f"{value.currency}",
                )
            ]
        )
    amounts = [to_fen(_share(value, t)) for t in terms[:-1]]
    amounts.append(value.amount - sum(amounts, Decimal(0)))  # the last takes the rounding
    for i, amount in enumerate(amounts):
        if amount <= 0:
            raise ValidationFailed(
                [FieldViolation(f"instalments[{i}]", "comes to less than one fen")]
            )
    return [Money(a, value.currency) for a in amounts]


def due_date_of(term: Term, signed: date, milestone_reached: date | None = None) -> date | None:
    """The instalment's due date by its rule; None while its milestone is not reached."""
    days = timedelta(days=term.due_days)
    if term.due_rule is DueRule.FIXED_DATE:
        return term.due_date
    if term.due_rule is DueRule.ON_SIGNING:
        return signed
    if term.due_rule is DueRule.DAYS_AFTER_SIGNING:
        return signed + days
    if term.due_rule is DueRule.END_OF_MONTH_PLUS_DAYS:
        last = calendar.monthrange(signed.year, signed.month)[1]
        return signed.replace(day=last) + days
    return milestone_reached + days if milestone_reached else None


def status_on(
    due: date | None, amount: Money, paid: Money, current: ReceivableStatus, today: date
) -> ReceivableStatus:
    """The receivable's status on `today`."""
    if current in SETTLED_BY_HAND:
        return current
    if paid.amount >= amount.amount:
        return ReceivableStatus.PAID
    if due is not None and due < today:
        return ReceivableStatus.OVERDUE
    if paid.amount > 0:
        return ReceivableStatus.PARTIALLY_PAID
    if due is not None and due == today:
        return ReceivableStatus.DUE
    return ReceivableStatus.UPCOMING


def _contract_problems(contract: ContractRef) -> list[FieldViolation]:
    found = []
    for name in ("contract_id", "contract_number", "account_id", "owner_id"):
        value = getattr(contract, name)
        if not value.strip():
            found.append(FieldViolation(name, "is required"))
        elif len(value) > 64:
            found.append(FieldViolation(name, "must be at most 64 characters"))
    if len(contract.account_name) > 200:
        found.append(FieldViolation("account_name", "must be at most 200 characters"))
    if contract.document_version < 1:
        found.append(FieldViolation("contract_document_version", "must be at least 1"))
    return found


def create_plan(
    *,
    plan_id: str,
    receivable_ids: Sequence[str],
    tenant_id: str,
    contract: ContractRef,
    terms: Sequence[Term],
    source: PlanSource,
    by: str,
    now: datetime,
    replaces_plan_id: str = "",
) -> PaymentPlan:
    """A new active plan, one receivable per instalment, and its PaymentPlanCreated."""
    problems = _contract_problems(contract)
    if problems:
        raise ValidationFailed(problems)
    amounts = split_value(contract.value, terms)
    today, zero = tenant_today(now), Money(Decimal(0), contract.value.currency)
    receivables = []
    for seq, (term, amount, rid) in enumerate(zip(terms, amounts, receivable_ids, strict=True), 1):
        due = due_date_of(term, contract.signed_date)
        receivables.append(
            Receivable(
                id=rid,
                tenant_id=tenant_id,
                plan_id=plan_id,
                contract=contract,
                sequence=seq,
                label=term.label.strip() or f"#{seq}",
                amount=amount,
                paid=zero,
                due_rule=term.due_rule,
                due_days=term.due_days,
                milestone=term.milestone.strip(),
                percent=term.percent,
                due_date=due,
                milestone_reached=None,
                status=status_on(due, amount, zero, ReceivableStatus.UPCOMING, today),
                created_at=now,
                updated_at=now,
            )
        )
    plan = PaymentPlan(
        id=plan_id,
        tenant_id=tenant_id,
        contract=contract,
        source=source,
        receivables=tuple(receivables),
        created_by=by,
        created_at=now,
        updated_at=now,
        replaces_plan_id=replaces_plan_id,
    )
    return replace(plan, events=(plan_created(plan),))


def plan_created(plan: PaymentPlan) -> DomainEvent:
    c = plan.contract
    return DomainEvent(
        event_type="PaymentPlanCreated",
        tenant_id=plan.tenant_id,
        aggregate_type="payment_plan",
        aggregate_id=plan.id,
        aggregate_version=plan.version,
        occurred_at=plan.created_at,
        payload={
            "plan_id": plan.id,
            "contract_id": c.contract_id,
            "contract_number": c.contract_number,
            "contract_document_version": c.document_version,
            "account_id": c.account_id,
            "account_name": c.account_name,
            "owner_id": c.owner_id,
            "team_id": c.team_id,
            "total": money_payload(plan.total),
            "instalments": [
                {
                    "receivable_id": r.id,
                    "sequence": r.sequence,
                    "label": r.label,
                    "amount": money_payload(r.amount),
                    "due_date": r.due_date.isoformat() if r.due_date else "",
                    "due_rule": r.due_rule.value,
                    "due_days": r.due_days,
                    "milestone": r.milestone,
                    "percent": f"{r.percent:f}" if r.percent is not None else "",
                }
                for r in plan.receivables
            ],
            "replaces_plan_id": plan.replaces_plan_id,
            "created_by": plan.created_by,
            "signed_date": c.signed_date.isoformat(),
            "source": plan.source.value,
        },
    )


def reach_milestone(receivable: Receivable, reached: date, by: str, now: datetime) -> Receivable:
    """The milestone of an on_milestone instalment was reached on `reached`: its due date
    is set (reached + its days), with ReceivableDueDateSet. Reached once."""
    if receivable.due_rule is not DueRule.ON_MILESTONE:
        raise FailedPrecondition(
            f"receivable {receivable.id} is due by rule {receivable.due_rule.value}, "
            "not on a milestone"
        )
    if receivable.milestone_reached is not None:
        raise FailedPrecondition(
            f"the milestone of receivable {receivable.id} was reached on "
            f"{receivable.milestone_reached.isoformat()}"
        )
    if reached < receivable.contract.signed_date:
        raise ValidationFailed(
            [FieldViolation("reached_date", "must not be before the contract's signing date")]
        )
    if reached > tenant_today(now):
        raise ValidationFailed([FieldViolation("reached_date", "must not be in the future")])
    due = reached + timedelta(days=receivable.due_days)
    status = status_on(
        due, receivable.amount, receivable.paid, receivable.status, tenant_today(now)
    )
    after = replace(
        receivable,
        milestone_reached=reached,
        due_date=due,
        status=status,
        updated_at=now,
        version=receivable.version + 1,
    )
    event = receivable_event(
        after,
        "ReceivableDueDateSet",
        now,
        amount=money_payload(after.amount),
        milestone=after.milestone,
        reached_date=reached.isoformat(),
        due_date=due.isoformat(),
        set_by=by,
    )
    return replace(after, events=(event,))


def _money_of(payload: dict[str, Any] | None, currency_default: str = "") -> Money:
    payload = payload or {}
    units = int(str(payload.get("units", "0") or "0"))
    nanos = int(str(payload.get("nanos", 0) or 0))
    return Money.of(units, nanos, str(payload.get("currency", "") or currency_default))


def _day(text: Any, name: str) -> date:
    try:
        return date.fromisoformat(str(text))
    except ValueError as exc:
        raise ValidationFailed([FieldViolation(name, "must be a date YYYY-MM-DD")]) from exc


def from_contract_signed(payload: dict[str, Any]) -> tuple[ContractRef, list[Term]]:
    """The contract and its instalments as a ContractSigned payload (proto JSON) carries
    them: each term an amount with a due date resolved by the contract service (on the
    signing date when it has none); no terms, the whole value on signing."""
    value = _money_of(payload.get("value"))
    contract = ContractRef(
        contract_id=str(payload.get("contract_id", "")),
        contract_number=str(payload.get("number", "")),
        document_version=int(str(payload.get("document_version", 1) or 1)),
        account_id=str(payload.get("account_id", "")),
        account_name=str(payload.get("account_name", "")),
        owner_id=str(payload.get("owner_id", "")),
        team_id=str(payload.get("team_id", "")),
        value=value,
        signed_date=_day(payload.get("signed_date", ""), "signed_date"),
    )
    terms = []
    raw_terms: list[dict[str, Any]] = payload.get("payment_terms") or []
    for raw in sorted(raw_terms, key=lambda t: int(t.get("sequence", 0) or 0)):
        due = str(raw.get("due_date", "") or "")
        terms.append(
            Term(
                label=str(raw.get("label", "")),
                amount=_money_of(raw.get("amount"), value.currency),
                due_rule=DueRule.FIXED_DATE if due else DueRule.ON_SIGNING,
                due_date=_day(due, "payment_terms.due_date") if due else None,
            )
        )
    return contract, terms or [Term(label="full", percent=HUNDRED)]
