"""Payment plans and receivables between the domain and crm.payment.v1 (no I/O)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from crm.common.v1 import common_pb2
from crm.payment.v1 import payment_pb2 as pb
from crm_runtime.errors import FieldViolation, ValidationFailed
from google.protobuf.timestamp_pb2 import Timestamp

from payment.domain.money import Money
from payment.plans.domain.model import (
    ContractRef,
    DueRule,
    PaymentPlan,
    Receivable,
    ReceivableStatus,
    Term,
    tenant_today,
)
from payment.plans.listing import ReceivableQuery


def money_from_proto(msg: common_pb2.Money, field: str) -> Money:
    units, nanos = msg.units, msg.nanos
    if not -999_999_999 <= nanos <= 999_999_999 or (units > 0 > nanos) or (units < 0 < nanos):
        raise ValidationFailed([FieldViolation(field, "nanos are below a unit and share its sign")])
    return Money.of(units, nanos, msg.currency)


def money_to_proto(money: Money) -> common_pb2.Money:
    units, nanos = money.units_nanos()
    return common_pb2.Money(currency=money.currency, units=units, nanos=nanos)


def day_from_proto(text: str, field: str, *, required: bool = True) -> date | None:
    if not text and not required:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ValidationFailed([FieldViolation(field, "must be a date YYYY-MM-DD")]) from exc


def stamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment.astimezone(UTC))
    return stamp


def _percent(text: str, field: str) -> Decimal | None:
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise ValidationFailed([FieldViolation(field, "must be a decimal number")]) from exc


def term_from_proto(i: int, msg: pb.InstalmentInput) -> Term:
    at = f"instalments[{i}]"
    rule = msg.due_rule
    if rule == pb.DUE_RULE_UNSPECIFIED:
        rule = pb.DUE_RULE_FIXED_DATE if msg.due_date else pb.DUE_RULE_ON_SIGNING
    name = pb.DueRule.Name(rule).removeprefix("DUE_RULE_").lower()
    return Term(
        label=msg.label,
        amount=money_from_proto(msg.amount, f"{at}.amount") if msg.HasField("amount") else None,
        percent=_percent(msg.percent, f"{at}.percent"),
        due_rule=DueRule(name),
        due_days=msg.due_days,
        due_date=day_from_proto(msg.due_date, f"{at}.due_date", required=False),
        milestone=msg.milestone,
    )


def contract_from_request(request: pb.CreatePaymentPlanRequest) -> ContractRef:
    problems = []
    if not request.HasField("contract_value"):
        problems.append(FieldViolation("contract_value", "is required"))
    if not request.signed_date:
        problems.append(FieldViolation("signed_date", "is required"))
    if problems:
        raise ValidationFailed(problems)
    signed = day_from_proto(request.signed_date, "signed_date")
    assert signed is not None
    return ContractRef(
        contract_id=request.contract_id,
        contract_number=request.contract_number,
        document_version=request.contract_document_version or 1,
        account_id=request.account_id,
        account_name=request.account_name,
        owner_id=request.owner_id,
        team_id=request.team_id,
        value=money_from_proto(request.contract_value, "contract_value"),
        signed_date=signed,
    )


def _days_overdue(r: Receivable, today: date) -> int:
    if r.due_date is None or r.status is not ReceivableStatus.OVERDUE:
        return 0
    return (today - r.due_date).days


def receivable_to_proto(r: Receivable, now: datetime) -> pb.Receivable:
    c = r.contract
    return pb.Receivable(
        id=r.id,
        tenant_id=r.tenant_id,
        plan_id=r.plan_id,
        contract_id=c.contract_id,
        contract_number=c.contract_number,
        account_id=c.account_id,
        account_name=c.account_name,
        owner_id=c.owner_id,
        team_id=c.team_id,
        sequence=r.sequence,
        label=r.label,
        reference=r.reference,
        amount=money_to_proto(r.amount),
        paid_amount=money_to_proto(r.paid),
        outstanding=money_to_proto(r.outstanding),
        due_date=r.due_date.isoformat() if r.due_date else "",
        status=pb.ReceivableStatus.Value(f"RECEIVABLE_STATUS_{r.status.value.upper()}"),
        days_overdue=_days_overdue(r, tenant_today(now)),
        created_at=stamp(r.created_at),
        updated_at=stamp(r.updated_at),
        version=r.version,
        due_rule=pb.DueRule.Value(f"DUE_RULE_{r.due_rule.value.upper()}"),
        due_days=r.due_days,
        milestone=r.milestone,
        milestone_reached_date=r.milestone_reached.isoformat() if r.milestone_reached else "",
        percent=f"{r.percent:f}" if r.percent is not None else "",
        write_off_reason=r.write_off_reason,
        written_off_by=r.written_off_by,
        dispute_reason=r.dispute_reason,
    )


def plan_to_proto(plan: PaymentPlan, now: datetime) -> pb.PaymentPlan:
    c = plan.contract
    settled = all(r.status is ReceivableStatus.PAID for r in plan.receivables)
    if not plan.active:
        status = pb.PAYMENT_PLAN_STATUS_CANCELLED
    else:
        status = pb.PAYMENT_PLAN_STATUS_SETTLED if settled else pb.PAYMENT_PLAN_STATUS_ACTIVE
    return pb.PaymentPlan(
        id=plan.id,
        tenant_id=plan.tenant_id,
        contract_id=c.contract_id,
        contract_number=c.contract_number,
        contract_document_version=c.document_version,
        account_id=c.account_id,
        account_name=c.account_name,
        owner_id=c.owner_id,
        team_id=c.team_id,
        total=money_to_proto(plan.total),
        paid_total=money_to_proto(plan.paid_total),
        outstanding_total=money_to_proto(plan.outstanding_total),
        status=status,
        receivables=[receivable_to_proto(r, now) for r in plan.receivables],
        created_by=plan.created_by,
        created_at=stamp(plan.created_at),
        updated_at=stamp(plan.updated_at),
        version=plan.version,
        signed_date=c.signed_date.isoformat(),
        source=plan.source.value,
        replaces_plan_id=plan.replaces_plan_id,
    )


def query_from_proto(f: pb.ReceivableFilter) -> ReceivableQuery:
    statuses = [
        pb.ReceivableStatus.Name(s).removeprefix("RECEIVABLE_STATUS_").lower() for s in f.statuses
    ]
    return ReceivableQuery(
        statuses=statuses,
        owner_ids=list(f.owner_ids),
        team_ids=list(f.team_ids),
        account_ids=list(f.account_ids),
        contract_id=f.contract_id,
        due_from=day_from_proto(f.due_from, "due_date_from", required=False),
        due_to=day_from_proto(f.due_to, "due_date_to", required=False),
        min_days_overdue=f.min_days_overdue,
    )
