"""POST /v1/leads/{lead_id}/convert: a qualified lead becomes an account (or joins the
one the duplicate check finds, or the one named), a contact and an opportunity
(OpportunityService.ConvertLead, ADR 17). The call carries an idempotency key: the
Idempotency-Key header's, else one derived from the lead, so that converting a lead
again answers the records the first conversion made."""

from __future__ import annotations

import hashlib
from typing import Annotated

from crm.opportunity.v1 import opportunity_pb2 as pb
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from gateway.crm_values import (
    DATE_OR_EMPTY,
    Money,
    SalesCustomField,
    customs_to_proto,
    money_to_proto,
)
from gateway.dependencies import CallOptions, OpportunityClient
from gateway.guard import authorize
from gateway.idempotency import HEADER
from gateway.identity.caller import Caller
from gateway.problems import PROBLEM_RESPONSES
from gateway.routes.accounts import AccountFields, AccountOut, account_input, account_out
from gateway.routes.contacts import ContactFields, ContactOut, contact_input, contact_out
from gateway.routes.leads import LeadId
from gateway.routes.opportunities import OpportunityOut, opportunity_out

router = APIRouter(tags=["leads"], responses=PROBLEM_RESPONSES)
MAX_SERVICE_KEY = 128


class OpportunityOverrides(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    name: str = Field("", max_length=200, description='empty: "<company> – <product line>"')
    owner_id: str = Field("", max_length=64, description="empty: the lead's owner")
    pipeline_id: str = Field("", max_length=64, description="empty: the default pipeline")
    amount: Money | None = None
    expected_close_date: str = Field("", max_length=10, pattern=DATE_OR_EMPTY)
    description: str = Field("", max_length=4000, description="empty: the lead's notes")
    tags: list[Annotated[str, Field(max_length=50)]] = Field(default_factory=list, max_length=20)
    custom_fields: list[SalesCustomField] = Field(default_factory=list, max_length=50)


class LeadConversion(BaseModel):
    """Everything is optional: the account, contact and opportunity are made from the
    lead; values given here override what is copied. `account_id` attaches the lead to
    that account instead of the duplicate check's (then `account` must be empty)."""

    model_config = ConfigDict(
        extra="forbid", strict=True,
        json_schema_extra={"examples": [{
            "contact": {"title": "采购总监", "role": "decision_maker"},
            "opportunity": {"amount": {"amount": "123.45", "currency": "CNY"},
                            "expected_close_date": "2030-06-30"},
        }]},
    )  # fmt: skip
    account_id: str = Field("", max_length=64, description="attach to this existing account")
    account: AccountFields | None = None
    contact: ContactFields | None = None
    opportunity: OpportunityOverrides | None = None


class ConversionOut(BaseModel):
    account: AccountOut
    contact: ContactOut
    opportunity: OpportunityOut
    account_created: bool = Field(description="false when attached to an existing account")


def conversion_key(request: Request, lead_id: str) -> str:
    """The header's key (hashed when longer than the service keeps), else the lead's."""
    given = request.headers.get(HEADER, "")
    if not given:
        return f"lead-convert:{lead_id}"
    if len(given) <= MAX_SERVICE_KEY:
        return given
    return "sha256:" + hashlib.sha256(given.encode()).hexdigest()


def opportunity_input(body: OpportunityOverrides) -> pb.OpportunityInput:
    plain = body.model_dump(exclude={"amount", "custom_fields"})
    return pb.OpportunityInput(
        **plain,
        amount=money_to_proto(body.amount),
        custom_fields=customs_to_proto(body.custom_fields),
    )


@router.post(
    "/v1/leads/{lead_id}/convert",
    response_model=ConversionOut,
    summary="Convert a qualified lead into an account, a contact and an opportunity",
)
async def convert_lead(
    lead_id: LeadId,
    body: LeadConversion,
    caller: Annotated[Caller, Depends(authorize("lead:convert"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
    request: Request,
) -> ConversionOut:
    reply = await opportunity_service.ConvertLead(
        pb.ConvertLeadRequest(
            lead_id=lead_id,
            idempotency_key=conversion_key(request, lead_id),
            account_id=body.account_id,
            account=account_input(body.account) if body.account else None,
            contact=contact_input(body.contact) if body.contact else None,
            opportunity=opportunity_input(body.opportunity) if body.opportunity else None,
        ),
        **options,
    )
    return ConversionOut(
        account=account_out(reply.account),
        contact=contact_out(reply.contact),
        opportunity=opportunity_out(reply.opportunity),
        account_created=reply.account_created,
    )
