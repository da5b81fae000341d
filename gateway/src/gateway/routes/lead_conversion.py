"""POST /v1/leads/{lead_id}/convert: a qualified lead becomes an account (or joins the
one the duplicate check finds, or the one named), a contact and an opportunity
(OpportunityService.ConvertLead, ADR 17). The call carries an idempotency key: the
Idempotency-Key header's, else one derived from the lead, so that converting a lead
again answers the records the first conversion made."""

from __future__ import annotations

import hashlib
from typing import Annotated

from crm.opportunity.v1 import opportunity_pb2 as pb
from fastapi import APIRouter, Depends, Request, Response

from gateway.access.guard import authorize
from gateway.conventions.created import created
from gateway.conventions.problems import PROBLEM_RESPONSES
from gateway.dependencies import CallOptions, OpportunityClient
from gateway.identity.caller import Caller
from gateway.schemas.accounts import account_input, account_out
from gateway.schemas.contacts import contact_input, contact_out
from gateway.schemas.lead_conversion import ConversionOut, LeadConversion, opportunity_input
from gateway.schemas.leads import LeadId
from gateway.schemas.opportunities import opportunity_out
from gateway.traffic.idempotency import HEADER

router = APIRouter(tags=["leads"], responses=PROBLEM_RESPONSES)
MAX_SERVICE_KEY = 128


def conversion_key(request: Request, lead_id: str) -> str:
    """The header's key (hashed when longer than the service keeps), else the lead's."""
    given = request.headers.get(HEADER, "")
    if not given:
        return f"lead-convert:{lead_id}"
    if len(given) <= MAX_SERVICE_KEY:
        return given
    return "sha256:" + hashlib.sha256(given.encode()).hexdigest()


@router.post(
    "/v1/leads/{lead_id}/convert",
    status_code=201,
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
    response: Response,
) -> ConversionOut:
    """Creates up to three records: `Location` names the new opportunity, the body all
    three. Converting the lead again answers the same records, 201 again."""
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
    created(response, f"/v1/opportunities/{reply.opportunity.id}", reply.opportunity.version)
    return ConversionOut(
        account=account_out(reply.account),
        contact=contact_out(reply.contact),
        opportunity=opportunity_out(reply.opportunity),
        account_created=reply.account_created,
    )
