"""/v1/leads: capture and read leads (LeadService over gRPC)."""

from __future__ import annotations

from typing import Annotated

from crm.lead.v1 import lead_pb2
from fastapi import APIRouter, Depends, Response

from gateway.access.guard import authorize
from gateway.conventions.created import created
from gateway.conventions.etag import set_etag
from gateway.conventions.problems import PROBLEM_RESPONSES
from gateway.dependencies import CallOptions, LeadClient
from gateway.identity.caller import Caller
from gateway.schemas.leads import LeadCreate, LeadId, LeadOut, lead_out
from gateway.schemas.values import custom_fields_in

router = APIRouter(prefix="/v1/leads", tags=["leads"], responses=PROBLEM_RESPONSES)


@router.post("", status_code=201, response_model=LeadOut, summary="Capture a lead")
async def create_lead(
    body: LeadCreate,
    caller: Annotated[Caller, Depends(authorize("lead:create"))],
    lead_service: LeadClient,
    options: CallOptions,
    response: Response,
) -> LeadOut:
    fields = body.model_dump(exclude={"custom_fields"})
    lead = lead_pb2.LeadInput(**fields, custom_fields=custom_fields_in(body.custom_fields))
    reply = await lead_service.CreateLead(
        lead_pb2.CreateLeadRequest(lead=lead),
        **options,
    )
    created(response, f"/v1/leads/{reply.lead.id}", reply.lead.version)
    return lead_out(reply.lead)


@router.get("/{lead_id}", response_model=LeadOut, summary="Read one lead (ETag)")
async def get_lead(
    lead_id: LeadId,
    caller: Annotated[Caller, Depends(authorize("lead:read"))],
    lead_service: LeadClient,
    options: CallOptions,
    response: Response,
) -> LeadOut:
    reply = await lead_service.GetLead(lead_pb2.GetLeadRequest(id=lead_id), **options)
    set_etag(response, reply.lead.version)
    return lead_out(reply.lead)
