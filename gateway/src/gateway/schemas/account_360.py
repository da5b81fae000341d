"""The customer 360 view of an account (GET /v1/accounts/{id}/360): its parts and
each part's status."""

from __future__ import annotations

from typing import Literal

from crm.contract.v1 import contract_pb2
from crm.payment.v1 import payment_pb2
from pydantic import BaseModel, Field

from gateway.schemas.accounts import AccountOut
from gateway.schemas.contacts import ContactOut
from gateway.schemas.lead_work import LeadFollowUpOut
from gateway.schemas.opportunities import OpportunityOut
from gateway.schemas.opportunity_stages import AccountFollowUpOut
from gateway.schemas.values import Money, enum_text, money_field


class PartStatus(BaseModel):
    status: Literal["ok", "unavailable"]
    reason: str = Field("", description="why the part is missing, when it is")


class ContractSummary(BaseModel):
    id: str
    number: str
    title: str
    status: str
    value: Money | None
    start_date: str
    end_date: str


class ReceivableSummary(BaseModel):
    id: str
    contract_number: str
    label: str
    amount: Money | None
    outstanding: Money | None
    due_date: str
    status: str
    days_overdue: int


class ConvertedLead(BaseModel):
    id: str
    name: str
    source: str
    converted_opportunity_id: str


class Account360(BaseModel):
    account: AccountOut
    contacts: list[ContactOut]
    open_opportunities: list[OpportunityOut]
    closed_opportunities: list[OpportunityOut] = Field(description="most recent first")
    recent_follow_ups: list[AccountFollowUpOut] = Field(description="on the account and its deals")
    open_pipeline: Money | None = Field(description="sum of the open deals' amounts")
    won_total: Money | None
    converted_leads: list[ConvertedLead]
    lead_follow_ups: list[LeadFollowUpOut] = Field(
        description="follow-ups of the leads converted into this account, newest first"
    )
    contracts: list[ContractSummary]
    receivables: list[ReceivableSummary]
    parts: dict[str, PartStatus] = Field(
        description="leads, contracts, receivables: ok, or unavailable with the reason"
    )


def contract_summary(c: contract_pb2.Contract) -> ContractSummary:
    return ContractSummary(
        id=c.id,
        number=c.number,
        title=c.title,
        status=enum_text(contract_pb2.ContractStatus, c.status, "CONTRACT_STATUS_"),
        value=money_field(c, "value"),
        start_date=c.start_date,
        end_date=c.end_date,
    )


def receivable_summary(r: payment_pb2.Receivable) -> ReceivableSummary:
    return ReceivableSummary(
        id=r.id,
        contract_number=r.contract_number,
        label=r.label,
        amount=money_field(r, "amount"),
        outstanding=money_field(r, "outstanding"),
        due_date=r.due_date,
        status=enum_text(payment_pb2.ReceivableStatus, r.status, "RECEIVABLE_STATUS_"),
        days_overdue=r.days_overdue,
    )
