"""Contacts at accounts and an account's relationship map, and their mapping to and
from crm.opportunity.v1."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from crm.opportunity.v1 import opportunity_pb2 as pb
from pydantic import BaseModel, ConfigDict, Field

from gateway.conventions.bodies import RequestBody
from gateway.schemas.mapping import from_proto
from gateway.schemas.values import (
    SALES_CUSTOM_FIELDS,
    CustomOut,
    SalesCustomIn,
    custom_fields_in,
    enum_number,
    proto_enum,
)

Role = Literal["decision_maker", "influencer", "user", "finance"]


ROLE = "CONTACT_ROLE_"


class ContactFields(RequestBody):
    name: str = Field("", max_length=100)
    title: str = Field("", max_length=100)
    department: str = Field("", max_length=100)
    phone: str = Field("", max_length=32)
    email: str = Field("", max_length=254)
    wechat: str = Field("", max_length=64)
    role: Role | Literal[""] = Field(
        "", description="decision_maker (KDM), influencer, user, finance"
    )
    reports_to_contact_id: str = Field(
        "", max_length=64, description="a contact of the same account"
    )
    primary: bool = Field(False, description="the account's main contact (one at a time)")
    notes: str = Field("", max_length=4000)
    custom_fields: SalesCustomIn = SALES_CUSTOM_FIELDS


class ContactCreate(ContactFields):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "account_id": "5b1d7c6e-0000-4000-8000-000000000001",
                    "name": "王芳",
                    "title": "采购总监",
                    "phone": "+86 139-0013-9000",
                    "role": "decision_maker",
                    "primary": True,
                }
            ]
        },
    )
    account_id: str = Field(min_length=1, max_length=64)
    name: str = Field(max_length=100, description="required")


class ContactPatch(ContactFields):
    """Only the fields sent change (a contact stays with its account)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"title": "副总经理", "role": "decision_maker"}]},
    )


def contact_input(body: ContactFields, account_id: str = "") -> pb.ContactInput:
    values = body.model_dump(exclude={"role", "custom_fields", "account_id"})
    return pb.ContactInput(
        **values,
        account_id=account_id,
        role=enum_number(pb.ContactRole, ROLE, body.role),
        custom_fields=custom_fields_in(body.custom_fields),
    )


class ContactOut(BaseModel):
    id: str
    account_id: str
    name: str
    title: str
    department: str
    phone: str = Field(description="E.164")
    email: str
    wechat: str
    role: str = proto_enum(pb.ContactRole)
    reports_to_contact_id: str
    primary: bool
    owner_id: str = Field(description="the account's owner")
    notes: str
    custom_fields: CustomOut
    source_lead_id: str
    created_at: datetime
    updated_at: datetime
    version: int


class ContactPage(BaseModel):
    items: list[ContactOut]
    next_cursor: str


def contact_out(c: pb.Contact) -> ContactOut:
    return from_proto(ContactOut, c)


class NodeOut(BaseModel):
    contact: ContactOut
    direct_report_ids: list[str]
    depth: int = Field(description="0 for contacts who report to no one")


class RelationshipMapOut(BaseModel):
    account_id: str
    nodes: list[NodeOut] = Field(description="each manager before their reports")
    missing_roles: list[str] = Field(
        description="roles with no contact yet, e.g. no decision maker"
    )
