"""Converting a lead: what may be given for the account, contact and deal it becomes,
and the three records answered."""

from __future__ import annotations

from typing import Annotated

from crm.opportunity.v1 import opportunity_pb2 as pb
from pydantic import BaseModel, ConfigDict, Field

from gateway.conventions.bodies import RequestBody
from gateway.schemas.accounts import AccountFields, AccountOut
from gateway.schemas.contacts import ContactFields, ContactOut
from gateway.schemas.opportunities import OpportunityOut
from gateway.schemas.values import (
    DATE_OR_EMPTY,
    SALES_CUSTOM_FIELDS,
    Money,
    SalesCustomIn,
    custom_fields_in,
    money_to_proto,
)


class OpportunityOverrides(RequestBody):
    name: str = Field("", max_length=200, description='empty: "<company> – <product line>"')
    owner_id: str = Field("", max_length=64, description="empty: the lead's owner")
    pipeline_id: str = Field("", max_length=64, description="empty: the default pipeline")
    amount: Money | None = None
    expected_close_date: str = Field("", max_length=10, pattern=DATE_OR_EMPTY)
    description: str = Field("", max_length=4000, description="empty: the lead's notes")
    tags: list[Annotated[str, Field(max_length=50)]] = Field(default_factory=list, max_length=20)
    custom_fields: SalesCustomIn = SALES_CUSTOM_FIELDS


class LeadConversion(RequestBody):
    """Everything is optional: the account, contact and opportunity are made from the
    lead; values given here override what is copied. `account_id` attaches the lead to
    that account instead of the duplicate check's (then `account` must be empty)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "contact": {"title": "采购总监", "role": "decision_maker"},
                    "opportunity": {
                        "amount": {"amount": "123.45", "currency": "CNY"},
                        "expected_close_date": "2030-06-30",
                    },
                }
            ]
        }
    )
    account_id: str = Field("", max_length=64, description="attach to this existing account")
    account: AccountFields | None = None
    contact: ContactFields | None = None
    opportunity: OpportunityOverrides | None = None


class ConversionOut(BaseModel):
    account: AccountOut
    contact: ContactOut
    opportunity: OpportunityOut
    account_created: bool = Field(description="false when attached to an existing account")


def opportunity_input(body: OpportunityOverrides) -> pb.OpportunityInput:
    plain = body.model_dump(exclude={"amount", "custom_fields"})
    return pb.OpportunityInput(
        **plain,
        amount=money_to_proto(body.amount),
        custom_fields=custom_fields_in(body.custom_fields),
    )
