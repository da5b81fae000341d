"""The approval chain of a contract, chosen by an ordered policy: each rule names a role
and the conditions that put it in the chain (legal always; finance when the value is at
least 200,000, a line discount at least 15 % or an instalment due more than 90 days
after signing; the general manager when the value is at least 1,000,000 or a standard
clause was edited). Why each step is there is recorded on it. Steps are decided in
order, each once, by the step's role and never by the one who submitted. Pure Python."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from crm_runtime.errors import Conflict, FieldViolation, PermissionDenied, ValidationFailed

from contract.contracts.domain.instalments import Instalment, exceeds_days
from contract.contracts.domain.lines import Line

# Role of a step -> the platform role that decides it (gateway.access.authz).
DECIDED_BY = {"legal": "legal", "finance": "finance", "general_manager": "sales_director"}


@dataclass(frozen=True)
class Rule:
    role: str  # legal, finance, general_manager
    always: bool = False
    min_value: Decimal | None = None
    min_line_discount: Decimal | None = None
    max_term_days: int | None = None  # in the chain when an instalment is due later
    standard_clause_edited: bool = False


DEFAULT_POLICY: tuple[Rule, ...] = (
    Rule("legal", always=True),
    Rule("finance", min_value=Decimal(200_000), min_line_discount=Decimal(15), max_term_days=90),
    Rule("general_manager", min_value=Decimal(1_000_000), standard_clause_edited=True),
)


ROLES = tuple(DECIDED_BY)
MAX_DAYS = 3650


def policy_problems(rules: tuple[Rule, ...]) -> list[FieldViolation]:
    """An ordered policy: at least one rule, each role once, each with a condition."""
    found: list[FieldViolation] = []
    if not rules:
        return [FieldViolation("rules", "at least one rule: legal always, for instance")]
    seen: set[str] = set()
    for i, r in enumerate(rules):
        at = f"rules[{i}]"
        if r.role not in ROLES:
            found.append(FieldViolation(f"{at}.role", f"must be one of {', '.join(ROLES)}"))
        elif r.role in seen:
            found.append(FieldViolation(f"{at}.role", f"{r.role} has a rule already"))
        seen.add(r.role)
        conditions = (
            r.always,
            r.min_value is not None,
            r.min_line_discount is not None,
            r.max_term_days is not None,
            r.standard_clause_edited,
        )
        if not any(conditions):
            found.append(FieldViolation(at, "needs a condition (always, min_value, ...)"))
        if r.min_value is not None and r.min_value < 0:
            found.append(FieldViolation(f"{at}.min_value", "must not be negative"))
        if r.min_line_discount is not None and not Decimal(0) <= r.min_line_discount <= Decimal(
            100
        ):
            found.append(FieldViolation(f"{at}.min_line_discount_percent", "must be 0 to 100"))
        if r.max_term_days is not None and not 1 <= r.max_term_days <= MAX_DAYS:
            found.append(FieldViolation(f"{at}.max_term_days", f"must be 1 to {MAX_DAYS}"))
    return found


@dataclass(frozen=True)
class Step:
    id: str
    sequence: int
    role: str
    rule: str  # why it is in the chain
    status: str  # waiting, pending, approved, rejected, cancelled
    approver_id: str = ""
    comment: str = ""
    decided_at: datetime | None = None


def _amount(value: Decimal) -> str:
    return f"{value:,.2f}"


def reasons(
    rule: Rule,
    value: Decimal,
    lines: tuple[Line, ...],
    terms: tuple[Instalment, ...],
    standard_edited: bool,
) -> list[str]:
    """Why `rule` puts its role in the chain of this contract (empty: it does not)."""
    found = []
    if rule.always:
        found.append("always")
    if rule.min_value is not None and value >= rule.min_value:
        found.append(f"amount {_amount(value)} ≥ {_amount(rule.min_value)}")
    if rule.min_line_discount is not None:
        top = max((x.discount_percent for x in lines), default=Decimal(0))
        if top >= rule.min_line_discount:
            found.append(f"line discount {top} % ≥ {rule.min_line_discount} %")
    if rule.max_term_days is not None and exceeds_days(terms, rule.max_term_days):
        found.append(f"payment terms longer than {rule.max_term_days} days")
    if rule.standard_clause_edited and standard_edited:
        found.append("a standard clause was edited")
    return found


def chain(
    policy: tuple[Rule, ...],
    value: Decimal,
    lines: tuple[Line, ...],
    terms: tuple[Instalment, ...],
    standard_edited: bool,
    new_id: object,
) -> tuple[Step, ...]:
    """The steps in policy order, the first pending and the rest waiting."""
    steps: list[Step] = []
    for rule in policy:
        why = reasons(rule, value, lines, terms, standard_edited)
        if why:
            status = "waiting" if steps else "pending"
            make = new_id if callable(new_id) else str
            steps.append(
                Step(
                    str(make()), len(steps) + 1, rule.role, f"{rule.role}: {'; '.join(why)}", status
                )
            )
    return tuple(steps)


def decide(
    steps: tuple[Step, ...],
    step_id: str,
    approve: bool,
    comment: str,
    decider_id: str,
    decider_roles: tuple[str, ...],
    submitted_by: str,
    now: datetime,
) -> tuple[tuple[Step, ...], Step]:
    """The chain after one decision, and the decided step. Deciding a step that is not
    pending (decided already, or not its turn) is a Conflict (409)."""
    step = next((s for s in steps if s.id == step_id), None)
    if step is None:
        raise ValidationFailed(
            [FieldViolation("step_id", "is not a step of this contract's chain")]
        )
    if step.status != "pending":
        raise Conflict(f"approval step {step.sequence} ({step.role}) is {step.status}, not pending")
    if DECIDED_BY[step.role] not in decider_roles:
        raise PermissionDenied(f"step {step.sequence} is decided by {step.role}")
    if decider_id == submitted_by:
        raise PermissionDenied("the one who submitted a contract does not approve it")
    if not approve and not comment.strip():
        raise ValidationFailed([FieldViolation("comment", "is required when rejecting: say why")])
    decided = replace(
        step,
        status="approved" if approve else "rejected",
        approver_id=decider_id,
        comment=comment.strip(),
        decided_at=now,
    )
    out: list[Step] = []
    opened = False
    for s in steps:
        if s.id == step.id:
            out.append(decided)
        elif s.status == "waiting" and not approve:
            out.append(replace(s, status="cancelled"))
        elif s.status == "waiting" and not opened:
            out.append(replace(s, status="pending"))
            opened = True
        else:
            out.append(s)
    return tuple(out), decided
