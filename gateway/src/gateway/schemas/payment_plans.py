"""Payment plans (回款计划) and their receivables (应收款) on the REST side: money as
decimal strings to the fen, dates as `format: date`, enums declared."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from crm.common.v1 import common_pb2
from crm.payment.v1 import payment_pb2 as pb
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from gateway.conventions.bodies import RequestBody
from gateway.schemas.mapping import from_proto
from gateway.schemas.values import NANO, Money, enum_number, proto_enum


def _iso_day(value: object) -> object:
    """A calendar day as JSON carries it: "YYYY-MM-DD" only (no number, no time)."""
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return date.fromisoformat(value)  # a ValueError names the field in the 422
    if isinstance(value, date):
        return value
    raise ValueError("must be a date YYYY-MM-DD")


Day = Annotated[date, BeforeValidator(_iso_day)]
FEN_AMOUNT = r"^\d{1,13}(\.\d{1,2})?$"
PERCENT = r"^\d{1,3}(\.\d{1,4})?$"
DueRuleName = Literal[
    "fixed_date", "on_signing", "days_after_signing", "end_of_month_plus_days", "on_milestone"
]


class PaymentAmount(RequestBody):
    """An amount of money to the fen: a decimal string with at most 2 decimals."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"amount": "300000.00", "currency": "CNY"}]},
    )
    amount: str = Field(pattern=FEN_AMOUNT, max_length=16, description='e.g. "123.45"')
    currency: str = Field("CNY", pattern=r"^[A-Z]{3}$", description="ISO 4217")


def amount_to_proto(money: PaymentAmount) -> common_pb2.Money:
    value = Decimal(money.amount)
    units = int(value)
    return common_pb2.Money(currency=money.currency, units=units, nanos=int((value - units) / NANO))


class PaymentPlanInstalmentIn(RequestBody):
    """One instalment: an `amount` or a `percent` of the contract value (exactly one),
    and the rule of its due date. The last instalment takes the rounding to the fen."""

    label: str = Field("", max_length=100, description="e.g. 首付款 / deposit")
    amount: PaymentAmount | None = None
    percent: str | None = Field(
        None, pattern=PERCENT, max_length=8, description='share of the value, e.g. "30"'
    )
    due_rule: DueRuleName | None = Field(
        None, description="default: fixed_date when due_date is given, else on_signing"
    )
    due_days: int = Field(
        0, ge=0, le=3650, description="days after signing, the month's end or the milestone"
    )
    due_date: Day | None = Field(None, description="fixed_date only")
    milestone: str = Field("", max_length=100, description="on_milestone only, e.g. 验收")


class PaymentPlanIn(RequestBody):
    """A plan set by hand, for a contract signed outside the platform (contracts signed
    here get theirs from the contract service's ContractSigned). The instalments must
    add up exactly to the contract value."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "contract_id": "c-2026-001",
                    "contract_number": "HT-2026-0001",
                    "account_id": "acc-1",
                    "account_name": "上海云图科技有限公司",
                    "owner_id": "rep-1",
                    "team_id": "team-east",
                    "contract_value": {"amount": "1000000.00", "currency": "CNY"},
                    "signed_date": "2026-12-04",
                    "instalments": [
                        {"label": "首付款", "percent": "30", "due_rule": "on_signing"},
                        {
                            "label": "到货款",
                            "percent": "60",
                            "due_rule": "end_of_month_plus_days",
                            "due_days": 30,
                        },
                        {
                            "label": "质保金",
                            "percent": "10",
                            "due_rule": "on_milestone",
                            "milestone": "验收",
                            "due_days": 15,
                        },
                    ],
                }
            ]
        },
    )
    contract_id: str = Field(min_length=1, max_length=64)
    contract_number: str = Field(min_length=1, max_length=64)
    contract_document_version: int = Field(1, ge=1, le=100_000)
    account_id: str = Field(min_length=1, max_length=64)
    account_name: str = Field("", max_length=200)
    owner_id: str = Field(min_length=1, max_length=64, description="the owner rep")
    team_id: str = Field("", max_length=64)
    contract_value: PaymentAmount
    signed_date: Day = Field(description="YYYY-MM-DD")
    instalments: list[PaymentPlanInstalmentIn] = Field(min_length=1, max_length=60)


def plan_request(body: PaymentPlanIn) -> pb.CreatePaymentPlanRequest:
    return pb.CreatePaymentPlanRequest(
        contract_id=body.contract_id,
        contract_number=body.contract_number,
        contract_document_version=body.contract_document_version,
        account_id=body.account_id,
        account_name=body.account_name,
        owner_id=body.owner_id,
        team_id=body.team_id,
        contract_value=amount_to_proto(body.contract_value),
        signed_date=body.signed_date.isoformat(),
        instalments=[
            pb.InstalmentInput(
                label=i.label,
                amount=amount_to_proto(i.amount) if i.amount else None,
                percent=i.percent or "",
                due_rule=enum_number(pb.DueRule, "DUE_RULE_", i.due_rule or ""),
                due_days=i.due_days,
                due_date=i.due_date.isoformat() if i.due_date else "",
                milestone=i.milestone,
            )
            for i in body.instalments
        ],
    )


class ReceivableMilestoneReachedIn(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reached_date": "2026-12-04"}]})

    reached_date: Day = Field(description="the day the milestone was reached (not ahead)")


class ReceivableWriteOffIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "客户破产清算，经财务总监批准核销"}]}
    )
    reason: str = Field(min_length=1, max_length=500, description="why it will not be paid")


class ReceivableDisputeIn(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "客户对验收结果有异议"}]})
    reason: str = Field(min_length=1, max_length=500, description="what the customer contests")


def _day(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


class ReceivableOut(BaseModel):
    id: str
    plan_id: str
    contract_id: str
    contract_number: str
    account_id: str
    account_name: str
    owner_id: str
    team_id: str
    sequence: int
    label: str
    reference: str = Field(description="the code a payer may quote, e.g. HT-2026-0001-2")
    amount: Money
    paid_amount: Money
    outstanding: Money
    percent: str = Field(description='the share asked for; "" for an amount')
    due_rule: str = proto_enum(pb.DueRule)
    due_days: int
    milestone: str
    due_date: date | None = Field(description="null while the milestone is not reached")
    milestone_reached_date: date | None
    status: str = proto_enum(pb.ReceivableStatus)
    days_overdue: int
    write_off_reason: str
    written_off_by: str
    dispute_reason: str = Field(description='while disputed; "" otherwise')
    created_at: datetime
    updated_at: datetime
    version: int


def receivable_out(r: pb.Receivable) -> ReceivableOut:
    return from_proto(
        ReceivableOut,
        r,
        due_date=_day(r.due_date),
        milestone_reached_date=_day(r.milestone_reached_date),
    )


class PaymentPlanOut(BaseModel):
    id: str
    contract_id: str
    contract_number: str
    contract_document_version: int
    account_id: str
    account_name: str
    owner_id: str
    team_id: str
    total: Money
    paid_total: Money
    outstanding_total: Money
    status: str = proto_enum(pb.PaymentPlanStatus)
    source: str = Field(json_schema_extra={"enum": ["api", "contract_signed"]})
    signed_date: date
    replaces_plan_id: str
    receivables: list[ReceivableOut]
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int


def plan_out(plan: pb.PaymentPlan) -> PaymentPlanOut:
    return from_proto(
        PaymentPlanOut,
        plan,
        signed_date=date.fromisoformat(plan.signed_date),
        receivables=[receivable_out(r) for r in plan.receivables],
    )


class ReceivablePage(BaseModel):
    items: list[ReceivableOut]
    next_cursor: str
