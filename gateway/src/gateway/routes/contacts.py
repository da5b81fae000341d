"""/v1/contacts and an account's relationship map: people at accounts, their role in
the buying decision and whom they report to (a link that would close a cycle is 422)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from crm.common.v1 import common_pb2
from crm.opportunity.v1 import opportunity_pb2 as pb
from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from gateway.crm_values import (
    STALE,
    SalesCustomField,
    customs_out,
    customs_to_proto,
    enum_number,
    enum_text,
)
from gateway.dependencies import CallOptions, OpportunityClient
from gateway.etag import set_etag
from gateway.guard import authorize
from gateway.identity.caller import Caller
from gateway.paging import DEFAULT, Cursor, Limit
from gateway.problems import PROBLEM_RESPONSES
from gateway.routes.accounts import AccountId

router = APIRouter(tags=["contacts"], responses=PROBLEM_RESPONSES)
ContactId = Annotated[str, Path(min_length=1, max_length=64, description="The contact's id")]
Role = Literal["decision_maker", "influencer", "user", "finance"]
ROLE = "CONTACT_ROLE_"


class ContactFields(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

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
    custom_fields: list[SalesCustomField] = Field(default_factory=list, max_length=50)


class ContactCreate(ContactFields):
    model_config = ConfigDict(
        extra="forbid", strict=True,
        json_schema_extra={"examples": [{
            "account_id": "5b1d7c6e-0000-4000-8000-000000000001", "name": "王芳", "title": "采购总监",
            "phone": "+86 139-0013-9000", "role": "decision_maker", "primary": True,
        }]},
    )  # fmt: skip
    account_id: str = Field(min_length=1, max_length=64)
    name: str = Field(max_length=100, description="required")


class ContactPatch(ContactFields):
    """Only the fields sent change (a contact stays with its account)."""

    model_config = ConfigDict(
        extra="forbid", strict=True,
        json_schema_extra={"examples": [{"title": "副总经理", "role": "decision_maker", "expected_version": 1}]},
    )  # fmt: skip
    expected_version: int = Field(
        0, ge=0, description="0: no check; else 409 if it changed meanwhile"
    )


def contact_input(body: ContactFields, account_id: str = "") -> pb.ContactInput:
    values = body.model_dump(exclude={"expected_version", "role", "custom_fields", "account_id"})
    return pb.ContactInput(
        **values, account_id=account_id, role=enum_number(pb.ContactRole, ROLE, body.role),
        custom_fields=customs_to_proto(body.custom_fields),
    )  # fmt: skip


class ContactOut(BaseModel):
    id: str
    account_id: str
    name: str
    title: str
    department: str
    phone: str = Field(description="E.164")
    email: str
    wechat: str
    role: str = Field(description="decision_maker, influencer, user, finance, or empty")
    reports_to_contact_id: str
    primary: bool
    owner_id: str = Field(description="the account's owner")
    notes: str
    custom_fields: list[SalesCustomField]
    source_lead_id: str
    created_at: datetime
    updated_at: datetime
    version: int


class ContactPage(BaseModel):
    items: list[ContactOut]
    next_cursor: str


def contact_out(c: pb.Contact) -> ContactOut:
    return ContactOut(
        id=c.id, account_id=c.account_id, name=c.name, title=c.title, department=c.department,
        phone=c.phone, email=c.email, wechat=c.wechat, role=enum_text(pb.ContactRole, c.role, ROLE),
        reports_to_contact_id=c.reports_to_contact_id, primary=c.primary, owner_id=c.owner_id,
        notes=c.notes, custom_fields=customs_out(c.custom_fields), source_lead_id=c.source_lead_id,
        created_at=c.created_at.ToDatetime(tzinfo=UTC), updated_at=c.updated_at.ToDatetime(tzinfo=UTC),
        version=c.version,
    )  # fmt: skip


@router.post(
    "/v1/contacts",
    status_code=201,
    response_model=ContactOut,
    summary="Add a contact to an account",
)
async def add_contact(
    body: ContactCreate,
    caller: Annotated[Caller, Depends(authorize("contact:create"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
    response: Response,
) -> ContactOut:
    reply = await opportunity_service.AddContact(
        pb.AddContactRequest(contact=contact_input(body, body.account_id)), **options
    )
    set_etag(response, reply.contact.version)
    response.headers["Location"] = f"/v1/contacts/{reply.contact.id}"
    return contact_out(reply.contact)


@router.get(
    "/v1/contacts", response_model=ContactPage, summary="List and search contacts, newest first"
)
async def list_contacts(
    caller: Annotated[Caller, Depends(authorize("contact:read"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
    role: Annotated[list[Role], Query(default_factory=list, max_length=4)],
    account_id: Annotated[str, Query(max_length=64)] = "",
    q: Annotated[str, Query(max_length=100, description="name, phone or email")] = "",
    limit: Limit = DEFAULT,
    cursor: Cursor = "",
) -> ContactPage:
    reply = await opportunity_service.ListContacts(
        pb.ListContactsRequest(
            account_id=account_id, roles=[enum_number(pb.ContactRole, ROLE, r) for r in role], text=q,
            page=common_pb2.PageRequest(limit=limit, cursor=cursor),
        ),
        **options,
    )  # fmt: skip
    return ContactPage(
        items=[contact_out(c) for c in reply.contacts], next_cursor=reply.page.next_cursor
    )


@router.get(
    "/v1/contacts/{contact_id}", response_model=ContactOut, summary="Read one contact (ETag)"
)
async def get_contact(
    contact_id: ContactId,
    caller: Annotated[Caller, Depends(authorize("contact:read"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
    response: Response,
) -> ContactOut:
    reply = await opportunity_service.GetContact(pb.GetContactRequest(id=contact_id), **options)
    set_etag(response, reply.contact.version)
    return contact_out(reply.contact)


@router.patch(
    "/v1/contacts/{contact_id}",
    response_model=ContactOut,
    summary="Change a contact",
    responses=STALE,
)
async def update_contact(
    contact_id: ContactId,
    body: ContactPatch,
    caller: Annotated[Caller, Depends(authorize("contact:update"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
    response: Response,
) -> ContactOut:
    mask = sorted(body.model_fields_set - {"expected_version"})
    reply = await opportunity_service.UpdateContact(
        pb.UpdateContactRequest(
            id=contact_id,
            contact=contact_input(body),
            update_mask=mask,
            expected_version=body.expected_version,
        ),
        **options,
    )
    set_etag(response, reply.contact.version)
    return contact_out(reply.contact)


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


@router.get(
    "/v1/accounts/{account_id}/relationship-map", response_model=RelationshipMapOut,
    summary="Who reports to whom at an account",
)  # fmt: skip
async def relationship_map(
    account_id: AccountId,
    caller: Annotated[Caller, Depends(authorize("contact:read"))],
    opportunity_service: OpportunityClient,
    options: CallOptions,
) -> RelationshipMapOut:
    reply = await opportunity_service.GetRelationshipMap(
        pb.GetRelationshipMapRequest(account_id=account_id), **options
    )
    return RelationshipMapOut(
        account_id=reply.account_id,
        nodes=[
            NodeOut(
                contact=contact_out(n.contact),
                direct_report_ids=list(n.direct_report_ids),
                depth=n.depth,
            )
            for n in reply.nodes
        ],
        missing_roles=[enum_text(pb.ContactRole, r, ROLE) for r in reply.missing_roles],
    )
