"""Contracts (合同) drafted from a deal's issued quote or from scratch: lines, totals and
instalments as exact decimal strings, clauses from one template version, saved versions;
their mapping to and from crm.contract.v1."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from crm.contract.v1 import contract_pb2 as pb
from pydantic import BaseModel, ConfigDict, Field, JsonValue

from gateway.conventions.bodies import RequestBody
from gateway.schemas.mapping import from_proto
from gateway.schemas.values import (
    DATE,
    DATE_OR_EMPTY,
    Money,
    money_to_proto,
    output_date,
    proto_enum,
)

STATUS = "CONTRACT_STATUS_"
ContractStatus = Literal[
    "draft", "pending_approval", "rejected", "approved", "signed", "terminated", "cancelled"
]
DueKind = Literal["on_signing", "days_after_signing", "end_of_month_plus", "milestone"]
# A quantity more than 0; a percentage 0 to 100 (or empty: 0); a share more than 0 and at
# most 100: declared here, so that the service never refuses what the document allows.
POSITIVE = r"^(0*[1-9]\d{0,14}(\.\d{1,9})?|0+\.\d{0,8}[1-9]\d{0,8})$"
PERCENT = r"^(100(\.0{1,9})?|\d{1,2}(\.\d{1,9})?)?$"
SHARE = r"^(100(\.0{1,9})?|0*[1-9]\d?(\.\d{1,9})?|0+\.\d{0,8}[1-9]\d{0,8})$"

LINE_EXAMPLE: dict[str, JsonValue] = {
    "product_code": "SVC-DAY",
    "description": "实施服务",
    "quantity": "2.5",
    "unit": "人天",
    "unit_price": {"amount": "1200.00", "currency": "CNY"},
    "discount_percent": "0",
    "tax_percent": "6",
}
TERMS_EXAMPLE: list[JsonValue] = [
    {"label": "预付款", "percent": "30", "due_kind": "on_signing"},
    {"label": "到货款", "percent": "60", "due_kind": "days_after_signing", "due_days": 30},
    {"label": "验收款", "percent": "10", "due_kind": "milestone", "milestone": "验收合格"},
]


class ContractLineIn(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [LINE_EXAMPLE]})
    product_code: str = Field("", max_length=64)
    description: str = Field("", max_length=500, description="required without a product_code")
    quantity: str = Field(pattern=POSITIVE, max_length=25, description="more than 0")
    unit: str = Field("", max_length=20)
    unit_price: Money
    discount_percent: str = Field("", pattern=PERCENT, max_length=14)
    tax_percent: str = Field("", pattern=PERCENT, max_length=14)


class InstalmentIn(RequestBody):
    label: str = Field("", max_length=100, description="e.g. 预付款, 验收款")
    percent: str | None = Field(
        None,
        pattern=SHARE,
        max_length=14,
        description="share of the contract value; give this or amount",
    )
    amount: Money | None = Field(None, description="give this or percent")
    due_kind: DueKind = "on_signing"
    due_days: int = Field(
        0,
        ge=0,
        le=3650,
        description="days after signing, or after the end of the signing month",
    )
    milestone: str = Field("", max_length=100, description="with due_kind milestone, e.g. 验收合格")


class ContractDraftIn(RequestBody):
    """From a deal: opportunity_id (won, or in the contract_signing stage) and its issued
    quote (default: the quote the deal was won with); lines come from the quote. From
    scratch: account_id, currency and lines."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"template_id": "tpl-1", "opportunity_id": "opp-1", "payment_terms": TERMS_EXAMPLE},
                {
                    "template_id": "tpl-1",
                    "account_id": "acc-1",
                    "title": "实施服务合同",
                    "lines": [LINE_EXAMPLE],
                },
            ]
        }
    )
    template_id: str = Field(min_length=1, max_length=64)
    opportunity_id: str = Field("", max_length=64)
    quote_id: str = Field("", max_length=64)
    quote_version: int = Field(0, ge=0, le=1_000_000, description="0: the latest version")
    account_id: str = Field("", max_length=64)
    currency: str = Field("", pattern=r"^([A-Z]{3})?$", description="from scratch; default CNY")
    title: str = Field("", max_length=200, description="default: the deal's name")
    lines: list[ContractLineIn] = Field(default_factory=list, max_length=500)
    payment_terms: list[InstalmentIn] = Field(
        default_factory=list, max_length=50, description="default: 100 % on signing"
    )
    start_date: str = Field("", pattern=DATE_OR_EMPTY, description="YYYY-MM-DD")
    end_date: str = Field("", pattern=DATE_OR_EMPTY, description="YYYY-MM-DD")
    field_values: dict[str, str] = Field(default_factory=dict, max_length=100)


class ContractPatch(RequestBody):
    """Only the fields to change (null clears a date and changes nothing else); every
    saved change is the next version."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"payment_terms": TERMS_EXAMPLE, "clauses": {"payment": "按附件付款"}}]
        }
    )
    title: str | None = Field(None, min_length=1, max_length=200)
    lines: list[ContractLineIn] | None = Field(None, min_length=1, max_length=500)
    payment_terms: list[InstalmentIn] | None = Field(None, min_length=1, max_length=50)
    start_date: str | None = Field(
        None, pattern=DATE_OR_EMPTY, description="YYYY-MM-DD; null clears"
    )
    end_date: str | None = Field(None, pattern=DATE_OR_EMPTY, description="YYYY-MM-DD; null clears")
    field_values: dict[str, str] | None = Field(None, max_length=100)
    clauses: dict[str, str] | None = Field(
        None, max_length=200, description="clause key -> new text"
    )


class ContractLineOut(BaseModel):
    line_no: int
    product_code: str
    description: str
    quantity: str
    unit: str
    unit_price: Money | None
    discount_percent: str
    tax_percent: str
    net_amount: Money | None
    tax_amount: Money | None
    total: Money | None


class InstalmentOut(BaseModel):
    sequence: int
    label: str
    percent: str = Field(description='as given; "" when given as an amount')
    amount: Money | None = Field(description="resolved; the amounts add up to the value")
    due_kind: str
    due_days: int
    milestone: str


class PartyOut(BaseModel):
    role: str
    name: str
    account_id: str
    contact_id: str
    contact_name: str
    contact_phone: str
    address: str
    credit_code: str


class ContractClauseOut(BaseModel):
    key: str
    title: str
    text: str
    standard: bool
    edited: bool = Field(description="differs from the template version's text")


class ApprovalStepOut(BaseModel):
    id: str
    sequence: int
    role: str = proto_enum(pb.ApprovalRole)
    rule: str = Field(
        description='why the step is in the chain, e.g. "finance: amount 1,280,000.00 ≥ 200,000.00"'
    )
    status: str = proto_enum(pb.StepStatus)
    approver_id: str
    comment: str
    decided_at: datetime | None


class SignatoryOut(BaseModel):
    party: str
    name: str
    title: str


class SignatureOut(BaseModel):
    method: str = proto_enum(pb.SignatureMethod)
    signatories: list[SignatoryOut]
    signed_date: str = output_date()
    signed_at: datetime | None = Field(description="when it was recorded")
    file_sha256: str
    recorded_by: str


class ContractOut(BaseModel):
    id: str
    number: str = Field(description='e.g. "HT-2026-000123"')
    title: str
    status: str = proto_enum(pb.ContractStatus)
    version: int = Field(description="Also the ETag; every saved version stays readable")
    opportunity_id: str
    quote_id: str
    quote_version: int
    quote_number: str
    template_id: str
    template_version: int
    template_code: str
    kind: str
    account_id: str
    account_name: str
    owner_id: str
    team_id: str
    currency: str
    parties: list[PartyOut]
    lines: list[ContractLineOut]
    net_total: Money | None
    tax_total: Money | None
    value: Money | None = Field(description="total including tax")
    discount_percent: str
    payment_terms: list[InstalmentOut]
    clauses: list[ContractClauseOut]
    field_values: dict[str, str]
    start_date: str = output_date()
    end_date: str = output_date()
    approval_steps: list[ApprovalStepOut] = Field(description="the chain of the current submission")
    submitted_by: str
    signature: SignatureOut | None
    effective_date: str = output_date("in force from; set once active")
    termination_reason: str
    created_by: str
    created_at: datetime
    updated_at: datetime


class ContractVersionOut(BaseModel):
    contract_id: str
    version: int
    status: str = proto_enum(pb.ContractStatus)
    title: str
    parties: list[PartyOut]
    lines: list[ContractLineOut]
    net_total: Money | None
    tax_total: Money | None
    value: Money | None
    discount_percent: str
    payment_terms: list[InstalmentOut]
    clauses: list[ContractClauseOut]
    field_values: dict[str, str]
    start_date: str = output_date()
    end_date: str = output_date()
    created_by: str
    created_at: datetime = Field(description="when this version was saved")


class ContractPage(BaseModel):
    items: list[ContractOut]
    next_cursor: str


class ContractVersionPage(BaseModel):
    items: list[ContractVersionOut]
    next_cursor: str


class ContractSubmitIn(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"note": "请法务审核"}]})
    note: str = Field("", max_length=500)


class ContractDecisionIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"decision": "reject", "comment": "违约金条款需修改"}]}
    )
    decision: Literal["approve", "reject"]
    comment: str = Field("", max_length=1000, description="required when rejecting")


class ContractSignatoryIn(RequestBody):
    party: Literal["customer", "supplier"]
    name: str = Field(min_length=1, max_length=100)
    title: str = Field("", max_length=100)


class ContractSignIn(RequestBody):
    """Manual signing: both parties' signatories, the date on the paper, and the SHA-256
    of the uploaded scan."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "signatories": [
                        {"party": "customer", "name": "王芳", "title": "总经理"},
                        {"party": "supplier", "name": "李雷", "title": "销售总监"},
                    ],
                    "signed_date": "2026-12-03",
                    "file_sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                }
            ]
        }
    )
    signatories: list[ContractSignatoryIn] = Field(min_length=1, max_length=10)
    signed_date: str = Field(pattern=DATE, description="YYYY-MM-DD, the date on the paper")
    file_sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the scan, hex")


class ContractTerminateIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "客户违约，双方协商解除"}]}
    )
    reason: str = Field(min_length=1, max_length=1000)


def _lines(items: list[ContractLineIn]) -> list[pb.ContractLine]:
    return [
        pb.ContractLine(
            product_code=x.product_code,
            description=x.description,
            quantity=x.quantity,
            unit=x.unit,
            unit_price=money_to_proto(x.unit_price),
            discount_percent=x.discount_percent,
            tax_percent=x.tax_percent,
        )
        for x in items
    ]


def _terms(items: list[InstalmentIn]) -> list[pb.InstalmentTerm]:
    return [
        pb.InstalmentTerm(
            label=t.label,
            percent=t.percent or "",
            amount=money_to_proto(t.amount),
            due_kind=t.due_kind,
            due_days=t.due_days,
            milestone=t.milestone,
        )
        for t in items
    ]


def _day(value: str | None) -> str:
    return value or ""


def draft_request(body: ContractDraftIn) -> pb.DraftContractRequest:
    return pb.DraftContractRequest(
        template_id=body.template_id,
        opportunity_id=body.opportunity_id,
        quote_id=body.quote_id,
        quote_version=body.quote_version,
        account_id=body.account_id,
        currency=body.currency,
        contract=pb.ContractInput(
            title=body.title,
            lines=_lines(body.lines),
            payment_terms=_terms(body.payment_terms),
            start_date=_day(body.start_date),
            end_date=_day(body.end_date),
            field_values=body.field_values,
        ),
    )


CLEARABLE = ("start_date", "end_date")


def contract_patch(body: ContractPatch) -> tuple[pb.ContractInput, list[str]]:
    # null clears the dates; the other fields cannot be emptied, so null leaves them be.
    mask = [
        n
        for n in ContractPatch.model_fields
        if n in body.model_fields_set and (getattr(body, n) is not None or n in CLEARABLE)
    ]
    msg = pb.ContractInput(
        title=body.title or "",
        lines=_lines(body.lines or []),
        payment_terms=_terms(body.payment_terms or []),
        start_date=_day(body.start_date),
        end_date=_day(body.end_date),
        field_values=body.field_values or {},
        clauses=[pb.Clause(key=k, text=v) for k, v in (body.clauses or {}).items()],
    )
    return msg, mask


def signature_out(parent: pb.Contract | pb.ContractVersion) -> SignatureOut | None:
    return from_proto(SignatureOut, parent.signature) if parent.HasField("signature") else None


def contract_out(c: pb.Contract) -> ContractOut:
    return from_proto(ContractOut, c, signature=signature_out(c))


def version_out(v: pb.ContractVersion) -> ContractVersionOut:
    return from_proto(ContractVersionOut, v)


ApprovalRoleName = Literal["legal", "finance", "general_manager"]
POLICY_EXAMPLE: dict[str, JsonValue] = {
    "rules": [
        {"role": "legal", "always": True},
        {
            "role": "finance",
            "min_value": {"amount": "200000", "currency": "CNY"},
            "min_line_discount_percent": "15",
            "max_term_days": 90,
        },
        {
            "role": "general_manager",
            "min_value": {"amount": "1000000", "currency": "CNY"},
            "standard_clause_edited": True,
        },
    ]
}


class ApprovalRuleIn(RequestBody):
    """A role joins the chain when any of its conditions holds."""

    role: ApprovalRoleName
    always: bool = False
    min_value: Money | None = Field(None, description="the contract value is at least this")
    min_line_discount_percent: str | None = Field(
        None,
        pattern=r"^(100(\.0{1,9})?|\d{1,2}(\.\d{1,9})?)$",
        max_length=14,
        description="a line's discount is at least this",
    )
    max_term_days: int | None = Field(
        None, ge=1, le=3650, description="an instalment is due later than this"
    )
    standard_clause_edited: bool = False


class ApprovalPolicyIn(RequestBody):
    """The whole policy: rules in the order of the chain."""

    model_config = ConfigDict(json_schema_extra={"examples": [POLICY_EXAMPLE]})
    rules: list[ApprovalRuleIn] = Field(min_length=1, max_length=3)


class ApprovalRuleOut(BaseModel):
    role: str = proto_enum(pb.ApprovalRole)
    always: bool
    min_value: Money | None
    min_line_discount_percent: str
    max_term_days: int
    standard_clause_edited: bool


class ApprovalPolicyOut(BaseModel):
    rules: list[ApprovalRuleOut]
    version: int = Field(description="Also the ETag; 1 until first replaced")


def policy_in(body: ApprovalPolicyIn) -> pb.ApprovalPolicy:
    return pb.ApprovalPolicy(
        rules=[
            pb.ApprovalRule(
                role=pb.ApprovalRole.Value("APPROVAL_ROLE_" + r.role.upper()),
                sequence=i + 1,
                always=r.always,
                min_value=money_to_proto(r.min_value),
                min_discount_percent=r.min_line_discount_percent or "",
                max_term_days=r.max_term_days or 0,
                standard_clause_edited=r.standard_clause_edited,
            )
            for i, r in enumerate(body.rules)
        ]
    )


def policy_out(p: pb.ApprovalPolicy) -> ApprovalPolicyOut:
    rules = [
        from_proto(ApprovalRuleOut, r, min_line_discount_percent=r.min_discount_percent)
        for r in p.rules
    ]
    return ApprovalPolicyOut(rules=rules, version=p.version)
