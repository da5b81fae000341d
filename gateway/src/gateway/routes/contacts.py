"""/v1/contacts and an account's relationship map: people at accounts, their role in
the buying decision and whom they report to (a link that would close a cycle is 422)."""

from __future__ import annotations

from typing import Annotated

from crm.common.v1 import common_pb2
from crm.opportunity.v1 import opportunity_pb2 as pb
from fastapi import APIRouter, Depends, Path, Query, Response

from gateway.access.guard import authorize
from gateway.conventions.etag import IfMatch, if_match_version, set_etag
from gateway.conventions.paging import DEFAULT, Cursor, Limit
from gateway.conventions.problems import PROBLEM_RESPONSES
from gateway.dependencies import CallOptions, OpportunityClient
from gateway.identity.caller import Caller
from gateway.schemas.accounts import AccountId
from gateway.schemas.contacts import (
    ROLE,
    ContactCreate,
    ContactOut,
    ContactPage,
    ContactPatch,
    NodeOut,
    RelationshipMapOut,
    Role,
    contact_input,
    contact_out,
)
from gateway.schemas.values import (
    STALE,
    enum_number,
    enum_text,
)

router = APIRouter(tags=["contacts"], responses=PROBLEM_RESPONSES)
ContactId = Annotated[str, Path(min_length=1, max_length=64, description="The contact's id")]


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
            account_id=account_id,
            roles=[enum_number(pb.ContactRole, ROLE, r) for r in role],
            text=q,
            page=common_pb2.PageRequest(limit=limit, cursor=cursor),
        ),
        **options,
    )
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
    if_match: IfMatch = None,
) -> ContactOut:
    mask = sorted(body.model_fields_set)
    reply = await opportunity_service.UpdateContact(
        pb.UpdateContactRequest(
            id=contact_id,
            contact=contact_input(body),
            update_mask=mask,
            expected_version=if_match_version(if_match),
        ),
        **options,
    )
    set_etag(response, reply.contact.version)
    return contact_out(reply.contact)


@router.get(
    "/v1/accounts/{account_id}/relationship-map",
    response_model=RelationshipMapOut,
    summary="Who reports to whom at an account",
)
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
